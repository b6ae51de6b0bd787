"""The adaptation rules' numbers, prompt keys and reasons (voicecoach/data/rules.yaml): loading
and checking them against a schema, with the line of every problem."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from voicecoach.core.errors import DataFileError

RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "rules.yaml"

# section -> field -> (type, lowest, highest); str fields are prompt keys.
_SCHEMA: dict[str, dict[str, tuple[type, float | None, float | None]]] = {
    "pain_easier": {"steps_down": (int, 1, 2), "red_flag_counts": (bool, None, None),
                    "notice": (str, None, None), "notice_still_easiest": (str, None, None),
                    "notice_from_harder": (str, None, None)},
    "easy_progress": {"easy_sessions": (int, 1, 10), "dose_factor": (float, 1.01, 2.0),
                      "dose_cap": (float, 1.0, 3.0), "notice_dose_hold": (str, None, None),
                      "notice_dose_reps": (str, None, None), "notice_harder": (str, None, None),
                      "notice_standard": (str, None, None)},
    "weekly_growth": {"minutes_per_week": (int, 0, 5), "practice_days_per_week": (int, 1, 7),
                      "notice": (str, None, None), "notice_goal": (str, None, None)},
    "break_return": {"days": (int, 2, 60), "notice": (str, None, None)},
    "red_flag_check": {"gentle": (bool, None, None), "notice": (str, None, None),
                       "notice_urgent": (str, None, None), "notice_said": (str, None, None),
                       "notice_urgent_said": (str, None, None)},
    "too_hard": {"steps_down": (int, 1, 2), "notice": (str, None, None),
                 "notice_from_harder": (str, None, None)},
    "streak": {"rest_days_allowed": (int, 0, 6), "notice_first": (str, None, None),
               "notice_none": (str, None, None), "notice_one": (str, None, None),
               "notice_many": (str, None, None)},
    "pain_trend": {"sessions": (int, 1, 30), "window_days": (int, 7, 365),
                   "min_change": (float, 0.1, 10.0),
                   "notice_down": (str, None, None), "notice_up": (str, None, None),
                   "notice_steady": (str, None, None), "notice_unknown": (str, None, None)},
}


@dataclass(frozen=True)
class Rules:
    """The parameters of every rule, by section and field, plus each rule's reason."""

    path: str
    values: Mapping[str, Mapping[str, Any]]
    why: Mapping[str, str]

    def __call__(self, section: str, name: str) -> Any:
        return self.values[section][name]

    def prompt_keys(self) -> list[str]:
        return sorted(v for sec in self.values.values() for k, v in sec.items()
                      if k.startswith("notice"))


def load_rules(path: str | Path | None = None) -> Rules:
    path = Path(path) if path is not None else RULES_PATH
    if path == RULES_PATH:
        return _load_default()
    return _load(path)


@functools.lru_cache(maxsize=1)
def _load_default() -> Rules:
    return _load(RULES_PATH)


def _load(path: Path) -> Rules:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except OSError as err:
        raise DataFileError(where, f"cannot read ({err.strerror})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataFileError(where, f"not valid YAML ({getattr(err, 'problem', None) or err})",
                            line=mark.line + 1 if mark else None) from None
    if not isinstance(root, yaml.MappingNode):
        raise DataFileError(where, "expected a map of rules", line=1)
    sections = {k.value: (k.start_mark.line + 1, v) for k, v in root.value}
    values: dict[str, dict[str, Any]] = {}
    why: dict[str, str] = {}
    for section, fields in _SCHEMA.items():
        if section not in sections:
            raise DataFileError(where, "rule missing", field=section)
        line, node = sections[section]
        if not isinstance(node, yaml.MappingNode):
            raise DataFileError(where, "expected a map of settings", line=line, field=section)
        items = {k.value: (k.start_mark.line + 1, v) for k, v in node.value}
        data = yaml.safe_load(yaml.serialize(node)) or {}
        reason = data.get("why")
        if not isinstance(reason, str) or not reason.strip():
            raise DataFileError(where, "every rule needs its reason", line=line,
                                field=f"{section}.why")
        why[section] = " ".join(reason.split())
        out: dict[str, Any] = {}
        for name, (kind, lo, hi) in fields.items():
            fname = f"{section}.{name}"
            if name not in data:
                raise DataFileError(where, "missing", line=line, field=fname)
            value = data[name]
            vline = items[name][0]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise DataFileError(where, f"expected {kind.__name__}, got {value!r}",
                                    line=vline, field=fname)
            if lo is not None and not lo <= value <= hi:
                raise DataFileError(where, f"must be between {lo} and {hi}", line=vline,
                                    field=fname)
            out[name] = value
        values[section] = out
    return Rules(where, values, why)
