"""The one source of command phrases (voicecoach/data/commands.yaml) and what is made from it.

    commands.yaml ──load_grammar──► Grammar (templates as expression trees)
        │                               │
        │ + catalog names, numbers      ├─► phrasebook(): every sentence → (intent, slots), for
        │                               │   the text parser and jsgf_phrase_to_intent
        │                               ├─► sample_sentences(): sentences tests can type or speak
        │                               └─► to_jsgf(context): a pocketsphinx grammar per
        │                                   listening context ("command", "yes_no", ...)

Template syntax: `(a|b)` alternatives, `[a|b]` optional, `{exercise}` / `{number}` slots. It is
JSGF's own syntax for alternatives and options on purpose, so a template becomes a JSGF rule
word for word and typed and spoken commands can never disagree.

Everything here is pure (data in, data out) except the two loaders, which are cached.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import yaml

from voicecoach.core.errors import DataFileError, UserError
from voicecoach.core.intents import COMMANDS, Intent, no_intent

COMMANDS_PATH = Path(__file__).resolve().parents[1] / "data" / "commands.yaml"

# Answers to the first-run questions; not commands, but typed and spoken the same way.
ANSWER_INTENTS: tuple[str, ...] = ("cause", "level")
INTENT_NAMES: tuple[str, ...] = COMMANDS + ANSWER_INTENTS
SLOT_NAMES: tuple[str, ...] = ("exercise", "number")

# Fixed slots an item may carry, and the values each may take.
FIXED_SLOTS: dict[str, tuple[Any, ...]] = {
    "urgent": (True, False),
    "cause": ("tight", "weak", "posture", "general"),
    "level": ("beginner", "intermediate", "advanced"),
    "value": tuple(range(0, 11)),
}
# Every sentence of these intents must fill this slot (from a {slot} or a fixed slot).
REQUIRED_SLOT: dict[str, str] = {
    "goto": "exercise", "number": "value", "red_flag": "urgent", "cause": "cause",
    "level": "level",
}
# Slot in a template -> the key it fills in Intent.slots.
SLOT_KEY = {"exercise": "exercise", "number": "value"}
# Slot -> its JSGF rule name (not the slot name: the intent "number" has a rule of its own).
SLOT_RULE = {"exercise": "slot_exercise", "number": "slot_number"}

_WORD_RE = re.compile(r"^[a-z][a-z']*$")
_KEYWORD_WORD_RE = re.compile(r"^[a-z][a-z']*\*?$")


# --------------------------------------------------------------------------------------------
# Template expressions: a tiny tree, parsed from text, expanded to word sequences.

@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Slot:
    name: str


@dataclass(frozen=True)
class Seq:
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Alt:
    options: tuple[Seq, ...]


@dataclass(frozen=True)
class Opt:
    """`[a|b]`: nothing, or one of the options."""

    alt: Alt


Expr = Word | Slot | Seq | Alt | Opt


class TemplateError(ValueError):
    """A template's syntax is wrong; the loader turns it into a DataFileError with the line."""


_TOKEN_RE = re.compile(r"\s*(?:([()\[\]|])|\{([^{}]*)\}|([^\s()\[\]|{}]+))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise TemplateError(f"unexpected {text[pos:].strip()[:1]!r}")
        if m.group(1):
            out.append(("op", m.group(1)))
        elif m.group(2) is not None:
            out.append(("slot", m.group(2).strip()))
        else:
            out.append(("word", m.group(3)))
        pos = m.end()
    return out


def parse_template(text: str, *, keyword: bool = False) -> Seq:
    """Parse one template into an expression tree. `keyword` allows a trailing `*` on words
    (prefix match) and forbids slots."""
    tokens = _tokens(text.lower())
    if not tokens:
        raise TemplateError("empty sentence")
    pos = 0

    def alternatives(closer: str | None) -> Alt:
        nonlocal pos
        options = [sequence()]
        while pos < len(tokens) and tokens[pos] == ("op", "|"):
            pos += 1
            options.append(sequence())
        if closer is not None:
            if pos >= len(tokens) or tokens[pos] != ("op", closer):
                raise TemplateError(f"missing {closer!r}")
            pos += 1
        for opt in options:
            if not opt.items:
                raise TemplateError("empty alternative (write [a|b] for an optional part)")
        return Alt(tuple(options))

    def sequence() -> Seq:
        nonlocal pos
        items: list[Expr] = []
        while pos < len(tokens):
            kind, value = tokens[pos]
            if kind == "op" and value in ")]|":
                break
            pos += 1
            if kind == "word":
                ok = _KEYWORD_WORD_RE if keyword else _WORD_RE
                if not ok.match(value):
                    raise TemplateError(f"bad word {value!r}: lower-case letters and ' only"
                                        " (write numbers as words)")
                items.append(Word(value))
            elif kind == "slot":
                if keyword:
                    raise TemplateError("keywords cannot have slots")
                if value not in SLOT_NAMES:
                    raise TemplateError(f"unknown slot {{{value}}} (known: "
                                        f"{', '.join('{%s}' % s for s in SLOT_NAMES)})")
                items.append(Slot(value))
            elif value == "(":
                alt = alternatives(")")
                items.append(alt.options[0] if len(alt.options) == 1 else alt)
            elif value == "[":
                items.append(Opt(alternatives("]")))
        return Seq(tuple(items))

    top = alternatives(None)
    if pos != len(tokens):
        raise TemplateError(f"unmatched {tokens[pos][1]!r}")
    if len(top.options) != 1:
        raise TemplateError("top-level '|': put alternatives in ( )")
    if not top.options[0].items:
        raise TemplateError("empty sentence")
    return top.options[0]


def slots_in(expr: Expr) -> list[str]:
    """Names of the slots an expression uses (with repeats)."""
    if isinstance(expr, Slot):
        return [expr.name]
    if isinstance(expr, Word):
        return []
    if isinstance(expr, Seq):
        return [s for item in expr.items for s in slots_in(item)]
    if isinstance(expr, Alt):
        return [s for opt in expr.options for s in slots_in(opt)]
    return slots_in(expr.alt)


# A slot value list: (words, value) pairs, e.g. ((("bird", "dog"), "bird-dog"), ...).
SlotValues = Sequence[tuple[tuple[str, ...], Any]]
Expansion = tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]


def expand(expr: Expr, lists: Mapping[str, SlotValues]) -> Iterator[Expansion]:
    """Every word sequence an expression can produce, with the slot values it filled.

    A slot without a list in `lists` stays as one token `{name}` (used to build patterns)."""
    if isinstance(expr, Word):
        yield (expr.text,), ()
    elif isinstance(expr, Slot):
        if expr.name not in lists:
            yield ("{%s}" % expr.name,), ()
        else:
            for words, value in lists[expr.name]:
                yield tuple(words), ((expr.name, value),)
    elif isinstance(expr, Seq):
        results: list[Expansion] = [((), ())]
        for item in expr.items:
            parts = list(expand(item, lists))
            results = [(w + pw, s + ps) for w, s in results for pw, ps in parts]
        yield from results
    elif isinstance(expr, Alt):
        for opt in expr.options:
            yield from expand(opt, lists)
    else:  # Opt
        yield (), ()
        yield from expand(expr.alt, lists)


def jsgf_expansion(expr: Expr) -> str:
    """The JSGF text of an expression: same shape, slots become rule references."""
    if isinstance(expr, Word):
        return expr.text
    if isinstance(expr, Slot):
        return f"<{SLOT_RULE[expr.name]}>"
    if isinstance(expr, Seq):
        return " ".join(jsgf_expansion(i) for i in expr.items)
    if isinstance(expr, Alt):
        return "( " + " | ".join(jsgf_expansion(o) for o in expr.options) + " )"
    return "[ " + " | ".join(jsgf_expansion(o) for o in expr.alt.options) + " ]"


def words_in(expr: Expr) -> set[str]:
    if isinstance(expr, Word):
        return {expr.text}
    if isinstance(expr, Slot):
        return set()
    if isinstance(expr, Seq):
        return set().union(*(words_in(i) for i in expr.items)) if expr.items else set()
    if isinstance(expr, Alt):
        return set().union(*(words_in(o) for o in expr.options))
    return words_in(expr.alt)


# --------------------------------------------------------------------------------------------
# Text normalisation: typed text, template expansions and decoded speech all go through it.

_NUMBER_WORDS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                    "nine", "ten")


def spoken_words(text: str) -> tuple[str, ...]:
    """Lower-case words with apostrophes kept: "Let's do the Bird-Dog!" -> (let's, do, ...)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u2018\u2019\u02bc`´]", "'", text)
    # "7/10", "7 / 10" -> "7 out of 10": a pain score as people type it.
    text = re.sub(r"\b(\d{1,2})\s*/\s*10\b", r"\1 out of 10", text)
    text = re.sub(r"[^a-z0-9']+", " ", text)
    words = []
    for w in text.split():
        w = w.strip("'")
        if w:
            words.append(w)
    return tuple(words)


def key_of(words: Iterable[str], numbers: Sequence[str] = _NUMBER_WORDS_EN) -> str:
    """The matching key: apostrophes dropped ("lets", "childs"), digits 0-10 as words."""
    out = []
    for w in words:
        if w.isdigit() and int(w) < len(numbers):
            w = numbers[int(w)]
        out.append(w.replace("'", ""))
    return " ".join(out)


def normalise(text: str, numbers: Sequence[str] = _NUMBER_WORDS_EN) -> str:
    """"Um, let's do the Child's Pose!" -> "um lets do the childs pose"."""
    return key_of(spoken_words(text), numbers)


# --------------------------------------------------------------------------------------------
# The loaded phrase source.

@dataclass(frozen=True)
class Template:
    intent: str
    text: str
    expr: Seq
    slots: tuple[tuple[str, Any], ...]  # fixed slots every sentence of it carries
    line: int  # 1-based line in commands.yaml


@dataclass(frozen=True)
class Keyword:
    intent: str
    slots: tuple[tuple[str, Any], ...]
    words: tuple[str, ...]  # normalised; a word ending in * matches by prefix
    line: int


@dataclass(frozen=True)
class Grammar:
    path: str
    templates: tuple[Template, ...]
    skip_words: tuple[tuple[str, ...], ...]  # normalised phrases, longest first
    numbers: tuple[str, ...]  # numbers[n] is the word for n
    contexts: tuple[tuple[str, tuple[str, ...]], ...]
    keywords: tuple[Keyword, ...]  # in priority order
    pain_negations: frozenset[str]
    pronunciations: tuple[tuple[str, str], ...]  # word -> ARPAbet phones

    def context(self, name: str) -> tuple[str, ...]:
        for ctx, intents in self.contexts:
            if ctx == name:
                return intents
        raise UserError(f"unknown grammar {name!r} (known: {', '.join(self.context_names)})")

    @property
    def context_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.contexts)

    def normalise(self, text: str) -> str:
        return normalise(text, self.numbers)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: yaml.Node, path: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise DataFileError(path, f"{what} must be a non-empty text", line=_line(node))
    return str(node.value)


def _mapping(node: yaml.Node, path: str, what: str) -> list[tuple[str, yaml.Node, int]]:
    if not isinstance(node, yaml.MappingNode):
        raise DataFileError(path, f"{what} must be a mapping", line=_line(node))
    out = []
    seen: set[str] = set()
    for k, v in node.value:
        name = _scalar(k, path, f"a key in {what}")
        if name in seen:
            raise DataFileError(path, f"{name!r} appears twice in {what}", line=_line(k))
        seen.add(name)
        out.append((name, v, _line(k)))
    return out


def _sequence(node: yaml.Node, path: str, what: str) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) and what.endswith("words"):
        return [node]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise DataFileError(path, f"{what} must be a non-empty list", line=_line(node))
    return list(node.value)


def _fixed_value(name: str, node: yaml.Node, path: str, intent: str) -> Any:
    raw = _scalar(node, path, f"slot {name}")
    allowed = FIXED_SLOTS.get(name)
    if allowed is None:
        raise DataFileError(path, f"{intent}: unknown slot {name!r} (known: "
                            f"{', '.join(FIXED_SLOTS)})", line=_line(node))
    if name == "urgent":
        value: Any = {"true": True, "false": False}.get(raw.lower())
    elif name == "value":
        value = int(raw) if raw.isdigit() else None
    else:
        value = raw
    if value not in allowed:
        raise DataFileError(path, f"{intent}: slot {name} must be one of "
                            f"{', '.join(str(a).lower() for a in allowed)}, not {raw!r}",
                            line=_line(node))
    return value


def _template(text: str, intent: str, slots: tuple[tuple[str, Any], ...], line: int,
              path: str) -> Template:
    try:
        expr = parse_template(text)
    except TemplateError as err:
        raise DataFileError(path, f"{intent}: template {text!r}: {err}", line=line) from None
    used = slots_in(expr)
    for name in set(used):
        if used.count(name) > 1:
            raise DataFileError(path, f"{intent}: template {text!r} uses {{{name}}} twice",
                                line=line)
    filled = {SLOT_KEY[s] for s in used} | {k for k, _ in slots}
    need = REQUIRED_SLOT.get(intent)
    if need and need not in filled:
        raise DataFileError(path, f"{intent}: template {text!r} must fill slot {need!r}",
                            line=line)
    # Every expansion must fill the required slot: a slot inside [ ] would not.
    if need in ("exercise", "value") and not slots:
        for _, got in expand(expr, {"exercise": [(("x",), "x")], "number": [(("one",), 1)]}):
            if need == "exercise" and not any(k == "exercise" for k, _ in got):
                raise DataFileError(path, f"{intent}: {{exercise}} must not be optional in "
                                    f"{text!r}", line=line)
            if need == "value" and not any(k == "number" for k, _ in got):
                raise DataFileError(path, f"{intent}: {{number}} must not be optional in "
                                    f"{text!r}", line=line)
    return Template(intent, text, expr, slots, line)


def parse_grammar_text(text: str, path: str = "commands.yaml") -> Grammar:
    """Validate and load the phrase source from its YAML text (pure; `path` names errors)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise DataFileError(path, f"not valid YAML: {problem}",
                            line=mark.line + 1 if mark else None) from None
    if root is None:
        raise DataFileError(path, "file is empty")
    top = {name: (node, line) for name, node, line in _mapping(root, path, "the file")}
    for required in ("intents", "numbers", "contexts", "skip_words"):
        if required not in top:
            raise DataFileError(path, f"missing section {required!r}")
    unknown = set(top) - {"intents", "numbers", "contexts", "skip_words", "keywords",
                          "pronunciations"}
    if unknown:
        name = sorted(unknown)[0]
        raise DataFileError(path, f"unknown section {name!r}", line=top[name][1])

    numbers = tuple(_scalar(n, path, "a number word").strip().lower()
                    for n in _sequence(top["numbers"][0], path, "numbers"))
    for i, n in enumerate(numbers):
        if not _WORD_RE.match(n):
            raise DataFileError(path, f"numbers: {n!r} must be a word", field=f"numbers[{i}]",
                                line=top["numbers"][1])
    if len(numbers) != 11:
        raise DataFileError(path, "numbers must list the words for zero to ten",
                            line=top["numbers"][1])

    skip = []
    for node in _sequence(top["skip_words"][0], path, "skip_words"):
        words = spoken_words(_scalar(node, path, "a skip word"))
        skip.append(tuple(w.replace("'", "") for w in words))
    skip.sort(key=len, reverse=True)  # "hey coach" before "hey"

    templates: list[Template] = []
    seen_intents: set[str] = set()
    for intent, node, line in _mapping(top["intents"][0], path, "intents"):
        if intent not in INTENT_NAMES:
            raise DataFileError(path, f"unknown intent {intent!r} (known: "
                                f"{', '.join(INTENT_NAMES)})", line=line)
        seen_intents.add(intent)
        for item in _sequence(node, path, f"intent {intent}"):
            if isinstance(item, yaml.ScalarNode):
                templates.append(_template(_scalar(item, path, intent), intent, (),
                                           _line(item), path))
                continue
            parts = {k: (v, ln) for k, v, ln in _mapping(item, path, f"an item of {intent}")}
            extra = set(parts) - {"slots", "sentences"}
            if extra or "sentences" not in parts:
                raise DataFileError(path, f"{intent}: an item is either a sentence or "
                                    "{slots: {...}, sentences: [...]}", line=_line(item))
            fixed: tuple[tuple[str, Any], ...] = ()
            if "slots" in parts:
                fixed = tuple((k, _fixed_value(k, v, path, intent))
                              for k, v, _ in _mapping(parts["slots"][0], path, "slots"))
            for sentence in _sequence(parts["sentences"][0], path, f"{intent} sentences"):
                templates.append(_template(_scalar(sentence, path, intent), intent, fixed,
                                           _line(sentence), path))
    missing = [name for name in INTENT_NAMES if name not in seen_intents]
    if missing:
        raise DataFileError(path, f"no sentences for intent(s): {', '.join(missing)}",
                            line=top["intents"][1])

    contexts = []
    for name, node, line in _mapping(top["contexts"][0], path, "contexts"):
        intents = tuple(_scalar(n, path, "an intent").strip()
                        for n in _sequence(node, path, f"context {name}"))
        for i in intents:
            if i not in INTENT_NAMES:
                raise DataFileError(path, f"context {name}: unknown intent {i!r}", line=line)
        contexts.append((name, intents))
    if "command" not in dict(contexts):
        raise DataFileError(path, "contexts must define 'command'", line=top["contexts"][1])

    keywords: list[Keyword] = []
    negations: frozenset[str] = frozenset()
    if "keywords" in top:
        order = {"red_flag_urgent": ("red_flag", (("urgent", True),)),
                 "red_flag": ("red_flag", (("urgent", False),)), "pain": ("pain", ())}
        for name, node, line in _mapping(top["keywords"][0], path, "keywords"):
            if name == "pain_negations":
                negations = frozenset(
                    normalise(_scalar(n, path, "a negation"))
                    for n in _sequence(node, path, "pain_negations"))
                continue
            if name not in order:
                raise DataFileError(path, f"keywords: unknown group {name!r} (known: "
                                    f"{', '.join(order)}, pain_negations)", line=line)
            intent, fixed = order[name]
            for n in _sequence(node, path, f"keywords {name}"):
                text_ = _scalar(n, path, "a keyword")
                try:
                    expr = parse_template(text_, keyword=True)
                except TemplateError as err:
                    raise DataFileError(path, f"keyword {text_!r}: {err}",
                                        line=_line(n)) from None
                for words, _ in expand(expr, {}):
                    keywords.append(Keyword(intent, fixed, tuple(
                        w.replace("'", "") for w in words), _line(n)))
        rank = {"red_flag_urgent": 0, "red_flag": 1, "pain": 2}
        keywords.sort(key=lambda k: rank["pain" if k.intent == "pain" else
                                         "red_flag_urgent" if dict(k.slots).get("urgent")
                                         else "red_flag"])

    prons = []
    if "pronunciations" in top:
        for word, node, line in _mapping(top["pronunciations"][0], path, "pronunciations"):
            phones = _scalar(node, path, f"pronunciation of {word}").split()
            if not _WORD_RE.match(word) or not all(re.fullmatch(r"[A-Z]{1,2}", p)
                                                   for p in phones):
                raise DataFileError(path, f"pronunciations: {word!r} needs ARPAbet phones like"
                                    " 'G L UW T'", line=line)
            prons.append((word, " ".join(phones)))

    return Grammar(path, tuple(templates), tuple(skip), numbers, tuple(contexts),
                   tuple(keywords), negations, tuple(prons))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Grammar:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise DataFileError(path, f"cannot read: {err.strerror or err}") from None
    return parse_grammar_text(text, path)


def load_grammar(path: str | Path = COMMANDS_PATH) -> Grammar:
    """Load and validate commands.yaml. Malformed -> DataFileError(path, problem, line)."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as err:
        raise DataFileError(str(p), f"cannot read: {err.strerror or err}") from None
    return _load_cached(str(p), mtime)


# --------------------------------------------------------------------------------------------
# Slot values from the catalog and the number words.

def default_catalog():
    from voicecoach.core.catalog import load_catalog  # late: the catalog loads its own data file

    return load_catalog()


def exercise_values(catalog) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(spoken words, catalog id) for every name and alias, in a stable order.

    Names are taken as written ("child's pose", apostrophe kept: the recognizer's dictionary
    spells it so) from the exercises, then any other name `Catalog.names()` knows."""
    seen: dict[str, tuple[tuple[str, ...], str]] = {}
    said: list[tuple[str, str]] = []
    for ex in catalog:
        said += [(ex.name, ex.id), *((a, ex.id) for a in ex.aliases),
                 (ex.id.replace("-", " "), ex.id)]
    said += sorted(catalog.names().items())
    for text, ex_id in said:
        words = spoken_words(text)
        if words:
            seen.setdefault(key_of(words), (words, ex_id))
    return tuple(seen.values())


def number_values(grammar: Grammar) -> tuple[tuple[tuple[str, ...], int], ...]:
    return tuple(((w,), i) for i, w in enumerate(grammar.numbers))


def _intent_slots(template: Template, filled: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    slots = dict(template.slots)
    for name, value in filled:
        slots[SLOT_KEY[name]] = value
    return slots


# --------------------------------------------------------------------------------------------
# The phrasebook: every sentence, expanded, keyed for exact matching.

@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # as spoken, apostrophes kept
    intent: str
    slots: tuple[tuple[str, Any], ...]
    line: int

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def to_intent(self, text: str | None = None, confidence: float = 1.0) -> Intent:
        return Intent(self.intent, dict(self.slots), self.text if text is None else text,
                      confidence)


@dataclass(frozen=True)
class SlotPattern:
    """A sentence with its {exercise} left open: matched by prefix and suffix, the middle
    resolved by fuzzy name lookup ("do the brige")."""

    prefix: tuple[str, ...]
    suffix: tuple[str, ...]
    intent: str
    slots: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Phrasebook:
    grammar: Grammar
    phrases: tuple[Phrase, ...]  # every sentence, in source order
    table: Mapping[str, Phrase]  # normalised key -> phrase (digits typed map via key_of)
    patterns: tuple[SlotPattern, ...]  # most specific (longest fixed part) first
    names: Mapping[str, str]  # normalised exercise name -> id
    vocabulary: frozenset[str] = field(default_factory=frozenset)


def build_phrasebook(grammar: Grammar, catalog) -> Phrasebook:
    """Expand every template with the catalog's names and the numbers. Two sentences that read
    the same but mean different things are an error in the phrase source."""
    lists = {"exercise": exercise_values(catalog), "number": number_values(grammar)}
    phrases: list[Phrase] = []
    table: dict[str, Phrase] = {}
    patterns: dict[tuple, SlotPattern] = {}
    for t in grammar.templates:
        for words, filled in expand(t.expr, lists):
            slots = tuple(sorted(_intent_slots(t, filled).items()))
            phrase = Phrase(words, t.intent, slots, t.line)
            key = key_of(words, grammar.numbers)
            old = table.get(key)
            if old is not None:
                if (old.intent, old.slots) != (phrase.intent, phrase.slots):
                    raise DataFileError(
                        grammar.path, f"{key!r} means both {old.intent} {dict(old.slots)} "
                        f"(line {old.line}) and {t.intent} {dict(slots)}", line=t.line)
                continue
            table[key] = phrase
            phrases.append(phrase)
        if "exercise" in slots_in(t.expr):
            for words, filled in expand(t.expr, {"number": lists["number"]}):
                i = words.index("{exercise}")
                pre = tuple(w.replace("'", "") for w in words[:i])
                suf = tuple(w.replace("'", "") for w in words[i + 1:])
                slots = tuple(sorted(_intent_slots(t, filled).items()))
                patterns.setdefault((pre, suf), SlotPattern(pre, suf, t.intent, slots))
    ordered = sorted(patterns.values(), key=lambda p: -(len(p.prefix) + len(p.suffix)))
    names = {key_of(w, grammar.numbers): ex_id for w, ex_id in lists["exercise"]}
    vocab = frozenset(w for k in table for w in k.split())
    return Phrasebook(grammar, tuple(phrases), table, tuple(ordered), names, vocab)


_books: dict[tuple[str, float, int], tuple[Any, Phrasebook]] = {}


def phrasebook(catalog=None, grammar: Grammar | None = None) -> Phrasebook:
    """The cached phrasebook for this grammar and catalog (default: the shipped ones)."""
    grammar = grammar or load_grammar()
    catalog = catalog if catalog is not None else default_catalog()
    key = (grammar.path, id(grammar), id(catalog))
    hit = _books.get(key)
    if hit is None or hit[0] is not catalog:
        # Keep a reference to the catalog so its id cannot be reused while cached.
        hit = (catalog, build_phrasebook(grammar, catalog))
        if len(_books) > 16:
            _books.clear()
        _books[key] = hit
    return hit[1]


# --------------------------------------------------------------------------------------------
# Sentences for tests and help.

def sample_sentences(intent: str | None = None, limit: int | None = None, catalog=None,
                     grammar: Grammar | None = None) -> list[tuple[str, Intent]]:
    """Every sentence the phrase source generates (as words a person would say: numbers as
    words), with the Intent it must parse to. `intent` keeps one intent's sentences; `limit`
    keeps that many spread evenly over the list. Stable order."""
    book = phrasebook(catalog, grammar)
    if intent is not None and intent not in INTENT_NAMES:
        raise UserError(f"unknown intent {intent!r}")
    chosen = [p for p in book.phrases if intent is None or p.intent == intent]
    if limit is not None and 0 <= limit < len(chosen):
        step = len(chosen) / limit if limit else 1
        chosen = [chosen[int(i * step)] for i in range(limit)]
    return [(p.text, p.to_intent()) for p in chosen]


# --------------------------------------------------------------------------------------------
# An English word list, for telling typos from real words.

def dictionary_path() -> Path:
    """The CMU pronouncing dictionary that ships with the pocketsphinx wheel, read here as a
    plain English word list (found on disk; the recognizer itself is not loaded)."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the pocketsphinx package (its English word list) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "model" / "en-us" / "cmudict-en-us.dict"


@functools.lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Words of the en-us dictionary ("word(2)" variants folded)."""
    words = set()
    with open(dictionary_path(), encoding="utf-8", errors="replace") as f:
        for line in f:
            head = line.split(" ", 1)[0]
            words.add(head.split("(", 1)[0])
    return frozenset(words)


def known_words(grammar: Grammar | None = None) -> frozenset[str]:
    grammar = grammar or load_grammar()
    return dictionary_words() | {w for w, _ in grammar.pronunciations}


def grammar_names(grammar: Grammar | None = None) -> tuple[str, ...]:
    """The listening contexts: command, yes_no, number, safety, cause, level."""
    return (grammar or load_grammar()).context_names


def jsgf_phrase_to_intent(text: str, catalog=None, *, partial: bool = False) -> Intent:
    """The intent of a sentence the recognizer decoded with one of our grammars: an exact
    lookup, so a partial hypothesis such as "do the" gives no intent.

    pocketsphinx returns the best partial path when no sentence was finished ("stop the").
    With `partial=True`, words that begin sentences of one meaning only give that intent,
    at confidence 0.5 ("stop the" -> stop, "hold" -> pause; "do the" stays none)."""
    book = phrasebook(catalog)
    key = book.grammar.normalise(text)
    phrase = book.table.get(key)
    if phrase:
        return phrase.to_intent(text)
    if partial and key:
        only = _prefixes(book).get(key)
        if only is not None:
            return only.to_intent(text, 0.5)
    return no_intent(text)


_prefix_cache: dict[int, tuple[Phrasebook, dict[str, Phrase | None]]] = {}


def _prefixes(book: Phrasebook) -> dict[str, Phrase | None]:
    """Every proper prefix of a sentence -> its phrase when all sentences it begins mean the
    same (intent and slots), else None."""
    hit = _prefix_cache.get(id(book))
    if hit is None or hit[0] is not book:
        out: dict[str, Phrase | None] = {}
        for key, phrase in book.table.items():
            words = key.split()
            for n in range(1, len(words)):
                pre = " ".join(words[:n])
                if pre not in out:
                    out[pre] = phrase
                elif out[pre] is not None and (out[pre].intent, out[pre].slots) != (
                        phrase.intent, phrase.slots):
                    out[pre] = None
        hit = (book, out)
        _prefix_cache[id(book)] = hit
    return hit[1]


def closest_word(word: str, vocabulary: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The vocabulary word a typo most likely meant ("pasue" -> "pause"), or None."""
    found = difflib.get_close_matches(word, list(vocabulary), n=1, cutoff=cutoff)
    return found[0] if found else None
