"""How the next session adapts to the ones before it: pure functions over the history.

    adapt(profile, sessions, today, catalog) -> Adaptation     what changes today, and why
    progress_summary(sessions, today) -> [(key, data), ...]     "how am I doing?" (2 sentences)
    streak(sessions, today) -> int                              practice days in a row

The rules' numbers and reasons are data (voicecoach/data/rules.yaml); every sentence is in
prompts/adaptation.yaml — here there are only prompt keys and their data.

Per exercise the state is a fold over the whole history, oldest session first (no hidden
state: the same history always gives the same plan): pain steps it down the variant ladder,
"easy" said in two sessions steps its dose, then its variant, up; "too hard" steps it down
like pain does, without the advice.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from voicecoach.core.errors import DataFileError
from voicecoach.core.plan import Adaptation, ExerciseAdjustment, Profile

RULES_PATH = Path(__file__).resolve().parents[1] / "data" / "rules.yaml"
LADDER = ("easier", "standard", "harder")
_ONE_DAY = timedelta(days=1)

# ------------------------------------------------------------------ rules (data)

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


# ------------------------------------------------------------------ catalog access


def _exercise(catalog: Any, ex_id: str) -> Any:
    """The catalog entry for `ex_id` (a mapping id -> Exercise, or an object with .get or
    .exercises), or None."""
    if catalog is None:
        return None
    for attr in ("get", "exercise", "by_id"):
        getter = getattr(catalog, attr, None)
        if callable(getter):
            try:
                found = getter(ex_id)
            except (KeyError, LookupError):
                found = None
            if found is not None:
                return found
    items = getattr(catalog, "exercises", catalog)
    if isinstance(items, Mapping):
        return items.get(ex_id)
    try:
        for ex in items:
            if getattr(ex, "id", None) == ex_id:
                return ex
    except TypeError:
        pass
    return None


def _names(catalog: Any, ex_id: str, variant: str) -> dict[str, str]:
    ex = _exercise(catalog, ex_id)
    name = getattr(ex, "name", None) or ex_id.replace("-", " ")
    v = getattr(ex, variant, None) if variant in ("easier", "harder") else None
    return {"exercise": ex_id, "name": name, "variant": getattr(v, "name", None) or variant,
            "how": getattr(v, "how", "") or ""}


# ------------------------------------------------------------------ per-exercise state


@dataclass
class ExerciseState:
    """Where one exercise stands after folding the history."""

    variant: str = "standard"
    dose: float = 1.0
    easy_sessions: int = 0  # sessions with an "easy" since the last change
    change: str | None = None  # the notice field of the last change ("notice", ...)
    rule: str | None = None  # the rule that made it
    changed_at: int = -1  # index of the session whose events made the change
    from_variant: str = "standard"


def _sessions_until(sessions: Iterable, today: date) -> list:
    return sorted((s for s in sessions if s.day <= today),
                  key=lambda s: (s.started.replace(tzinfo=None), s.id))


def exercise_states(sessions: Sequence, rules: Rules | None = None) -> dict[str, ExerciseState]:
    """Fold the sessions (oldest first) into each exercise's variant and dose."""
    rules = rules or load_rules()
    need = rules("easy_progress", "easy_sessions")
    factor = rules("easy_progress", "dose_factor")
    cap = rules("easy_progress", "dose_cap")
    down = rules("pain_easier", "steps_down")
    states: dict[str, ExerciseState] = {}
    for i, s in enumerate(sessions):
        hurt: dict[str, str | None] = {}
        for report in s.pain_reports:
            if report.exercise:
                hurt.setdefault(report.exercise, report.variant)
        if rules("pain_easier", "red_flag_counts"):
            for flag in s.red_flags:
                if flag.exercise:
                    hurt.setdefault(flag.exercise, s.variants.get(flag.exercise))
        for ex_id, variant in hurt.items():
            st = states.setdefault(ex_id, ExerciseState())
            # The variant it hurt in (as reported), else where the fold says it stands.
            was = variant if variant in LADDER else st.variant
            new = LADDER[max(0, LADDER.index(was) - down)]
            st.from_variant = was
            if was == "easier":
                st.change = "notice_still_easiest"
            elif new == "standard":
                st.change = "notice_from_harder"
            else:
                st.change = "notice"
            st.variant, st.dose, st.easy_sessions = new, 1.0, 0
            st.rule, st.changed_at = "pain_easier", i
        too_hard: dict[str, str | None] = {}
        for report in s.too_hard:
            if report.exercise and report.exercise not in hurt:  # pain says it already
                too_hard.setdefault(report.exercise, report.variant)
        for ex_id, variant in too_hard.items():
            st = states.setdefault(ex_id, ExerciseState())
            was = variant if variant in LADDER else st.variant
            new = LADDER[max(0, LADDER.index(was) - rules("too_hard", "steps_down"))]
            st.from_variant, st.variant, st.dose, st.easy_sessions = was, new, 1.0, 0
            if new != was:  # already the easiest: nothing new to say
                st.change = "notice_from_harder" if new == "standard" else "notice"
                st.rule, st.changed_at = "too_hard", i
        for ex_id in dict.fromkeys(s.easy):  # once per session, whatever the count
            if ex_id in hurt or ex_id in too_hard:
                continue  # pain (or "too hard") wins over "easy" in the same session
            st = states.setdefault(ex_id, ExerciseState())
            st.easy_sessions += 1
            if st.easy_sessions < need:
                continue
            st.easy_sessions = 0
            st.from_variant = st.variant
            if st.variant == "easier":
                st.variant, st.dose, st.change = "standard", 1.0, "notice_standard"
            elif st.dose < cap - 1e-9:
                st.dose, st.change = round(min(cap, st.dose * factor), 2), "notice_dose"
            elif st.variant == "standard":
                st.variant, st.dose, st.change = "harder", 1.0, "notice_harder"
            else:
                continue  # the harder variant at the cap: the top of the ladder
            st.rule, st.changed_at = "easy_progress", i
    return states


def _seen_since(sessions: Sequence, ex_id: str, index: int) -> bool:
    """Was the exercise part of a session after `index` (so its change was announced)?"""
    for s in sessions[index + 1:]:
        if ex_id in s.plan or ex_id in s.exercises or ex_id in s.skipped:
            return True
    return False


# ------------------------------------------------------------------ session length


def _practice_days(sessions: Iterable, before: date) -> list[date]:
    return sorted({s.day for s in sessions if s.practised and s.day < before})


def grown_minutes(profile: Profile, sessions: Sequence, day: date, rules: Rules | None = None) -> int:
    """The session length for `day`: the profile's minutes plus a step for every full 7-day
    block (from the first practice day) with enough practice days, never above the goal."""
    rules = rules or load_rules()
    base, goal = profile.minutes, profile.goal_minutes
    if base >= goal:
        return base
    days = _practice_days(sessions, day)
    if not days:
        return base
    per_week = rules("weekly_growth", "practice_days_per_week")
    step = rules("weekly_growth", "minutes_per_week")
    first = days[0]
    weeks = 0
    for k in range((day - first).days // 7):
        lo = first.toordinal() + 7 * k
        if sum(lo <= d.toordinal() < lo + 7 for d in days) >= per_week:
            weeks += 1
    return min(goal, base + step * weeks)


# ------------------------------------------------------------------ adapt


def adapt(
    profile: Profile,
    sessions: Sequence,
    today: date,
    catalog: Any = None,
    rules: Rules | None = None,
) -> Adaptation:
    """Today's changes from the history (sessions on or before `today`; SessionSummary-like)."""
    rules = rules or load_rules()
    past = _sessions_until(sessions, today)
    notices: list[tuple[str, Mapping]] = []
    gentle = False

    # 1. A red flag last time: confirm a professional has seen them (never diagnose), in the
    #    person's own words when we have them.
    if past and past[-1].red_flags:
        flags = past[-1].red_flags
        urgent = any(f.urgent for f in flags)
        words = next((f.text for f in flags if f.urgent == urgent and f.text.strip()), "")
        key = ("notice_urgent" if urgent else "notice") + ("_said" if words else "")
        notices.append((rules("red_flag_check", key),
                        {"urgent": urgent, "said": second_person(words)}))
        gentle = gentle or rules("red_flag_check", "gentle")

    # 2. Back after a break: gentle, and welcomed without blame.
    days = _practice_days(past, today + _ONE_DAY)
    if days:
        away = (today - days[-1]).days
        if away >= rules("break_return", "days"):
            gentle = True
            notices.append((rules("break_return", "notice"), {"days": away}))

    # 3. Per exercise: pain steps down, easy-twice steps up.
    adjustments: dict[str, ExerciseAdjustment] = {}
    changes: list[tuple[int, str, tuple[str, Mapping]]] = []
    for ex_id, st in exercise_states(past, rules).items():
        if catalog is not None and _exercise(catalog, ex_id) is None:
            continue  # no longer in the catalog
        if (st.variant, st.dose) != ("standard", 1.0):
            adjustments[ex_id] = ExerciseAdjustment(st.variant, st.dose)  # type: ignore[arg-type]
        if st.change is None or _seen_since(past, ex_id, st.changed_at):
            continue
        data = _names(catalog, ex_id, st.variant)
        data["dose"] = st.dose
        data["from_variant"] = st.from_variant
        field_name = st.change
        if field_name == "notice_dose":
            ex = _exercise(catalog, ex_id)
            field_name = "notice_dose_reps" if getattr(ex, "hold_seconds", 1) is None else "notice_dose_hold"
        changes.append((st.changed_at, ex_id, (rules(st.rule, field_name), data)))
    notices.extend(n for _, _, n in sorted(changes, key=lambda c: (c[0], c[1])))

    # 4. Session length: grows week by week with steady practice, never above the goal.
    minutes = grown_minutes(profile, past, today, rules)
    if past and minutes > grown_minutes(profile, past, max(s.day for s in past), rules):
        reached = minutes >= profile.goal_minutes
        key = rules("weekly_growth", "notice_goal" if reached else "notice")
        notices.append((key, {"minutes": minutes, "goal": profile.goal_minutes}))

    return Adaptation(minutes=minutes, adjustments=adjustments, notices=tuple(notices),
                      gentle=gentle)


_YOU = {"i": "you", "i'm": "you're", "im": "you're", "me": "you", "my": "your", "mine": "yours",
        "myself": "yourself", "i've": "you've", "ive": "you've", "i'd": "you'd",
        "i'll": "you'll", "am": "are", "was": "were"}


def second_person(text: str) -> str:
    """The person's words as the coach repeats them: "my leg is going numb" -> "your leg is
    going numb". ("am"/"was" only change after "I".)"""
    words = re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))
    out: list[str] = []
    for i, w in enumerate(words):
        if w in ("am", "was") and (i == 0 or words[i - 1] != "i"):
            out.append(w)
        else:
            out.append(_YOU.get(w, w))
    return " ".join(out)


def is_check(key: str, rules: Rules | None = None) -> bool:
    """A notice that is a safety check (said before anything else in the welcome)."""
    rules = rules or load_rules()
    return key in {v for k, v in rules.values["red_flag_check"].items() if k.startswith("notice")}


def notices_for_plan(adaptation: Adaptation, plan_ids: Iterable[str]) -> tuple[tuple[str, Mapping], ...]:
    """The notices worth saying before this plan: those about an exercise only when it is in
    the plan (a change to an exercise not done today is announced the next time it is)."""
    ids = set(plan_ids)
    return tuple((k, d) for k, d in adaptation.notices
                 if "exercise" not in d or d["exercise"] in ids)


# ------------------------------------------------------------------ progress


def streak(sessions: Iterable, today: date, rules: Rules | None = None) -> int:
    """Practice days in the current run: one rest day between them is fine (rules.yaml)."""
    rules = rules or load_rules()
    gap = rules("streak", "rest_days_allowed") + 1
    days = _practice_days(sessions, today + _ONE_DAY)
    if not days or (today - days[-1]).days > gap:
        return 0
    count = 1
    for prev, cur in zip(reversed(days[:-1]), reversed(days[1:])):
        if (cur - prev).days > gap:
            break
        count += 1
    return count


def _fmt(a: float, b: float) -> tuple[str, str]:
    """Whole numbers when they differ, else one decimal (avoid "from about 4 to about 4")."""
    if round(a) != round(b) or a == b:
        return str(round(a)), str(round(b))
    return f"{a:.1f}", f"{b:.1f}"


def pain_trend(sessions: Iterable, today: date, rules: Rules | None = None) -> tuple[str, dict]:
    """(prompt key, data) for the pain trend: "down", "up", "steady" or "unknown".

    The ratings given at the beginning of sessions in the last `window_days`: the first few
    against the last few (up to `sessions` each), so a month of progress still shows after
    the pain has settled at its new level."""
    rules = rules or load_rules()
    n = rules("pain_trend", "sessions")
    since = today - timedelta(days=rules("pain_trend", "window_days"))
    ratings = [s.pain_before for s in _sessions_until(sessions, today)
               if s.pain_before is not None and s.day > since]
    if len(ratings) < 2:
        return rules("pain_trend", "notice_unknown"), {"trend": "unknown"}
    k = min(n, len(ratings) // 2)
    earlier, recent = ratings[:k], ratings[-k:]
    before = sum(earlier) / len(earlier)
    now = sum(recent) / len(recent)
    change = now - before
    trend = "steady"
    if change <= -rules("pain_trend", "min_change"):
        trend = "down"
    elif change >= rules("pain_trend", "min_change"):
        trend = "up"
    b, a = _fmt(before, now) if trend != "steady" else (str(round(before)), str(round(now)))
    return rules("pain_trend", f"notice_{trend}"), {"trend": trend, "before": b, "now": a,
                                                   "change": round(change, 2)}


def progress_summary(sessions: Iterable, today: date, rules: Rules | None = None) -> list[tuple[str, dict]]:
    """The two sentences for "how am I doing?": the streak, then the pain trend."""
    rules = rules or load_rules()
    past = _sessions_until(sessions, today)
    total = sum(1 for s in past if s.practised)
    n = streak(past, today, rules)
    if total == 0:
        key = "notice_first"
    else:
        key = {0: "notice_none", 1: "notice_one"}.get(n, "notice_many")
    return [(rules("streak", key), {"streak": n, "total": total}), pain_trend(past, today, rules)]
