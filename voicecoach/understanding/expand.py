"""Templates written in hassil's syntax, expanded to every word sequence they stand for.

hassil (Home Assistant's template language) parses `(a|b)` alternatives, `[a|b]` optional
parts, `{list}` references and `<rule>` expansion rules. Its own sampler yields text only; the
phrase tables here also need the value each `{list}` took ("do the bird dog" -> exercise
bird-dog), so this walks hassil's parsed expression tree and carries the slot values along.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterator, Mapping, Sequence as Seq

from hassil import parse_sentence
from hassil.expression import (
    Alternative, Expression, ListReference, Permutation, RuleReference, Sentence, Sequence,
    TextChunk,
)

# A list's values: (spoken text, value), e.g. ("bird dog", "bird-dog").
ListValues = Seq[tuple[str, Any]]
Expansion = tuple[str, tuple[tuple[str, Any], ...]]  # (text, ((slot, value), ...))


class TemplateError(ValueError):
    """A template hassil cannot parse, or one that names an unknown list or rule."""


@functools.lru_cache(maxsize=4096)
def parse_template(text: str) -> Sentence:
    try:
        return parse_sentence(text)
    except Exception as err:  # hassil raises ParseExpressionError and plain ValueErrors
        raise TemplateError(f"{text!r}: {err}") from None


def expand(expr: Expression, lists: Mapping[str, ListValues] | None = None,
           rules: Mapping[str, Sentence] | None = None, *,
           keep_lists: frozenset[str] = frozenset()) -> Iterator[Expansion]:
    """Every (text, slots) an expression can produce. A list named in `keep_lists` stays as
    the literal `{name}` (used to build open patterns and training examples)."""
    lists = lists or {}
    rules = rules or {}
    for text, slots in _walk(expr, lists, rules, keep_lists):
        yield squash(text), slots


def expand_text(template: str, lists: Mapping[str, ListValues] | None = None,
                rules: Mapping[str, Sentence] | None = None, *,
                keep_lists: frozenset[str] = frozenset()) -> list[Expansion]:
    return list(expand(parse_template(template).expression, lists, rules, keep_lists=keep_lists))


def squash(text: str) -> str:
    return " ".join(text.split())


def _walk(expr: Expression, lists, rules, keep) -> Iterator[Expansion]:
    if isinstance(expr, TextChunk):
        yield expr.original_text, ()
    elif isinstance(expr, Alternative):
        for item in expr.items:
            yield from _walk(item, lists, rules, keep)
    elif isinstance(expr, Permutation):
        raise TemplateError("permutations (a;b) are not used in our templates")
    elif isinstance(expr, Sequence):
        results: list[Expansion] = [("", ())]
        for item in expr.items:
            parts = list(_walk(item, lists, rules, keep))
            results = [(t + pt, s + ps) for t, s in results for pt, ps in parts]
        yield from results
    elif isinstance(expr, ListReference):
        name = expr.list_name
        if name in keep:
            yield "{%s}" % name, ()
            return
        if name not in lists:
            raise TemplateError(f"unknown list {{{name}}} (known: {', '.join(sorted(lists))})")
        for text, value in lists[name]:
            yield text, ((expr.slot_name, value),)
    elif isinstance(expr, RuleReference):
        if expr.rule_name not in rules:
            raise TemplateError(f"unknown rule <{expr.rule_name}>")
        yield from _walk(rules[expr.rule_name].expression, lists, rules, keep)
    else:  # pragma: no cover - hassil added a node type
        raise TemplateError(f"unexpected template part {type(expr).__name__}")


_WORD_RE = re.compile(r"[a-z0-9']+")


def template_words(template: str) -> list[str]:
    """The plain words a template uses (no lists or rules), for vocabulary checks."""
    text = re.sub(r"\{[^}]*\}|<[^>]*>", " ", template.lower())
    return _WORD_RE.findall(text)
