"""`voicecoach exercises [--json]` and `voicecoach explain NAME`: the catalog on the terminal.

These print for reading, not for speaking, so the labels here are not prompts."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from typing import Any

from voicecoach.core.catalog import Catalog, Exercise, Variant, load_catalog
from voicecoach.core.errors import UserError


def exercise_json(ex: Exercise) -> dict[str, Any]:
    """All fields of an exercise as plain JSON values (tuples become lists)."""
    return dataclasses.asdict(ex)


def dose_text(ex: Exercise, variant: Variant | None = None) -> str:
    """A short written dose: "hold 30 s, 2 sets, each side" / "10 reps, 2 sets"."""
    hold = (variant.hold_seconds if variant and variant.hold_seconds else None) or ex.hold_seconds
    reps = (variant.reps if variant and variant.reps else None) or ex.reps
    work = f"hold {hold} s" if ex.is_hold else f"{reps} reps"
    sets = f"{ex.sets} set" + ("s" if ex.sets != 1 else "")
    return f"{work}, {sets}" + (", each side" if ex.two_sided else "")


def cli_exercises(args) -> int:
    catalog = load_catalog()
    if getattr(args, "json", False):
        print(json.dumps([exercise_json(e) for e in catalog.exercises], indent=2))
        return 0
    rows = [("ID", "NAME", "KIND", "POSITION", "DOSE")]
    rows += [(e.id, e.name, e.kind, e.position, dose_text(e)) for e in catalog.exercises]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        print("  ".join(cells).rstrip())
    return 0


def find_exercise(catalog: Catalog, name: str) -> Exercise:
    """The exercise for a typed name or id; UserError (one line, exit 2) when none fits."""
    ex = catalog.find(name) if name.strip() else None
    if ex is None:
        raise UserError(f"no exercise called '{name}'; try `voicecoach exercises`")
    return ex


def explain_text(ex: Exercise, width: int = 88) -> str:
    def para(label: str, text: str) -> list[str]:
        return textwrap.wrap(text, width, initial_indent=f"{label:<11}",
                             subsequent_indent=" " * 11)

    def items(label: str, texts: tuple[str, ...]) -> list[str]:
        out = [label]
        for t in texts:
            out += textwrap.wrap(t, width, initial_indent="  - ", subsequent_indent="    ")
        return out

    def variant(label: str, v: Variant) -> list[str]:
        dose = f" ({dose_text(ex, v)})" if (v.hold_seconds or v.reps) else ""
        return para(label, f"{v.name}{dose}: {v.how}")

    rest = f"rest {ex.rest_seconds} s"
    tempo = "" if ex.is_hold else f", about {ex.tempo_seconds:g} s per rep"
    lines = [
        f"{ex.name[:1].upper()}{ex.name[1:]}  [{ex.id}]",
        f"{ex.kind}; position: {ex.position}; {dose_text(ex)}{tempo}; {rest}",
    ]
    if ex.aliases:
        lines += para("Also:", ", ".join(ex.aliases))
    lines += para("Works:", ", ".join(ex.muscles))
    lines += [""]
    lines += para("Setup:", ex.setup)
    lines += items("How:", ex.cues)
    lines += para("Breathing:", ex.breathing)
    lines += items("Watch out for:", ex.mistakes)
    lines += para("Safety:", ex.safety)
    lines += [""]
    lines += variant("Easier:", ex.easier)
    lines += variant("Harder:", ex.harder)
    return "\n".join(lines)


def cli_explain(args) -> int:
    name = " ".join(args.name)
    ex = find_exercise(load_catalog(), name)
    print(explain_text(ex))
    return 0
