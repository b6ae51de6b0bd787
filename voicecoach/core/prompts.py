"""Every sentence the coach speaks, loaded from prompts/*.yaml and rendered with data.

A prompt file is a flat YAML map: `key: "template with {placeholders}"`, or a list of templates
(variants, chosen in turn so the coach does not sound like a loop). Keys must be unique across
files. A broken file or template is reported as one line naming the file and line.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from voicecoach.core.errors import DataFileError

_FORMATTER = string.Formatter()


def default_dir() -> Path:
    """$VOICECOACH_PROMPTS; else prompts/ inside the package (a normal install: the build copies
    the top-level prompts/ there, see setup.py); else prompts/ beside the package (a source
    checkout or an editable install: the one place the sentences are edited)."""
    override = os.environ.get("VOICECOACH_PROMPTS")
    if override:
        return Path(override)
    packaged = Path(__file__).resolve().parents[1] / "prompts"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "prompts"


@dataclass(frozen=True)
class Template:
    variants: tuple[str, ...]
    path: str
    line: int


def _check_template(text: str, path: str, line: int, key: str) -> None:
    try:
        for _literal, field_name, _spec, _conv in _FORMATTER.parse(text):
            if field_name is not None and not field_name.strip():
                raise ValueError("empty placeholder {}")
    except ValueError as err:
        raise DataFileError(path, f"bad template: {err}", line=line, field=key) from None


def load_file(path: Path) -> dict[str, Template]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataFileError(str(path), f"cannot read: {err}") from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise DataFileError(str(path), f"not valid YAML ({problem})", line=line) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise DataFileError(str(path), "expected a map of key: sentence", line=root.start_mark.line + 1)
    out: dict[str, Template] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = key_node.value
        if not isinstance(key_node, yaml.ScalarNode) or not isinstance(key, str) or not key:
            raise DataFileError(str(path), "a key must be a name", line=line)
        if key in out:
            raise DataFileError(str(path), f"key '{key}' appears twice", line=line)
        if isinstance(value_node, yaml.ScalarNode):
            variants = (value_node.value,)
        elif isinstance(value_node, yaml.SequenceNode) and value_node.value and all(
            isinstance(v, yaml.ScalarNode) for v in value_node.value
        ):
            variants = tuple(v.value for v in value_node.value)
        else:
            raise DataFileError(str(path), "expected a sentence or a list of sentences",
                                line=line, field=key)
        for v in variants:
            if not v.strip():
                raise DataFileError(str(path), "empty sentence", line=line, field=key)
            _check_template(v, str(path), line, key)
        out[key] = Template(variants, str(path), line)
    return out


class Prompts:
    """All prompt files of a folder, merged. Rendering is pure: same key, data, turn → same text."""

    def __init__(self, templates: Mapping[str, Template]):
        self._templates = dict(templates)

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "Prompts":
        folder = Path(folder) if folder else default_dir()
        if not folder.is_dir():
            raise DataFileError(str(folder), "prompt folder not found")
        merged: dict[str, Template] = {}
        for path in sorted(folder.glob("*.yaml")):
            for key, tpl in load_file(path).items():
                if key in merged:
                    first = merged[key]
                    raise DataFileError(str(path), f"key '{key}' is already in {first.path}:{first.line}",
                                        line=tpl.line)
                merged[key] = tpl
        return cls(merged)

    def has(self, key: str) -> bool:
        return key in self._templates

    def keys(self) -> list[str]:
        return sorted(self._templates)

    def variants(self, key: str) -> int:
        return len(self._templates[key].variants)

    def render(self, key: str, turn: int = 0, **data: Any) -> str:
        """The sentence for `key` filled with `data`; `turn` picks among variants."""
        tpl = self._templates.get(key)
        if tpl is None:
            raise DataFileError(str(default_dir()), f"no prompt named '{key}'")
        text = tpl.variants[turn % len(tpl.variants)]
        try:
            return " ".join(text.format_map(data).split())
        except (KeyError, AttributeError, IndexError) as err:
            raise DataFileError(tpl.path, f"unknown placeholder {err} in '{key}'", line=tpl.line) from None


@lru_cache(maxsize=4)
def load_default() -> Prompts:
    return Prompts.load()
