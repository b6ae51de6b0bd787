"""The sentences the coach expects in each listening context, with their meaning.

One function, one contract for every recognizer that scores expected phrases against audio
(and for tests that speak them): whatever the phrase source is written in, `expected_phrases`
returns every sentence it expands to for a context ("command", "yes_no", "number", "safety",
"cause", "level"), as a person would say it (numbers as words), each with its Intent.
"""

from __future__ import annotations

from voicecoach.core.intents import Intent
from voicecoach.understanding.grammar import grammar_names, load_grammar, phrasebook


def listening_contexts() -> tuple[str, ...]:
    return grammar_names()


def expected_phrases(context: str, catalog=None) -> list[tuple[str, Intent]]:
    """Every sentence of the intents that fit `context`, in source order."""
    grammar = load_grammar()
    intents = set(grammar.context(context))
    return [(p.text, p.to_intent()) for p in phrasebook(catalog, grammar).phrases
            if p.intent in intents]
