"""Exercise names in free text: which words name which exercise ("do the brige" -> bridge).

rapidfuzz compares every run of one to five words with every name and alias in the catalog;
the best match above a cutoff wins (exact first, then the closest, then the longest). Short
words must match exactly: "clam" must not be found in "calm".
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from voicecoach.understanding.text import words

MAX_WORDS = 5
# Runs never start or end with these (a name is "plank", not "the plank" or "plank please").
EDGE_WORDS = frozenset("""the a an do to my this that some of for please now next me us
    and or it is be with on in at then again instead just""".split())
MIN_FUZZY_CHARS = 5  # shorter runs must be a name exactly
WORD_RATIO = 75.0  # each word of a misspelt name against the name's word in its place


def cutoff(chars: int) -> float:
    """How close a run must be to a name: stricter for short ones ("brige" 91 ok)."""
    return 90.0 if chars < 8 else 85.0


@dataclass(frozen=True)
class NameIndex:
    keys: tuple[str, ...]  # normalised spoken names, in catalog order
    ids: tuple[str, ...]  # keys[i] names ids[i]
    exact: dict[str, str]
    squashed: dict[str, str]  # names without spaces ("birddog"), for run-together typing
    anagrams: dict[str, str]  # one-word names by their sorted letters ("plnak" -> plank)


@dataclass(frozen=True)
class Found:
    start: int
    end: int  # words[start:end] name the exercise
    exercise: str
    score: float


_cache: dict[int, tuple[object, NameIndex]] = {}


def name_index(catalog) -> NameIndex:
    """The catalog's names and aliases, indexed once per catalog."""
    hit = _cache.get(id(catalog))
    if hit is None or hit[0] is not catalog:
        pairs: dict[str, str] = {}
        for ex in catalog:
            for said in (ex.name, ex.id.replace("-", " "), *ex.aliases):
                pairs.setdefault(" ".join(words(said)), ex.id)
        for said, ex_id in sorted(catalog.names().items()):
            pairs.setdefault(" ".join(words(said)), ex_id)
        pairs.pop("", None)
        index = NameIndex(tuple(pairs), tuple(pairs.values()), dict(pairs),
                          {k.replace(" ", ""): v for k, v in pairs.items()},
                          {"".join(sorted(k)): v for k, v in pairs.items()
                           if " " not in k and len(k) >= 4})
        hit = (catalog, index)
        if len(_cache) > 8:
            _cache.clear()
        _cache[id(catalog)] = hit
    return hit[1]


def _word_by_word(run: list[str], name: str) -> bool:
    """Each word of the run is a slip of the name's word in its place: "hamstrng strech" is
    the hamstring stretch, but "last stretch" is not the cat stretch."""
    said = name.split()
    if len(said) != len(run):
        return len(said) == 1 or len(run) == 1  # "bird dogg" / "birdog": letters decide
    return all(a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= WORD_RATIO)
               for a, b in zip(run, said))


def find_exercise(ws: list[str], index: NameIndex) -> Found | None:
    """The run of words that best names an exercise, or None."""
    best: Found | None = None
    n = len(ws)
    for length in range(min(MAX_WORDS, n), 0, -1):
        for start in range(0, n - length + 1):
            run = ws[start:start + length]
            if run[0] in EDGE_WORDS or run[-1] in EDGE_WORDS:
                continue
            text = " ".join(run)
            ex_id = index.exact.get(text) or index.squashed.get(text.replace(" ", ""))
            if ex_id is None and length == 1 and len(text) >= 4:
                ex_id = index.anagrams.get("".join(sorted(text)))
            if ex_id is not None:
                found = Found(start, start + length, ex_id, 100.0 + 2 * length)
            elif len(text) >= MIN_FUZZY_CHARS:
                hits = process.extract(text, index.keys, scorer=fuzz.ratio, limit=3,
                                       score_cutoff=cutoff(len(text)))
                hit = next((h for h in hits if _word_by_word(run, h[0])), None)
                if hit is None:
                    continue
                found = Found(start, start + length, index.ids[hit[2]], hit[1] + 2 * length)
            else:
                continue
            if best is None or found.score > best.score:
                best = found
    return best
