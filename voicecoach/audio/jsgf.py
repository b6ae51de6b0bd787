"""The recognizer's grammars: one JSGF grammar per listening context, generated from the one
phrase source (data/commands.yaml) that the text parser reads too, plus the words the pocketsphinx
dictionary lacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from voicecoach.understanding.grammar import (
    SLOT_RULE, Grammar, Seq, Slot, default_catalog, dictionary_words, exercise_values,
    jsgf_expansion, known_words, load_grammar, slots_in, words_in,
)


def extra_pronunciations(grammar: Grammar | None = None) -> dict[str, str]:
    """Words our grammars use that the en-us dictionary lacks: add them to a decoder with
    `decoder.add_word(word, phones, True)` before loading a grammar that uses them."""
    grammar = grammar or load_grammar()
    have = dictionary_words()
    return {w: p for w, p in grammar.pronunciations if w not in have}


def factor_slots(exprs: Sequence[Seq]) -> list[str]:
    """JSGF alternatives for these templates, with sentences that share a slot and what follows
    it merged: "(do | go to | let's do) <slot_exercise>" instead of one copy per sentence.

    pocketsphinx inlines every rule reference into its search graph, so 30 sentences each
    naming <slot_exercise> (110 names) made ~11,000 word arcs and decoding slower than real
    time; merged, each intent references the slot once. The language is exactly the same."""
    out: list[str] = []
    groups: dict[str, list[str]] = {}
    for expr in exprs:
        at = [i for i, item in enumerate(expr.items) if isinstance(item, Slot)]
        if len(at) != 1:  # no slot, or one nested inside ( ) / [ ]: as written
            out.append(jsgf_expansion(expr))
            continue
        i = at[0]
        head = jsgf_expansion(Seq(expr.items[:i]))
        tail = jsgf_expansion(Seq(expr.items[i:]))  # the slot and what follows it
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
    return out


@dataclass(frozen=True)
class JsgfGrammar:
    name: str
    text: str
    words: frozenset[str]  # every word the grammar can produce
    dropped_names: tuple[str, ...]  # exercise names left out: a word the recognizer lacks


def build_jsgf(context: str, catalog=None, grammar: Grammar | None = None) -> JsgfGrammar:
    grammar = grammar or load_grammar()
    catalog = catalog if catalog is not None else default_catalog()
    intents = grammar.context(context)
    known = known_words(grammar)
    rules: list[str] = []
    words: set[str] = set()
    uses: set[str] = set()
    for intent in intents:
        mine = [t.expr for t in grammar.templates if t.intent == intent]
        for expr in mine:
            words |= words_in(expr)
            uses |= set(slots_in(expr))
        rules.append(f"<{intent}> = {' | '.join(factor_slots(mine))};")
    dropped: list[str] = []
    if "exercise" in uses:
        names = []
        for ws, _ in exercise_values(catalog):
            if all(w in known for w in ws):
                names.append(" ".join(ws))
                words |= set(ws)
            else:
                dropped.append(" ".join(ws))
        rules.append(f"<{SLOT_RULE['exercise']}> = {' | '.join(names)};")
    if "number" in uses:
        rules.append(f"<{SLOT_RULE['number']}> = {' | '.join(grammar.numbers)};")
        words |= set(grammar.numbers)
    head = [
        "#JSGF V1.0;",
        f"// Generated from {Path(grammar.path).name} by voicecoach.audio.jsgf; do not edit.",
        f"grammar voicecoach_{context};",
        "public <utterance> = " + " | ".join(f"<{i}>" for i in intents) + ";",
    ]
    return JsgfGrammar(context, "\n".join(head + rules) + "\n", frozenset(words),
                       tuple(dropped))


def to_jsgf(grammar_name: str, catalog=None) -> str:
    """A JSGF grammar for pocketsphinx for one listening context (see grammar_names()).

    Exercise names with a word the recognizer cannot pronounce are left out (build_jsgf tells
    which); words from `pronunciations` need extra_pronunciations() added to the decoder."""
    return build_jsgf(grammar_name, catalog).text
