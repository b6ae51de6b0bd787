"""Turning the text of exercises.yaml into Exercises and the spoken-name index, validating as
it goes."""

from __future__ import annotations

import yaml

from voicecoach.core.catalog.fields import (
    _Fields,
    _id,
    _line,
    _one_of,
    _positive_int,
    _positive_number,
    _Problem,
    _rest,
    _text,
    _texts,
)
from voicecoach.core.catalog.types import KINDS, POSITIONS, Exercise, Variant, normalise_name

# The file is composed into YAML nodes first (not safe_load) so every problem can point at the
# line a physiotherapist has to fix: the exercise, the field, or the alias.

SIDES: tuple[str, ...] = ("none", "both")
_REQUIRED = ("id", "name", "aliases", "kind", "muscles", "position", "sets", "sides",
             "rest_seconds", "setup", "cues", "breathing", "mistakes", "safety", "easier", "harder")
_OPTIONAL = ("hold_seconds", "reps", "tempo_seconds", "rep_words")
_VARIANT_REQUIRED = ("name", "how")
_VARIANT_OPTIONAL = ("hold_seconds", "reps", "setup", "cues", "rep_words")


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
