"""The recognizer's grammars: one JSGF grammar per listening context, generated from the hassil
templates (data/commands.yaml) that the text parser reads too, plus the words the pocketsphinx
dictionary lacks.

hassil's parsed templates have JSGF's own shape (alternatives, optional parts, references), so
each template becomes one JSGF alternative word for word; {exercise} and {number} become rules
of their own, and <rules> are inlined."""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from hassil.expression import (
    Alternative, Expression, ListReference, RuleReference, Sequence as HSeq, TextChunk,
)

from voicecoach.core.errors import UserError
from voicecoach.understanding.templates import (
    Templates, default_catalog, exercise_values, load_templates,
)

# Slot -> its JSGF rule name (not the slot name: the intent "number" has a rule of its own).
SLOT_RULE = {"exercise": "slot_exercise", "number": "slot_number"}


def dictionary_path() -> Path:
    """The CMU pronouncing dictionary that ships with the pocketsphinx wheel."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the pocketsphinx package (its English word list) is not installed")
    return (Path(list(spec.submodule_search_locations)[0]) / "model" / "en-us"
            / "cmudict-en-us.dict")


@functools.lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Words of the en-us dictionary ("word(2)" variants folded)."""
    found = set()
    with open(dictionary_path(), encoding="utf-8", errors="replace") as f:
        for line in f:
            found.add(line.split(" ", 1)[0].split("(", 1)[0])
    return frozenset(found)


def known_words(templates: Templates | None = None) -> frozenset[str]:
    templates = templates or load_templates()
    return dictionary_words() | {w for w, _ in templates.pronunciations}


def extra_pronunciations(templates: Templates | None = None) -> dict[str, str]:
    """Words our grammars use that the en-us dictionary lacks: add them to a decoder with
    `decoder.add_word(word, phones, True)` before loading a grammar that uses them."""
    templates = templates or load_templates()
    have = dictionary_words()
    return {w: p for w, p in templates.pronunciations if w not in have}


def _spoken(chunk: str) -> list[str]:
    """A template's text as dictionary words: lower case, apostrophes kept ("child's")."""
    return [w for w in chunk.lower().replace("-", " ").split() if w.strip("'")]


def to_jsgf_expr(expr: Expression, rules) -> str:
    """The JSGF text of a hassil expression: same shape, lists become rule references."""
    if isinstance(expr, TextChunk):
        return " ".join(_spoken(expr.original_text))
    if isinstance(expr, ListReference):
        return f"<{SLOT_RULE[expr.list_name]}>"
    if isinstance(expr, RuleReference):
        return to_jsgf_expr(rules[expr.rule_name].expression, rules)
    if isinstance(expr, Alternative):
        options = [to_jsgf_expr(i, rules) for i in expr.items]
        filled = [o for o in dict.fromkeys(options) if o]
        if not filled:
            return ""
        inner = " | ".join(filled)
        if expr.is_optional or len(filled) < len(options):
            return f"[ {inner} ]"
        return inner if len(filled) == 1 else f"( {inner} )"
    if isinstance(expr, HSeq):
        return " ".join(p for p in (to_jsgf_expr(i, rules) for i in expr.items) if p)
    raise UserError(f"cannot turn {type(expr).__name__} into JSGF")


def _words_in(jsgf: str) -> set[str]:
    return {t for t in jsgf.replace("(", " ").replace(")", " ").replace("[", " ")
            .replace("]", " ").replace("|", " ").split() if not t.startswith("<")}


def factor_slots(sentences: Sequence[HSeq], rules) -> list[str]:
    """JSGF alternatives for these templates, with sentences that share a slot and what follows
    it merged: "(do | go to | let's do) <slot_exercise>" instead of one copy per sentence.

    pocketsphinx inlines every rule reference into its search graph, so 30 sentences each
    naming <slot_exercise> (110 names) made ~11,000 word arcs and decoding slower than real
    time; merged, each intent references the slot once. The language is exactly the same."""
    out: list[str] = []
    groups: dict[str, list[str]] = {}
    for seq in sentences:
        items = list(seq.items) if isinstance(seq, HSeq) else [seq]
        at = [i for i, item in enumerate(items) if isinstance(item, ListReference)]
        if len(at) != 1:  # no slot, or one nested inside ( ) / [ ]: as written
            out.append(to_jsgf_expr(seq, rules))
            continue
        i = at[0]
        head = to_jsgf_expr(HSeq(items=items[:i]), rules)
        tail = to_jsgf_expr(HSeq(items=items[i:]), rules)  # the slot and what follows it
        groups.setdefault(tail, []).append(head)
    for tail, heads in groups.items():
        if len(heads) == 1:
            out.append(f"{heads[0]} {tail}".strip())
            continue
        filled = [h for h in dict.fromkeys(heads) if h]
        if not filled:
            out.append(tail)
        elif len(filled) < len(heads):  # one sentence starts with the slot itself
            out.append(f"[ {' | '.join(filled)} ] {tail}")
        else:
            out.append(f"( {' | '.join(filled)} ) {tail}")
    return [o for o in dict.fromkeys(out) if o]


@dataclass(frozen=True)
class JsgfGrammar:
    name: str
    text: str
    words: frozenset[str]  # every word the grammar can produce
    dropped_names: tuple[str, ...]  # exercise names left out: a word the recognizer lacks


def build_jsgf(context: str, catalog=None, templates: Templates | None = None) -> JsgfGrammar:
    templates = templates or load_templates()
    catalog = catalog if catalog is not None else default_catalog()
    intents = templates.context(context)
    known = known_words(templates)
    rules_text: list[str] = []
    found: set[str] = set()
    uses: set[str] = set()
    for intent in intents:
        mine = templates.of(intent)
        for t in mine:
            uses |= set(t.sentence.expression.list_names(templates.rules))
        body = factor_slots([t.sentence.expression for t in mine], templates.rules)
        for alt in body:
            found |= _words_in(alt)
        rules_text.append(f"<{intent}> = {' | '.join(body)};")
    dropped: list[str] = []
    if "exercise" in uses:
        names = []
        for spoken, _ in exercise_values(catalog):
            ws = _spoken(spoken)
            if all(w in known for w in ws):
                names.append(" ".join(ws))
                found |= set(ws)
            else:
                dropped.append(spoken)
        rules_text.append(f"<{SLOT_RULE['exercise']}> = {' | '.join(names)};")
    if "number" in uses:
        numbers = [w for w, _ in templates.numbers]
        rules_text.append(f"<{SLOT_RULE['number']}> = {' | '.join(numbers)};")
        found |= set(numbers)
    head = [
        "#JSGF V1.0;",
        f"// Generated from {Path(templates.path).name} by voicecoach.audio.jsgf; do not edit.",
        f"grammar voicecoach_{context};",
        "public <utterance> = " + " | ".join(f"<{i}>" for i in intents) + ";",
    ]
    return JsgfGrammar(context, "\n".join(head + rules_text) + "\n", frozenset(found),
                       tuple(dropped))


def to_jsgf(grammar_name: str, catalog=None) -> str:
    """A JSGF grammar for pocketsphinx for one listening context (see listening_contexts()).

    Exercise names with a word the recognizer cannot pronounce are left out (build_jsgf tells
    which); words from `pronunciations` need extra_pronunciations() added to the decoder."""
    return build_jsgf(grammar_name, catalog).text
