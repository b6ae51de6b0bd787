"""Reading one YAML mapping with the line of every key, and the value checks: each problem
becomes a _Problem carrying the line and field a physiotherapist has to fix."""

from __future__ import annotations

import re
from typing import Any, Callable

import yaml

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Problem(Exception):
    """A validation problem found deep in the walk; turned into a DataFileError at the top."""

    def __init__(self, problem: str, line: int | None, field_name: str | None):
        super().__init__(problem)
        self.problem, self.line, self.field = problem, line, field_name


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Fields:
    """One YAML mapping: its values (constructed) and the line of each key."""

    def __init__(self, loader: yaml.SafeLoader, node: yaml.Node, where: str, what: str):
        if not isinstance(node, yaml.MappingNode):
            raise _Problem(f"{what} must be a mapping of field: value", _line(node), where)
        self.node, self.where = node, where
        self.values: dict[str, Any] = {}
        self.lines: dict[str, int] = {}
        self.value_nodes: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise _Problem(f"field names must be text, not {key!r}", _line(key_node), where)
            if key in self.values:
                raise _Problem(f"'{key}' appears twice (first at line {self.lines[key]})",
                               _line(key_node), self.name(key))
            self.values[key] = loader.construct_object(value_node, deep=True)
            self.lines[key] = _line(key_node)
            self.value_nodes[key] = value_node

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str | None, problem: str) -> _Problem:
        if key is None:
            return _Problem(problem, _line(self.node), self.where)
        return _Problem(problem, self.lines.get(key, _line(self.node)), self.name(key))

    def check_keys(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        for key in self.values:
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                raise self.fail(key, f"unknown field '{key}' (known fields: {allowed})")
        missing = [k for k in required if k not in self.values]
        if missing:
            raise _Problem(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                           _line(self.node), self.where)

    def get(self, key: str, check: Callable[[Any], str | None]) -> Any:
        value = self.values.get(key)
        problem = check(value)
        if problem:
            raise self.fail(key, problem)
        return value


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be text, not {_describe(value)}"
    if not value.strip():
        return "must not be empty"
    return None


def _texts(min_items: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return f"must be a list of text, not {_describe(value)}"
        for item in value:
            if _text(item):
                return f"every item must be non-empty text, not {_describe(item)}"
        if len(value) < min_items:
            return "must not be empty" if min_items == 1 else f"needs at least {min_items} items"
        return None
    return check


def _positive_int(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, not {_describe(value)}"
    if value <= 0:
        return f"must be greater than 0, not {value}"
    return None


def _rest(value: Any) -> str | None:
    # Rest may be 0 (straight on); every other number in the file must be positive.
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, not {_describe(value)}"
    if value < 0:
        return f"must be 0 or more, not {value}"
    return None


def _positive_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, not {_describe(value)}"
    if not value > 0:
        return f"must be greater than 0, not {value}"
    return None


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value not in choices:
            return f"must be one of {', '.join(choices)}, not {_describe(value)}"
        return None
    return check


def _id(value: Any) -> str | None:
    if _text(value):
        return _text(value)
    if not _ID_RE.match(value):
        return f"must be lower-case words joined by hyphens, like bird-dog, not '{value}'"
    return None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    return repr(value)
