"""The command sentences (data/commands.yaml, hassil's template format) and what comes of them.

    commands.yaml ──hassil──► Templates ──expand + catalog names──► every sentence with its
                                                                     Intent (Phrase)
        ├─► phrase_table(): exact sentences -> Intent, for the text parser's first step and for
        │   jsgf_phrase_to_intent (what pocketsphinx decoded with our grammars)
        ├─► sample_sentences(): sentences tests can type or speak, seeds for the classifier
        └─► voicecoach.audio.jsgf: a pocketsphinx grammar per listening context

Everything here is pure (data in, data out) except the loader, which reads its own data file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from hassil import Intents
from hassil.expression import Sentence

from voicecoach.core.errors import DataFileError, UserError
from voicecoach.core.intents import COMMANDS, Intent, no_intent
from voicecoach.understanding.datafile import read_yaml
from voicecoach.understanding.expand import ListValues, TemplateError, expand
from voicecoach.understanding.text import key, words

COMMANDS_PATH = Path(__file__).resolve().parents[1] / "data" / "commands.yaml"

# Answers to the first-run questions; not commands, but typed and spoken the same way.
ANSWER_INTENTS: tuple[str, ...] = ("cause", "level")
INTENT_NAMES: tuple[str, ...] = COMMANDS + ANSWER_INTENTS
LIST_NAMES: tuple[str, ...] = ("exercise", "number")
# Slot in a template -> the key it fills in Intent.slots.
SLOT_KEY = {"exercise": "exercise", "number": "value"}
# Fixed slots an item may carry, and the values each may take.
FIXED_SLOTS: dict[str, tuple[Any, ...]] = {
    "urgent": (True, False),
    "cause": ("tight", "weak", "posture", "general"),
    "level": ("beginner", "intermediate", "advanced"),
    "value": tuple(range(0, 11)),
}
# Every sentence of these intents must fill this slot (from a {list} or a fixed slot).
REQUIRED_SLOT: dict[str, str] = {
    "goto": "exercise", "number": "value", "red_flag": "urgent", "cause": "cause",
    "level": "level",
}


@dataclass(frozen=True)
class Template:
    intent: str
    text: str  # as written in the file
    sentence: Sentence  # hassil's parse of it
    slots: tuple[tuple[str, Any], ...]  # fixed slots every sentence of it carries


@dataclass(frozen=True)
class Templates:
    path: str
    templates: tuple[Template, ...]
    rules: Mapping[str, Sentence]  # hassil expansion rules <name>
    numbers: tuple[tuple[str, int], ...]  # {number}: (word, value)
    contexts: tuple[tuple[str, tuple[str, ...]], ...]
    skip_words: tuple[tuple[str, ...], ...]  # normalised, longest first
    pronunciations: tuple[tuple[str, str], ...]  # word -> ARPAbet phones

    def context(self, name: str) -> tuple[str, ...]:
        for ctx, intents in self.contexts:
            if ctx == name:
                return intents
        raise UserError(f"unknown grammar {name!r} (known: {', '.join(self.context_names)})")

    @property
    def context_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.contexts)

    def of(self, intent: str) -> tuple[Template, ...]:
        return tuple(t for t in self.templates if t.intent == intent)


def _fixed(intent: str, slots: Any, path: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(slots, dict):
        raise DataFileError(path, f"{intent}: slots must be a mapping")
    out = []
    for name, value in slots.items():
        allowed = FIXED_SLOTS.get(name)
        if allowed is None:
            raise DataFileError(path, f"{intent}: unknown slot {name!r} (known: "
                                f"{', '.join(FIXED_SLOTS)})")
        if value not in allowed or type(value) is not type(allowed[0]):
            raise DataFileError(path, f"{intent}: slot {name} must be one of "
                                f"{', '.join(str(a).lower() for a in allowed)}, not {value!r}")
        out.append((name, value))
    return tuple(sorted(out))


def parse_templates(data: Any, path: str) -> Templates:
    """Validate the file's contents and parse every template with hassil."""
    if not isinstance(data, dict):
        raise DataFileError(path, "file is empty" if data is None else "expected a mapping")
    for part in ("language", "intents", "contexts", "lists"):
        if part not in data:
            raise DataFileError(path, f"missing '{part}:'")
    try:
        parsed = Intents.from_dict({k: data[k] for k in
                                    ("language", "intents", "lists", "expansion_rules")
                                    if k in data})
    except Exception as err:  # hassil's parse errors come as several types
        raise DataFileError(path, f"hassil cannot read it: {err}") from None
    numbers = tuple((words(str(v["in"]))[0], int(v["out"]))
                    for v in data["lists"].get("number", {}).get("values", ()))
    if [n for _, n in numbers] != list(range(11)):
        raise DataFileError(path, "lists.number must give the words for zero to ten, in order")

    templates: list[Template] = []
    for intent, body in parsed.intents.items():
        if intent not in INTENT_NAMES:
            raise DataFileError(path, f"unknown intent {intent!r}")
        for item in body.data:
            fixed = _fixed(intent, item.slots or {}, path)
            try:
                parsed_sentences = item.sentences  # hassil parses them when first asked
            except Exception as err:
                raise DataFileError(path, f"{intent}: hassil cannot read a template: {err}"
                                    ) from None
            for text, sentence in zip(item.sentence_texts, parsed_sentences):
                t = Template(intent, text, sentence, fixed)
                _check_template(t, parsed.expansion_rules, numbers, path)
                templates.append(t)
    missing = [n for n in INTENT_NAMES if n not in parsed.intents]
    if missing:
        raise DataFileError(path, f"no sentences for intent(s): {', '.join(missing)}")

    contexts = []
    for name, intents in (data["contexts"] or {}).items():
        for i in intents:
            if i not in INTENT_NAMES:
                raise DataFileError(path, f"context {name}: unknown intent {i!r}")
        contexts.append((str(name), tuple(intents)))
    if "command" not in dict(contexts):
        raise DataFileError(path, "contexts must define 'command'")
    skip = sorted({tuple(words(str(s))) for s in data.get("skip_words") or ()}, key=len,
                  reverse=True)
    prons = tuple((str(w), " ".join(str(p).split()))
                  for w, p in (data.get("pronunciations") or {}).items())
    return Templates(path, tuple(templates), dict(parsed.expansion_rules), numbers,
                     tuple(contexts), tuple(s for s in skip if s), prons)


def _check_template(t: Template, rules, numbers, path: str) -> None:
    """Unknown lists or rules, and sentences that leave a required slot empty, are errors."""
    probe = {"exercise": [("x", "x")], "number": [(w, n) for w, n in numbers[:1]]}
    need = REQUIRED_SLOT.get(t.intent)
    try:
        for _, filled in expand(t.sentence.expression, probe, rules):
            have = {SLOT_KEY.get(k, k) for k, _ in filled} | {k for k, _ in t.slots}
            if need and need not in have:
                raise DataFileError(path, f"{t.intent}: template {t.text!r} must fill slot "
                                    f"{need!r} in every sentence")
    except TemplateError as err:
        raise DataFileError(path, f"{t.intent}: template {t.text!r}: {err}") from None


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Templates:
    return parse_templates(read_yaml(path), path)


def load_templates(path: str | Path = COMMANDS_PATH) -> Templates:
    """Load and validate commands.yaml. Malformed -> DataFileError naming the file."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as err:
        raise DataFileError(str(p), f"cannot read: {err.strerror or err}") from None
    return _load_cached(str(p), mtime)


def listening_contexts(templates: Templates | None = None) -> tuple[str, ...]:
    """command, yes_no, number, safety, cause, level."""
    return (templates or load_templates()).context_names


# ------------------------------------------------------------------------------------------
# List values and expansions.

def default_catalog():
    from voicecoach.core.catalog import load_catalog  # late: the catalog loads its own file

    return load_catalog()


def exercise_values(catalog, templates: Templates | None = None) -> tuple[tuple[str, str], ...]:
    """(spoken name, catalog id) for every name and alias, names as written ("child's pose":
    the recognizer's dictionary spells it so) with digits as words ("figure 4" -> "figure
    four"), in a stable order, one per spoken form."""
    spoken_number = {str(n): w for w, n in (templates or load_templates()).numbers}
    seen: dict[str, tuple[str, str]] = {}
    said: list[tuple[str, str]] = []
    for ex in catalog:
        said += [(ex.name, ex.id), *((a, ex.id) for a in ex.aliases),
                 (ex.id.replace("-", " "), ex.id)]
    said += sorted(catalog.names().items())
    for text, ex_id in said:
        spoken = " ".join(spoken_number.get(w, w) for w in text.lower().replace("-", " ").split())
        if key(spoken):
            seen.setdefault(key(spoken), (spoken, ex_id))
    return tuple(seen.values())


def slot_lists(catalog, templates: Templates) -> dict[str, ListValues]:
    return {"exercise": exercise_values(catalog, templates), "number": templates.numbers}


@dataclass(frozen=True)
class Phrase:
    text: str  # as a person says it: numbers as words, apostrophes kept
    intent: str
    slots: tuple[tuple[str, Any], ...]

    def to_intent(self, text: str | None = None, confidence: float = 1.0) -> Intent:
        return Intent(self.intent, dict(self.slots), self.text if text is None else text,
                      confidence)


def _expand_all(templates: Templates, lists) -> list[Phrase]:
    out: list[Phrase] = []
    for t in templates.templates:
        for text, filled in expand(t.sentence.expression, lists, templates.rules):
            slots = dict(t.slots)
            slots.update({SLOT_KEY[k]: v for k, v in filled})
            out.append(Phrase(text, t.intent, tuple(sorted(slots.items()))))
    return out


@dataclass(frozen=True)
class PhraseBook:
    phrases: tuple[Phrase, ...]  # every sentence, in source order, one per key
    table: Mapping[str, Phrase]  # key (see text.key) -> phrase
    skip_words: tuple[tuple[str, ...], ...]


def build_phrasebook(templates: Templates, catalog) -> PhraseBook:
    """Every sentence of every template. Two sentences that read the same but mean different
    things are an error in the phrase source."""
    table: dict[str, Phrase] = {}
    phrases: list[Phrase] = []
    for p in _expand_all(templates, slot_lists(catalog, templates)):
        k = key(p.text)
        old = table.get(k)
        if old is not None:
            if (old.intent, old.slots) != (p.intent, p.slots):
                raise DataFileError(templates.path, f"{k!r} means both {old.intent} "
                                    f"{dict(old.slots)} and {p.intent} {dict(p.slots)}")
            continue
        table[k] = p
        phrases.append(p)
    return PhraseBook(tuple(phrases), table, templates.skip_words)


_books: dict[tuple[str, int, int], tuple[Any, PhraseBook]] = {}


def phrasebook(catalog=None, templates: Templates | None = None) -> PhraseBook:
    """The cached phrasebook for these templates and this catalog (default: the shipped)."""
    templates = templates or load_templates()
    catalog = catalog if catalog is not None else default_catalog()
    k = (templates.path, id(templates), id(catalog))
    hit = _books.get(k)
    if hit is None or hit[0] is not catalog:
        # Keep the catalog referenced so its id cannot be reused while cached.
        hit = (catalog, build_phrasebook(templates, catalog))
        if len(_books) > 16:
            _books.clear()
        _books[k] = hit
    return hit[1]


def strip_skip_words(ws: list[str], skip: tuple[tuple[str, ...], ...]) -> list[str]:
    """Filler words removed from both ends ("um okay pause please" -> "pause")."""
    changed = True
    while ws and changed:
        changed = False
        for s in skip:
            n = len(s)
            if len(ws) > n and tuple(ws[:n]) == s:
                ws, changed = ws[n:], True
            elif len(ws) > n and tuple(ws[-n:]) == s:
                ws, changed = ws[:-n], True
    return ws


def lookup(text: str, book: PhraseBook) -> Phrase | None:
    """The template sentence `text` is, exactly or with fillers at its ends, or None."""
    ws = words(text)
    if not ws:
        return None
    hit = book.table.get(" ".join(ws))
    if hit is None:
        hit = book.table.get(" ".join(strip_skip_words(ws, book.skip_words)))
    return hit


def sample_sentences(intent: str | None = None, limit: int | None = None, catalog=None,
                     templates: Templates | None = None) -> list[tuple[str, Intent]]:
    """Every sentence the templates generate, with the Intent it must parse to. `intent`
    keeps one intent's sentences; `limit` keeps that many spread evenly. Stable order."""
    book = phrasebook(catalog, templates)
    if intent is not None and intent not in INTENT_NAMES:
        raise UserError(f"unknown intent {intent!r}")
    chosen = [p for p in book.phrases if intent is None or p.intent == intent]
    if limit is not None and 0 <= limit < len(chosen):
        step = len(chosen) / limit if limit else 1
        chosen = [chosen[int(i * step)] for i in range(limit)]
    return [(p.text, p.to_intent()) for p in chosen]


def jsgf_phrase_to_intent(text: str, catalog=None, *, partial: bool = False) -> Intent:
    """The intent of a sentence the recognizer decoded with one of our grammars: an exact
    lookup, so a partial hypothesis such as "do the" gives no intent.

    With `partial=True`, words that begin sentences of one meaning only give that intent at
    confidence 0.5 ("stop the" -> stop; "do the" stays none)."""
    book = phrasebook(catalog)
    k = key(text)
    phrase = book.table.get(k)
    if phrase:
        return phrase.to_intent(text)
    if partial and k:
        only = _prefixes(book).get(k)
        if only is not None:
            return only.to_intent(text, 0.5)
    return no_intent(text)


_prefix_cache: dict[int, tuple[PhraseBook, dict[str, Phrase | None]]] = {}


def _prefixes(book: PhraseBook) -> dict[str, Phrase | None]:
    """Every proper prefix of a sentence -> its phrase when all sentences it begins mean the
    same (intent and slots), else None."""
    hit = _prefix_cache.get(id(book))
    if hit is None or hit[0] is not book:
        out: dict[str, Phrase | None] = {}
        for k, phrase in book.table.items():
            ws = k.split()
            for n in range(1, len(ws)):
                pre = " ".join(ws[:n])
                if pre not in out:
                    out[pre] = phrase
                elif out[pre] is not None and (out[pre].intent, out[pre].slots) != (
                        phrase.intent, phrase.slots):
                    out[pre] = None
        hit = (book, out)
        _prefix_cache[id(book)] = hit
    return hit[1]
