"""Warning signs in any wording: concepts, not sentences (the lists: data/safety.yaml).

Checked first on every utterance, in every state. A sign is a concept found in the words:
a sensation (numb, pins and needles), a sensation word said of a body part (my toes feel
*dead*), pain that travels (shooting down my leg), weakness of the legs, the legs failing
(gave way, can't walk), or trouble with the bladder, bowels or toilet. A sign counts unless a
negation stands right before it ("no numbness", "I don't feel any tingling") or a resolution
right after it ("the tingling has gone"). Questions count like statements ("is it normal that
my leg feels fuzzy?"). Any sign together with an urgent region (groin, saddle, buttocks,
genitals, inner thighs) or function (bladder, bowel, toilet) is urgent.

Pain ("it hurts", "my back's killing me") is found the same way, after the red flags.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rapidfuzz import fuzz, process

from voicecoach.core.errors import DataFileError
from voicecoach.core.intents import Intent
from voicecoach.understanding.datafile import read_yaml
from voicecoach.understanding.text import clauses, words

_PLAIN = re.compile(r"^[a-z' ]*$")
SAFETY_PATH = Path(__file__).resolve().parents[1] / "data" / "safety.yaml"
CACHE_PATH = SAFETY_PATH.parent / "nlu" / "safety.json"  # the lists expanded (see compiled)

GROUPS = (
    "sensation", "sensation_with_region", "leg_sensation", "nerve_pain", "weakness",
    "function_loss", "body_region", "leg_region", "urgent_region", "urgent_alone",
    "continence_organ", "toilet", "toilet_problem", "pain", "negators", "negation_verbs",
    "hedges", "resolved", "pain_history", "not_signs", "not_typos",
)
# Groups whose words a typo may stand for ("tinglng", "bladdr"): only signs, never regions.
TYPO_GROUPS = ("sensation", "nerve_pain", "weakness", "urgent_alone", "continence_organ",
               "toilet", "pain")
NEGATION_REACH = 4  # words a negation may stand before the sign, small words included
RESOLVED_REACH = 4  # words between a sign and "has gone"
TYPO_MIN_LEN = 5
TYPO_SCORE = 86

CONF_SIGN = 1.0  # safety is never confirmed first (the dialogue acts at once)


@dataclass(frozen=True)
class Group:
    name: str
    phrases: tuple[tuple[str, ...], ...]  # word sequences
    starts: tuple[str, ...]  # word prefixes
    by_first: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[str, ...]]] = {}
        for ph in self.phrases:
            index.setdefault(ph[0], []).append(ph)
        self.by_first.update({w: tuple(v) for w, v in index.items()})

    def find(self, ws: list[str]) -> list[tuple[int, int]]:
        """(start, end) of every match in the words."""
        found = []
        for i, w in enumerate(ws):
            if self.starts and w.startswith(self.starts):
                found.append((i, i + 1))
            for ph in self.by_first.get(w, ()):
                if tuple(ws[i:i + len(ph)]) == ph:
                    found.append((i, i + len(ph)))
        return found


@dataclass(frozen=True)
class Concepts:
    groups: dict[str, Group]
    singles: tuple[str, ...]  # one-word signs, for typo repair
    words: frozenset[str]  # every word the lists use

    def __getitem__(self, name: str) -> Group:
        return self.groups[name]


def expand_groups(data, path: str) -> dict[str, tuple[list[list[str]], list[str]]]:
    """Every group's phrases as word lists (hassil expands the templates) and its starts."""
    from voicecoach.understanding.expand import TemplateError, expand_text  # hassil: slow

    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        raise DataFileError(path, "expected a mapping with 'groups:'")
    raw = data["groups"]
    missing = [g for g in GROUPS if g not in raw]
    unknown = [g for g in raw if g not in GROUPS]
    if missing or unknown:
        raise DataFileError(path, f"groups missing: {', '.join(missing) or '-'}; "
                            f"unknown: {', '.join(unknown) or '-'}")
    out = {}
    for name in GROUPS:
        body = raw[name] or {}
        if not isinstance(body, dict) or not str(body.get("reason") or "").strip():
            raise DataFileError(path, f"group {name}: needs a 'reason' (why these words)")
        phrases: dict[tuple[str, ...], None] = {}
        for template in body.get("phrases") or ():
            try:
                expansions = expand_text(str(template))
            except TemplateError as err:
                raise DataFileError(path, f"group {name}: {err}") from None
            for text, _ in expansions:
                # The lists are plain lower-case words: the quick path of text.words.
                ws = tuple(text.replace("'", "").split()) if _PLAIN.match(text) else tuple(
                    words(text))
                if ws:
                    phrases[ws] = None
        starts = words(" ".join(str(x) for x in body.get("starts") or ()))
        out[name] = ([list(ph) for ph in phrases], starts)
    return out


def concepts_from(groups: dict[str, tuple[list[list[str]], list[str]]]) -> Concepts:
    built = {name: Group(name, tuple(tuple(ph) for ph in phrases), tuple(starts))
             for name, (phrases, starts) in groups.items()}
    vocab = {w for g in built.values() for ph in g.phrases for w in ph}
    vocab.update(w for g in built.values() for w in g.starts)
    singles = sorted({ph[0] for g in TYPO_GROUPS for ph in built[g].phrases
                      if len(ph) == 1 and len(ph[0]) >= TYPO_MIN_LEN - 1}
                     | {x for g in TYPO_GROUPS for x in built[g].starts})
    return Concepts(built, tuple(singles), frozenset(vocab))


def parse_concepts(data, path: str) -> Concepts:
    return concepts_from(expand_groups(data, path))


def source_hash(path: str | Path = SAFETY_PATH) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError as err:
        raise DataFileError(str(path), f"cannot read: {err.strerror or err}") from None


def compiled(path: str | Path = SAFETY_PATH) -> str:
    """The expanded lists as JSON, for CACHE_PATH (written by scripts/train_nlu.py)."""
    groups = expand_groups(read_yaml(path), str(path))
    return json.dumps({"source": source_hash(path), "groups": groups}, separators=(",", ":"))


@functools.lru_cache(maxsize=4)
def load_concepts(path: str | Path = SAFETY_PATH) -> Concepts:
    """The lists, from the expanded copy when it was made from this very file (hassil's
    import and expansion cost ~0.1 s at start-up), else expanded now."""
    if Path(path) == SAFETY_PATH:
        try:
            cache = json.loads(CACHE_PATH.read_text(encoding="utf-8"))
            if cache.get("source") == source_hash(path) and set(cache["groups"]) == set(GROUPS):
                return concepts_from(cache["groups"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return parse_concepts(read_yaml(path), str(path))


# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sign:
    """What the safety layer found: `intent` is red_flag or pain; `urgent` for red flags."""

    intent: str
    urgent: bool = False
    why: str = ""  # the concept that decided, for tests and debugging

    def to_intent(self, text: str) -> Intent:
        slots = {"urgent": self.urgent} if self.intent == "red_flag" else {}
        return Intent(self.intent, slots, text, CONF_SIGN)


def _fix_typos(ws: list[str], c: Concepts, known: frozenset[str]) -> list[str]:
    """"tinglng" -> "tingling": a long unknown word close to a sign's word, same first letter."""
    out = []
    for w in ws:
        if len(w) >= TYPO_MIN_LEN and w not in known and w not in c.words:
            hit = process.extractOne(w, c.singles, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
            if hit is not None and hit[0][0] == w[0]:
                w = hit[0]
        out.append(w)
    return out


def _mask(ws: list[str], c: Concepts) -> list[str]:
    """Words of phrases that only look like signs ("dead bug") replaced by a blank."""
    ws = list(ws)
    for s, e in c["not_signs"].find(ws):
        ws[s:e] = ["_"] * (e - s)
    return ws


class _Utterance:
    """The clauses of one utterance with every group's matches, and the tests on them."""

    def __init__(self, text: str, c: Concepts, known: frozenset[str]):
        self.c = c
        self.cl = [_mask(_fix_typos(ws, c, known), c) for ws in clauses(text)]
        self.hits: dict[str, list[tuple[int, int, int]]] = {
            name: [(ci, s, e) for ci, ws in enumerate(self.cl) for s, e in c[name].find(ws)]
            for name in GROUPS if name not in ("not_signs", "not_typos", "hedges")}
        # A negation is one word ("no", "never"); "no more", "free of" begin with one.
        self._neg = {ph[0] for ph in c["negators"].phrases}
        self._small = {w for ph in c["negation_verbs"].phrases for w in ph}
        self._hedges = {ph[0] for ph in c["hedges"].phrases}

    def negated(self, hit: tuple[int, int, int]) -> bool:
        ci, s, e = hit
        ws = self.cl[ci]
        for j in range(s - 1, max(-1, s - 1 - NEGATION_REACH), -1):
            if ws[j] in self._neg:
                return j + 1 >= len(ws) or ws[j + 1] not in self._hedges
            if ws[j] not in self._small:
                break
        # "the tingling has gone" - but not "has not gone", "hasn't completely gone".
        return any(ci == rci and e <= rs <= e + RESOLVED_REACH
                   and not any(w in self._neg for w in ws[e:rs])
                   for rci, rs, _ in self.hits["resolved"])

    def live(self, group: str) -> list[tuple[int, int, int]]:
        """Matches of a group that no negation or resolution cancels."""
        return [h for h in self.hits[group] if not self.negated(h)]

    def near(self, hit: tuple[int, int, int], *regions: str) -> bool:
        """A region word in the hit's clause or a neighbouring one ("my foot, it's dead")."""
        return any(abs(rci - hit[0]) <= 1 for r in regions for rci, _, _ in self.hits[r])

    def anywhere(self, group: str) -> bool:
        return bool(self.hits[group])


def denied(text: str, concepts: Concepts | None = None,
           known: Iterable[str] = frozenset()) -> bool:
    """Pain or a sign is named but every mention is denied or past ("it doesn't hurt",
    "the tingling has gone"): the classifier must not read it as pain or a red flag."""
    u = _Utterance(text, concepts or load_concepts(), frozenset(known))
    named = [h for g in ("pain", "sensation", "nerve_pain", "function_loss")
             for h in u.hits[g]]
    return bool(named) and all(u.negated(h) for h in named)


def names_the_body(text: str, concepts: Concepts | None = None) -> bool:
    """A body part, the saddle area or the toilet is named: where a sign the lists do not
    know could hide ("my calf feels all wobbly and wrong")."""
    u = _Utterance(text, concepts or load_concepts(), frozenset())
    return any(u.hits[g] for g in ("body_region", "leg_region", "urgent_region", "toilet",
                                   "continence_organ"))


def check(text: str, concepts: Concepts | None = None,
          known: Iterable[str] = frozenset()) -> Sign | None:
    """The warning sign or pain in `text`, or None. `known` are real words that must never be
    read as a typo of a sign's word (the parser passes its vocabulary)."""
    c = concepts or load_concepts()
    u = _Utterance(text, c, frozenset(known))
    urgent_place = u.anywhere("urgent_region")

    if u.live("urgent_alone"):
        return Sign("red_flag", True, "urgent_alone")
    problems = u.live("toilet_problem")
    for hit in u.live("continence_organ"):
        denied = [h for h in u.hits["toilet_problem"] if h[0] == hit[0]]
        if not denied or any(h in problems for h in denied):
            return Sign("red_flag", True, "continence_organ")

    felt: list[str] = []  # the sensation concepts present, in order of strength
    if u.live("sensation"):
        felt.append("sensation")
    if any(u.near(h, "body_region", "leg_region", "urgent_region")
           for h in u.live("sensation_with_region")):
        felt.append("sensation_with_region")
    if any(u.near(h, "leg_region", "urgent_region") for h in u.live("leg_sensation")):
        felt.append("leg_sensation")
    if u.live("nerve_pain"):
        felt.append("nerve_pain")

    if u.hits["toilet"] and (problems or felt):
        return Sign("red_flag", True, "toilet")
    if felt and urgent_place:
        # Pain running from the buttock down the leg is sciatica-like, not saddle numbness.
        only_travel = felt == ["nerve_pain"] and u.anywhere("leg_region")
        return Sign("red_flag", not only_travel, felt[0])
    if felt:
        return Sign("red_flag", False, felt[0])
    if any(u.near(h, "leg_region", "urgent_region") for h in u.live("weakness")):
        return Sign("red_flag", False, "weakness")
    if u.live("function_loss"):
        return Sign("red_flag", False, "function_loss")

    pain = u.live("pain")
    if pain:
        worse = any("worse" in u.cl[ci][s:e] for ci, s, e in pain)
        if worse or not u.anywhere("pain_history"):
            return Sign("pain", False, "pain")
    return None
