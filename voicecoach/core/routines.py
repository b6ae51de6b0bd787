"""Routines data (voicecoach/data/routines.yaml): per cause how much of a session is stretching
and in which priority order exercises are taken; per level the dose; limits for fitting time.

Loading checks every field; anything wrong is a DataFileError naming the file, line and field,
so a physiotherapist editing the file sees exactly where the mistake is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from voicecoach.core.errors import DataFileError
from voicecoach.core.plan import CAUSES, LEVELS

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "routines.yaml"


@dataclass(frozen=True)
class CauseRoutine:
    cause: str
    stretch_share: float  # part of the exercise time spent stretching (0..1)
    why: str
    stretch: tuple[str, ...]  # priority order
    strengthen: tuple[str, ...]


@dataclass(frozen=True)
class LevelRule:
    dose: float  # multiplies catalog hold seconds / reps
    sets: int  # starting sets before the minutes are fitted
    extra_sets: int  # an exercise gets at most its catalog sets + this ...
    max_sets: int  # ... and never more than this
    why: str


@dataclass(frozen=True)
class Routines:
    path: str
    causes: Mapping[str, CauseRoutine]
    levels: Mapping[str, LevelRule]
    min_level: Mapping[str, str]  # exercise id -> lowest level that gets it
    gentle_dose: float
    gentle_fewer_sets: int
    hold_range: tuple[int, int]
    reps_range: tuple[int, int]
    fit_dose_range: tuple[float, float]
    max_exercises: int
    # (exercise id, line, field, kind expected or None): every id the file names, so the ids can
    # be checked against the catalog with the line they are on.
    id_refs: tuple[tuple[str, int, str, str | None], ...] = ()

    def check_against(self, exercises: Mapping[str, Any]) -> None:
        """Every id named here exists in the catalog and is of the right kind."""
        for ex_id, line, field, kind in self.id_refs:
            ex = exercises.get(ex_id)
            if ex is None:
                raise DataFileError(
                    self.path, f"unknown exercise id {ex_id!r} (not in the catalog)", line, field
                )
            if kind is not None and ex.kind != kind:
                raise DataFileError(
                    self.path, f"{ex_id!r} is a {ex.kind} exercise, listed under {kind}",
                    line, field,
                )


# ---------------------------------------------------------------- located YAML


class _Node:
    """A YAML value with the line it starts on (1-based), for error messages."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int):
        self.value = value
        self.line = line


def _located(node: yaml.Node, path: str) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Node] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise DataFileError(path, "keys must be plain names", k.start_mark.line + 1)
            key = k.value
            if key in out:
                raise DataFileError(path, "duplicate key", k.start_mark.line + 1, str(key))
            out[str(key)] = _located(v, path)
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_located(v, path) for v in node.value], line)
    # Scalars: let PyYAML's safe constructor resolve ints, floats, bools, strings.
    loader = yaml.SafeLoader("")
    try:
        return _Node(loader.construct_object(node, deep=True), line)
    finally:
        loader.dispose()


def _parse(text: str, path: str) -> _Node:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise DataFileError(path, f"not valid YAML ({problem})",
                            None if mark is None else mark.line + 1) from None
    if root is None:
        raise DataFileError(path, "file is empty")
    return _located(root, path)


class _Reader:
    """Typed access to a located mapping; every error names file, line and dotted field."""

    def __init__(self, path: str, node: _Node, field: str):
        self.path, self.node, self.field = path, node, field
        if not isinstance(node.value, dict):
            raise DataFileError(path, "expected a mapping", node.line, field or None)

    def _name(self, key: str) -> str:
        return f"{self.field}.{key}" if self.field else key

    def keys(self) -> list[str]:
        return list(self.node.value)

    def only(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key, sub in self.node.value.items():
            if key not in allowed:
                raise DataFileError(self.path, f"unknown field (expected one of "
                                    f"{', '.join(sorted(allowed))})", sub.line, self._name(key))

    def get(self, key: str) -> _Node:
        if key not in self.node.value:
            raise DataFileError(self.path, "missing", self.node.line, self._name(key))
        return self.node.value[key]

    def sub(self, key: str) -> "_Reader":
        return _Reader(self.path, self.get(key), self._name(key))

    def number(self, key: str, lo: float, hi: float, integer: bool = False) -> float:
        n = self.get(key)
        v = n.value
        ok = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok:
            want = "a whole number" if integer else "a number"
            raise DataFileError(self.path, f"expected {want}, got {v!r}", n.line, self._name(key))
        if not lo <= v <= hi:
            raise DataFileError(self.path, f"{v} is outside {lo}..{hi}", n.line, self._name(key))
        return v

    def text(self, key: str) -> str:
        n = self.get(key)
        if not isinstance(n.value, str) or not n.value.strip():
            raise DataFileError(self.path, "expected some text", n.line, self._name(key))
        return n.value.strip()

    def pair(self, key: str, lo: float, hi: float, integer: bool) -> tuple:
        n = self.get(key)
        name = self._name(key)
        if not isinstance(n.value, list) or len(n.value) != 2:
            raise DataFileError(self.path, "expected [low, high]", n.line, name)
        vals = []
        for item in n.value:
            v = item.value
            ok = isinstance(v, int) if integer else isinstance(v, (int, float))
            if isinstance(v, bool) or not ok or not lo <= v <= hi:
                raise DataFileError(self.path, f"{v!r} must be a number in {lo}..{hi}",
                                    item.line, name)
            vals.append(v)
        if vals[0] > vals[1]:
            raise DataFileError(self.path, "low is above high", n.line, name)
        return tuple(vals)

    def ids(self, key: str) -> list[tuple[str, int]]:
        n = self.get(key)
        name = self._name(key)
        if not isinstance(n.value, list) or not n.value:
            raise DataFileError(self.path, "expected a list of exercise ids", n.line, name)
        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        for item in n.value:
            if not isinstance(item.value, str) or not item.value.strip():
                raise DataFileError(self.path, f"expected an exercise id, got {item.value!r}",
                                    item.line, name)
            if item.value in seen:
                raise DataFileError(self.path, f"{item.value!r} is listed twice", item.line, name)
            seen.add(item.value)
            out.append((item.value, item.line))
        return out


# ---------------------------------------------------------------- loading


def parse_routines(text: str, path: str = "routines.yaml") -> Routines:
    """Parse and check routines text; raises DataFileError (file, line, field) when bad."""
    top = _Reader(path, _parse(text, path), "")
    top.only(("causes", "levels", "min_level", "gentle", "limits"))
    refs: list[tuple[str, int, str, str | None]] = []

    causes_r = top.sub("causes")
    causes_r.only(CAUSES)
    causes: dict[str, CauseRoutine] = {}
    for cause in CAUSES:
        c = causes_r.sub(cause)
        c.only(("stretch_share", "why", "stretch", "strengthen"))
        lists = {}
        for kind in ("stretch", "strengthen"):
            ids = c.ids(kind)
            refs.extend((i, line, f"causes.{cause}.{kind}", kind) for i, line in ids)
            lists[kind] = tuple(i for i, _ in ids)
        causes[cause] = CauseRoutine(
            cause=cause,
            stretch_share=float(c.number("stretch_share", 0.1, 0.9)),
            why=c.text("why"),
            stretch=lists["stretch"],
            strengthen=lists["strengthen"],
        )

    levels_r = top.sub("levels")
    levels_r.only(LEVELS)
    levels: dict[str, LevelRule] = {}
    for level in LEVELS:
        lv = levels_r.sub(level)
        lv.only(("dose", "sets", "extra_sets", "max_sets", "why"))
        sets = int(lv.number("sets", 1, 3, integer=True))
        extra = int(lv.number("extra_sets", 0, 2, integer=True))
        max_sets = int(lv.number("max_sets", 1, 3, integer=True))
        if max_sets < sets:
            raise DataFileError(path, "max_sets is below sets", lv.get("max_sets").line,
                                f"levels.{level}.max_sets")
        levels[level] = LevelRule(dose=float(lv.number("dose", 0.3, 3.0)), sets=sets,
                                  extra_sets=extra, max_sets=max_sets, why=lv.text("why"))

    min_level: dict[str, str] = {}
    ml = top.sub("min_level")
    for ex_id in ml.keys():
        n = ml.get(ex_id)
        if n.value not in LEVELS:
            raise DataFileError(path, f"expected one of {', '.join(LEVELS)}, got {n.value!r}",
                                n.line, f"min_level.{ex_id}")
        refs.append((ex_id, n.line, f"min_level.{ex_id}", None))
        min_level[ex_id] = n.value

    g = top.sub("gentle")
    g.only(("dose", "fewer_sets", "why"))
    g.text("why")

    lim = top.sub("limits")
    lim.only(("hold_seconds", "reps", "fit_dose", "max_exercises"))
    return Routines(
        path=path,
        causes=causes,
        levels=levels,
        min_level=min_level,
        gentle_dose=float(g.number("dose", 0.3, 1.0)),
        gentle_fewer_sets=int(g.number("fewer_sets", 0, 2, integer=True)),
        hold_range=lim.pair("hold_seconds", 1, 600, integer=True),
        reps_range=lim.pair("reps", 1, 100, integer=True),
        fit_dose_range=lim.pair("fit_dose", 0.2, 5.0, integer=False),
        max_exercises=int(lim.number("max_exercises", 2, 50, integer=True)),
        id_refs=tuple(refs),
    )


def load_routines(path: str | Path | None = None) -> Routines:
    """Load and check routines.yaml (the packaged one by default). Cached while the file is
    unchanged (keyed by its modification time and size, so an edited file is read again)."""
    p = Path(path) if path is not None else DEFAULT_PATH
    try:
        st = p.stat()
    except OSError as e:
        raise DataFileError(str(p), f"cannot read ({e.strerror or e})") from None
    return _load_cached(str(p), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Routines:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataFileError(path, f"cannot read ({getattr(e, 'strerror', None) or e})") from None
    return parse_routines(text, path)
