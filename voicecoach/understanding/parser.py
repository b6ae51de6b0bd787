"""Typed (or decoded) text -> Intent, from the one phrase source (voicecoach/data/commands.yaml).

The steps, first hit wins:
  1. the whole text, normalised, is one of the expanded sentences (a dict lookup);
  2. the same with skip words ("um", "please", "hey coach") dropped;
  3. a safety phrase anywhere in the text ("numb", "bladder", "it hurts"): safety is never
     missed, so this comes before any guessing below;
  4. a sentence with its {exercise} left open, the name resolved by the catalog's fuzzy lookup
     ("how do i do a brige");
  5. typos fixed word by word against the grammar's vocabulary ("pasue"), then 1-4 again;
  6. a bare exercise name ("child pose") means goto;
  7. otherwise Intent("none").
"""

from __future__ import annotations

import functools
import json
from typing import Any

from voicecoach.understanding.grammar import (
    Grammar, Keyword, Phrasebook, closest_word, default_catalog, dictionary_words, phrasebook,
)
from voicecoach.core.intents import Intent, no_intent

# How sure each step is; the dialogue may confirm costly commands below 1.0.
CONF_EXACT = 1.0
CONF_SKIP = 0.95
CONF_KEYWORD = 0.7
CONF_FUZZY_NAME = 0.8
CONF_TYPO = 0.6
CONF_BARE_NAME = 0.75

_MIN_TYPO_LEN = 4  # shorter words are too easy to "correct" into something else


def drop_skip_words(words: list[str], grammar: Grammar,
                    keep: frozenset[str] | Any = frozenset()) -> list[str]:
    """Remove filler words and phrases ("hey coach", "um", "please") wherever they are,
    except those in `keep`."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase in grammar.skip_words:  # longest first
            if tuple(words[i:i + len(phrase)]) == phrase and " ".join(phrase) not in keep:
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _word_matches(pattern: str, word: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def _negated(words: list[str], i: int, negations: frozenset[str]) -> bool:
    """A negation right before a pain word ("no pain", "doesn't hurt"), or one word earlier
    ("not too painful"); a bare "no" only right before ("no, it hurts" is pain)."""
    if i >= 1 and words[i - 1] in negations:
        return True
    return i >= 2 and words[i - 2] in negations and words[i - 2] != "no"


def safety_keyword(words: list[str], grammar: Grammar) -> Keyword | None:
    """The first (most serious) safety phrase found anywhere in the words."""
    for kw in grammar.keywords:  # urgent red flag, red flag, pain
        n = len(kw.words)
        for i in range(len(words) - n + 1):
            if all(_word_matches(p, w) for p, w in zip(kw.words, words[i:i + n])):
                if kw.intent == "pain" and _negated(words, i, grammar.pain_negations):
                    continue
                return kw
    return None


def _slot_match(words: list[str], book: Phrasebook, catalog) -> tuple[Any, Any] | None:
    """(pattern, exercise) for the most specific sentence whose open {exercise} the catalog
    can resolve."""
    n = len(words)
    tried: dict[str, Any] = {}  # many patterns leave the same middle open: look it up once
    for pat in book.patterns:
        lp, ls = len(pat.prefix), len(pat.suffix)
        if lp + ls >= n:
            continue
        if tuple(words[:lp]) != pat.prefix or (ls and tuple(words[n - ls:]) != pat.suffix):
            continue
        middle = " ".join(words[lp:n - ls])
        if middle not in tried:
            ex_id = book.names.get(middle)
            tried[middle] = ex_id if ex_id is not None else _find_id(catalog, middle)
        ex_id = tried[middle]
        if ex_id is not None:
            return pat, ex_id
    return None


def _fix_typos(words: list[str], book: Phrasebook) -> list[str]:
    """Replace misspelt words by the nearest grammar word. A real English word is never
    "corrected" ("number" must not become "numb"): only words the dictionary lacks are."""
    fixed = []
    english = _english_words()
    for w in words:
        if (w in book.vocabulary or len(w) < _MIN_TYPO_LEN or w.isdigit()
                or w in english):
            fixed.append(w)
        else:
            vocab, anagrams = _vocab_index(book)
            # Swapped letters ("wnat", "plnak") first: the commonest slip when typing fast.
            swapped = anagrams.get("".join(sorted(w)))
            fixed.append(swapped[0] if swapped else closest_word(w, vocab) or w)
    return fixed


@functools.lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """The recognizer's dictionary, apostrophes dropped as in our keys ("dont")."""
    return frozenset(w.replace("'", "") for w in dictionary_words())


_vocab_cache: dict[int, tuple[Phrasebook, list[str], dict[str, list[str]]]] = {}


def _vocab_index(book: Phrasebook) -> tuple[list[str], dict[str, list[str]]]:
    """The grammar's words, sorted, and by their sorted letters (to undo swapped letters)."""
    hit = _vocab_cache.get(id(book))
    if hit is None or hit[0] is not book:
        vocab = sorted(book.vocabulary)
        anagrams: dict[str, list[str]] = {}
        for v in vocab:
            anagrams.setdefault("".join(sorted(v)), []).append(v)
        hit = (book, vocab, anagrams)
        _vocab_cache[id(book)] = hit
    return hit[1], hit[2]


_find_cache: dict[int, tuple[Any, dict[str, str | None]]] = {}


def _find_id(catalog, text: str) -> str | None:
    """catalog.find(text).id, remembered: fuzzy lookup costs tens of ms and the same
    leftovers come back often."""
    hit = _find_cache.get(id(catalog))
    if hit is None or hit[0] is not catalog:
        hit = (catalog, {})
        _find_cache[id(catalog)] = hit
    memo = hit[1]
    if text not in memo:
        if len(memo) > 4096:
            memo.clear()
        found = catalog.find(text)
        memo[text] = found.id if found is not None else None
    return memo[text]


def _match(words: list[str], book: Phrasebook, catalog, text: str,
           conf: float) -> Intent | None:
    """Steps 2-4 on already normalised words (step 1 is the caller's exact lookup)."""
    g = book.grammar
    phrase = book.table.get(" ".join(words))
    if phrase:
        return phrase.to_intent(text, conf)
    core = drop_skip_words(words, g)
    phrase = book.table.get(" ".join(core))
    if not phrase:  # "um, ok, please": "ok" is a filler, but also an answer on its own
        phrase = book.table.get(" ".join(drop_skip_words(words, g, keep=book.table)))
    if not phrase:  # "wait wait", "stop stop stop": said again to be heard
        once = [w for i, w in enumerate(core) if i == 0 or w != core[i - 1]]
        phrase = book.table.get(" ".join(once)) if once != core else None
    if phrase:
        return phrase.to_intent(text, conf * CONF_SKIP)
    for i in range(1, len(core)):  # "yes, do the bridge", "okay next": the answer is the rest
        lead = book.table.get(" ".join(core[:i]))
        rest = book.table.get(" ".join(core[i:]))
        if lead and rest and lead.intent in ("yes", "no") and rest.intent not in ("yes", "no"):
            return rest.to_intent(text, conf * CONF_SKIP)
    kw = safety_keyword(words, g)
    if kw is not None:
        return Intent(kw.intent, dict(kw.slots), text, CONF_KEYWORD)
    for candidate in (core, words):
        hit = _slot_match(candidate, book, catalog)
        if hit:
            pat, ex_id = hit
            slots = dict(pat.slots)
            slots["exercise"] = ex_id
            return Intent(pat.intent, slots, text, conf * CONF_FUZZY_NAME)
    return None


def parse(text: str, catalog=None) -> Intent:
    """What a person meant by `text`, e.g. "um, how do I do a bird dog?" ->
    Intent("explain", {"exercise": "bird-dog"}). Never raises on odd input: Intent("none")."""
    catalog = catalog if catalog is not None else default_catalog()
    book = phrasebook(catalog)
    key = book.grammar.normalise(text)
    if not key:
        return no_intent(text)
    words = key.split()
    found = _match(words, book, catalog, text, CONF_EXACT)
    if found:
        return found
    fixed = _fix_typos(words, book)
    if fixed != words:
        found = _match(fixed, book, catalog, text, CONF_TYPO)
        if found:
            return found
    for candidate in (words, fixed):
        core = " ".join(drop_skip_words(candidate, book.grammar))
        if core in book.names:
            return Intent("goto", {"exercise": book.names[core]}, text, CONF_BARE_NAME)
    return no_intent(text)


def describe(intent: Intent) -> str:
    """One readable line: `goto exercise=childs-pose`."""
    slots = " ".join(f"{k}={json.dumps(v) if isinstance(v, bool) else v}"
                     for k, v in intent.slots.items())
    return f"{intent.name} {slots}".rstrip()
