"""The sentences the coach expects in each listening context, with their meaning.

One function, one contract for every recognizer that scores expected phrases against audio
(and for tests that speak them): `expected_phrases` returns every sentence the hassil templates
(data/commands.yaml) expand to for a context ("command", "yes_no", "number", "safety",
"cause", "level"), as a person would say it (numbers as words), each with its Intent.
"""

from __future__ import annotations

from voicecoach.core.intents import Intent
from voicecoach.understanding import templates as _templates


def listening_contexts() -> tuple[str, ...]:
    return _templates.listening_contexts()


def expected_phrases(context: str, catalog=None) -> list[tuple[str, Intent]]:
    """Every sentence of the intents that fit `context`, in source order."""
    templates = _templates.load_templates()
    intents = set(templates.context(context))
    return [(p.text, p.to_intent()) for p in _templates.phrasebook(catalog, templates).phrases
            if p.intent in intents]
