"""The exercise catalog: data a physiotherapist can edit (voicecoach/data/exercises.yaml).

This module holds the data types; loading and validation live below them.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import yaml

from voicecoach.core.errors import DataFileError

Kind = Literal["stretch", "strengthen"]
Position = Literal["back", "hands-and-knees", "front", "side", "kneeling", "standing"]
POSITIONS: tuple[str, ...] = ("standing", "kneeling", "hands-and-knees", "back", "side", "front")
KINDS: tuple[str, ...] = ("stretch", "strengthen")


@dataclass(frozen=True)
class Variant:
    """An easier or harder version: how it differs, and its own dose when that differs."""

    name: str
    how: str  # one or two spoken sentences: what to change
    hold_seconds: int | None = None
    reps: int | None = None
    # Its own instructions, said instead of the standard ones (which could contradict it).
    setup: str | None = None
    cues: tuple[str, ...] = ()
    rep_words: tuple[str, str] | None = None


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str  # spoken name, e.g. "child's pose"
    aliases: tuple[str, ...]  # other spoken names, e.g. ("child pose", "childs pose")
    kind: Kind
    muscles: tuple[str, ...]
    position: Position
    hold_seconds: int | None  # a hold ...
    reps: int | None  # ... or reps (exactly one of the two)
    tempo_seconds: float  # seconds per rep (reps), ignored for holds
    sets: int
    sides: Literal["none", "both"]  # "both": done left, then right
    rest_seconds: int  # rest between sets and after the exercise
    setup: str
    cues: tuple[str, ...]
    breathing: str
    mistakes: tuple[str, ...]
    safety: str
    easier: Variant
    harder: Variant
    rep_words: tuple[str, str] | None = None  # the two halves of a rep: ("lift", "and lower")

    @property
    def is_hold(self) -> bool:
        return self.hold_seconds is not None

    @property
    def two_sided(self) -> bool:
        return self.sides == "both"


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------
# The file is composed into YAML nodes first (not safe_load) so every problem can point at the
# line a physiotherapist has to fix: the exercise, the field, or the alias.

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "exercises.yaml"

SIDES: tuple[str, ...] = ("none", "both")
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED = ("id", "name", "aliases", "kind", "muscles", "position", "sets", "sides",
             "rest_seconds", "setup", "cues", "breathing", "mistakes", "safety", "easier", "harder")
_OPTIONAL = ("hold_seconds", "reps", "tempo_seconds", "rep_words")
_VARIANT_REQUIRED = ("name", "how")
_VARIANT_OPTIONAL = ("hold_seconds", "reps", "setup", "cues", "rep_words")


def normalise_name(text: str) -> str:
    """How spoken or typed names are compared: lower case, apostrophes dropped, hyphens and
    other punctuation turned into spaces, runs of spaces collapsed ("Child's-Pose" -> "childs
    pose")."""
    t = text.lower().replace("'", "").replace("\u2019", "").replace("`", "")
    t = re.sub(r"[^\w\s]|_", " ", t)
    return " ".join(t.split())


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


def _dose(f: _Fields, label: str) -> tuple[int | None, int | None]:
    """hold_seconds or reps: exactly one of them."""
    has_hold, has_reps = "hold_seconds" in f.values, "reps" in f.values
    if has_hold and has_reps:
        raise f.fail("reps", f"{label} has both hold_seconds and reps; give only one")
    if not has_hold and not has_reps:
        raise f.fail(None, f"{label} needs hold_seconds or reps")
    if has_hold:
        return f.get("hold_seconds", _positive_int), None
    return None, f.get("reps", _positive_int)


def _variant(loader: yaml.SafeLoader, f: _Fields, key: str, is_hold: bool) -> Variant:
    v = _Fields(loader, f.value_nodes[key], f.name(key), f"'{key}'")
    v.check_keys(_VARIANT_REQUIRED, _VARIANT_OPTIONAL)
    # A variant changes the dose only in the same unit as the exercise (a hold stays a hold), so
    # the planner and the counting never meet a mix.
    wrong = "reps" if is_hold else "hold_seconds"
    if wrong in v.values:
        kind = "a hold" if is_hold else "done in reps"
        raise v.fail(wrong, f"the exercise is {kind}, so its variants cannot have {wrong}")
    hold = v.get("hold_seconds", _positive_int) if "hold_seconds" in v.values else None
    reps = v.get("reps", _positive_int) if "reps" in v.values else None
    return Variant(name=v.get("name", _text), how=v.get("how", _text),
                   hold_seconds=hold, reps=reps,
                   setup=v.get("setup", _text) if "setup" in v.values else None,
                   cues=tuple(v.get("cues", _texts(1))) if "cues" in v.values else (),
                   rep_words=_rep_words(v, is_hold))


def _rep_words(f: _Fields, is_hold: bool) -> tuple[str, str] | None:
    """The optional two halves of a rep ("lift", "and lower"): only for exercises in reps."""
    if "rep_words" not in f.values:
        return None
    if is_hold:
        raise f.fail("rep_words", "only exercises done in reps have rep_words")
    words = f.get("rep_words", _texts(2))
    if len(words) != 2:
        raise f.fail("rep_words", "needs exactly two items: the way up and the way down")
    return words[0], words[1]


def _exercise(loader: yaml.SafeLoader, node: yaml.Node, index: int) -> Exercise:
    where = f"exercise {index + 1}"
    f = _Fields(loader, node, where, where)
    if "id" in f.values and not _id(f.values["id"]):
        f.where = f.values["id"]  # name problems by the id once we know it: "bridge.reps"
    f.check_keys(_REQUIRED, _OPTIONAL)
    ex_id = f.get("id", _id)
    hold, reps = _dose(f, f"'{ex_id}'")
    if reps is not None:
        if "tempo_seconds" not in f.values:
            raise f.fail(None, "missing field: tempo_seconds (seconds per repetition)")
        tempo = float(f.get("tempo_seconds", _positive_number))
    else:
        if "tempo_seconds" in f.values:
            raise f.fail("tempo_seconds", "only exercises done in reps have a tempo")
        tempo = 0.0
    return Exercise(
        id=ex_id,
        name=f.get("name", _text),
        aliases=tuple(f.get("aliases", _texts(0))),
        kind=f.get("kind", _one_of(KINDS)),
        muscles=tuple(f.get("muscles", _texts(1))),
        position=f.get("position", _one_of(POSITIONS)),
        hold_seconds=hold,
        reps=reps,
        tempo_seconds=tempo,
        sets=f.get("sets", _positive_int),
        sides=f.get("sides", _one_of(SIDES)),
        rest_seconds=f.get("rest_seconds", _rest),
        setup=f.get("setup", _text),
        cues=tuple(f.get("cues", _texts(1))),
        breathing=f.get("breathing", _text),
        mistakes=tuple(f.get("mistakes", _texts(1))),
        safety=f.get("safety", _text),
        easier=_variant(loader, f, "easier", hold is not None),
        harder=_variant(loader, f, "harder", hold is not None),
        rep_words=_rep_words(f, hold is not None),
    )


def _parse(text: str) -> tuple[tuple[Exercise, ...], dict[str, str]]:
    """Exercises in file order, and every normalised spoken name -> id."""
    # libyaml's parser when present: same nodes and marks, about five times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            what = " ".join(p for p in (err.context, err.problem) if p)
            raise _Problem(f"not valid YAML: {what}", mark.line + 1 if mark else None, None)
        except yaml.YAMLError as err:
            raise _Problem(f"not valid YAML: {err}", None, None)
        if root is None:
            raise _Problem("the file is empty; it needs an 'exercises:' list", None, None)
        top = _Fields(loader, root, "", "the file")
        for key in top.values:
            if key != "exercises":
                raise _Problem(f"unknown top-level field '{key}'; the file holds one "
                               "'exercises:' list", top.lines[key], key)
        if "exercises" not in top.values:
            raise _Problem("missing 'exercises:' list", _line(root), None)
        seq = top.value_nodes["exercises"]
        if not isinstance(seq, yaml.SequenceNode) or not seq.value:
            raise _Problem("must be a non-empty list of exercises", top.lines["exercises"],
                           "exercises")

        exercises: list[Exercise] = []
        id_lines: dict[str, int] = {}
        owner: dict[str, tuple[str, int]] = {}  # normalised name -> (id, line)
        for index, node in enumerate(seq.value):
            ex = _exercise(loader, node, index)
            f = _Fields(loader, node, ex.id, "")  # cheap second pass, for the lines
            if ex.id in id_lines:
                raise _Problem(f"duplicate id '{ex.id}' (first at line {id_lines[ex.id]})",
                               f.lines["id"], f"{ex.id}.id")
            id_lines[ex.id] = f.lines["id"]
            spoken = [(ex.name, f.lines["name"], "name"),
                      (ex.id.replace("-", " "), f.lines["id"], "id")]
            alias_nodes = f.value_nodes["aliases"].value
            spoken += [(a, _line(n), "aliases") for a, n in zip(ex.aliases, alias_nodes)]
            for said, line, key in spoken:
                norm = normalise_name(said)
                if not norm:
                    raise _Problem(f"'{said}' has no letters or digits", line, f"{ex.id}.{key}")
                other = owner.get(norm)
                if other and other[0] != ex.id:
                    raise _Problem(f"'{said}' is already a name of '{other[0]}' "
                                   f"(line {other[1]}); an alias may belong to one exercise only",
                                   line, f"{ex.id}.{key}")
                owner.setdefault(norm, (ex.id, line))
            exercises.append(ex)
        return tuple(exercises), {name: ex_id for name, (ex_id, _) in owner.items()}
    finally:
        loader.dispose()


# Words people wrap around a name ("the child's pose please") that never tell exercises apart.
_FILLERS = frozenset("the a an um uh er erm please okay ok exercise one my some that this".split())
_ACCEPT = 0.6  # below this, text is not taken to be any exercise
_MARGIN = 0.05  # the best must beat the runner-up by this much, or the text is ambiguous


@functools.lru_cache(maxsize=65536)  # the same word pairs come up in every lookup
def _token_sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 3:  # "to" vs "do": too short to judge by spelling
        return 0.0
    if 2 * min(len(a), len(b)) < 0.8 * (len(a) + len(b)):  # lengths alone rule it out
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.quick_ratio() < 0.8:  # a cheap upper bound
        return 0.0
    r = matcher.ratio()
    return r if r >= 0.8 else 0.0  # "brige"/"bridge" 0.91, "need"/"knee" 0.75


@functools.lru_cache(maxsize=65536)
def _spelled_sim(a: str, b: str) -> float:
    """Similarity of two names written without spaces ("birddog"), 0 when below 0.85."""
    if 2 * min(len(a), len(b)) < 0.85 * (len(a) + len(b)):
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.quick_ratio() < 0.85:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= 0.85 else 0.0


@dataclass(frozen=True)
class Catalog:
    """All exercises, in file order, with lookups by id and by (possibly misheard) name."""

    exercises: tuple[Exercise, ...]
    _names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _by_id: dict[str, Exercise] = field(init=False, repr=False, compare=False)
    _weight: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {e.id: e for e in self.exercises}
        names = dict(self._names)
        for e in self.exercises:  # also when built by hand, without _parse
            for said in (e.name, e.id.replace("-", " "), *e.aliases):
                names.setdefault(normalise_name(said), e.id)
        # A word found in the names of many exercises ("stretch") says little about which one
        # is meant; a word found in one ("hamstring") says a lot.
        holders: dict[str, set[str]] = {}
        for name, ex_id in names.items():
            for token in name.split():
                holders.setdefault(token, set()).add(ex_id)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_weight", {t: 1.0 / len(ids) for t, ids in holders.items()})

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id; KeyError if there is none."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise KeyError(exercise_id) from None

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __len__(self) -> int:
        return len(self.exercises)

    def __iter__(self):
        return iter(self.exercises)

    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.exercises)

    def by_kind(self, kind: str) -> tuple[Exercise, ...]:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        return tuple(e for e in self.exercises if e.kind == kind)

    def names(self) -> dict[str, str]:
        """Every normalised spoken name (name, aliases, id with spaces) -> exercise id."""
        return dict(self._names)

    def find(self, text: str) -> Exercise | None:
        """The exercise a person most likely meant by `text` ("brige", "child", "knees to
        chest"), or None when nothing fits well or two exercises fit equally well."""
        norm = normalise_name(text)
        if norm in self._names:
            return self._by_id[self._names[norm]]
        query = [t for t in norm.split() if t not in _FILLERS]
        if not query:
            return None
        joined = " ".join(query)
        if joined in self._names:
            return self._by_id[self._names[joined]]
        best: dict[str, float] = {}
        for name, ex_id in self._names.items():
            score = self._score(query, name)
            if score > best.get(ex_id, 0.0):
                best[ex_id] = score
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][1] < _ACCEPT:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _MARGIN:
            return None
        return self._by_id[ranked[0][0]]

    def _score(self, query: list[str], name: str) -> float:
        """How well the query words fit one spoken name, 0..1: an F-score of word matches
        (fuzzy spelling allowed), each word weighted by how few exercises use it; or the
        spelling similarity of the two with spaces removed ("birddog"), when that is higher."""
        key = [t for t in name.split() if t not in _FILLERS] or name.split()
        w = self._weight
        q_total = q_hit = 0.0
        for q in query:
            sim, tok = max((_token_sim(q, k), k) for k in key)
            weight = w[tok] if sim else w.get(q, 1.0)  # unknown words count in full
            q_total += weight
            q_hit += sim * weight
        k_total = k_hit = 0.0
        for k in key:
            sim = max(_token_sim(q, k) for q in query)
            k_total += w[k]
            k_hit += sim * w[k]
        precision, recall = q_hit / q_total, k_hit / k_total
        words = 0.0 if not q_hit else 2 * precision * recall / (precision + recall)
        if q_hit < 0.6 and recall < 0.9:
            # Only words shared by several exercises matched ("hip" in "hip bridge" and "hip
            # flexor"), and they are not the whole name: too little to go on.
            words = 0.0
        return max(words, _spelled_sim("".join(query), "".join(key)))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate the catalog (default: the packaged file, read once per process).

    Raises DataFileError naming the file, the line and the field of the first problem."""
    if path is None:
        return _load_default()
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> Catalog:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataFileError(str(path), f"cannot read the file: {err}") from None
    try:
        exercises, names = _parse(text)
    except _Problem as p:
        raise DataFileError(str(path), p.problem, line=p.line, field=p.field or None) from None
    return Catalog(exercises, names)
