"""The Catalog: all exercises with lookups by id and by a possibly misheard spoken name
(weighted fuzzy word matching with rapidfuzz)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from voicecoach.core.catalog.types import KINDS, Exercise, normalise_name

# Words people wrap around a name ("the child's pose please") that never tell exercises apart.
_FILLERS = frozenset("the a an um uh er erm please okay ok exercise one my some that this".split())
_ACCEPT = 0.6  # below this, text is not taken to be any exercise
_MARGIN = 0.05  # the best must beat the runner-up by this much, or the text is ambiguous


def _token_sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 3:  # "to" vs "do": too short to judge by spelling
        return 0.0
    # rapidfuzz's normalised Indel ratio, 0 below the cutoff: "brige"/"bridge" 0.91,
    # "need"/"knee" 0.75 (no match).
    return fuzz.ratio(a, b, score_cutoff=80.0) / 100.0


def _spelled_sim(a: str, b: str) -> float:
    """Similarity of two names written without spaces ("birddog"), 0 when below 0.85."""
    return fuzz.ratio(a, b, score_cutoff=85.0) / 100.0


@dataclass(frozen=True)
class Catalog:
    """All exercises, in file order, with lookups by id and by (possibly misheard) name."""

    exercises: tuple[Exercise, ...]
    _names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _by_id: dict[str, Exercise] = field(init=False, repr=False, compare=False)
    _weight: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {e.id: e for e in self.exercises}
        names = dict(self._names)
        for e in self.exercises:  # also when built by hand, without _parse
            for said in (e.name, e.id.replace("-", " "), *e.aliases):
                names.setdefault(normalise_name(said), e.id)
        # A word found in the names of many exercises ("stretch") says little about which one
        # is meant; a word found in one ("hamstring") says a lot.
        holders: dict[str, set[str]] = {}
        for name, ex_id in names.items():
            for token in name.split():
                holders.setdefault(token, set()).add(ex_id)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_weight", {t: 1.0 / len(ids) for t, ids in holders.items()})

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id; KeyError if there is none."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise KeyError(exercise_id) from None

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __len__(self) -> int:
        return len(self.exercises)

    def __iter__(self):
        return iter(self.exercises)

    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.exercises)

    def by_kind(self, kind: str) -> tuple[Exercise, ...]:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        return tuple(e for e in self.exercises if e.kind == kind)

    def names(self) -> dict[str, str]:
        """Every normalised spoken name (name, aliases, id with spaces) -> exercise id."""
        return dict(self._names)

    def find(self, text: str) -> Exercise | None:
        """The exercise a person most likely meant by `text` ("brige", "child", "knees to
        chest"), or None when nothing fits well or two exercises fit equally well."""
        norm = normalise_name(text)
        if norm in self._names:
            return self._by_id[self._names[norm]]
        query = [t for t in norm.split() if t not in _FILLERS]
        if not query:
            return None
        joined = " ".join(query)
        if joined in self._names:
            return self._by_id[self._names[joined]]
        best: dict[str, float] = {}
        for name, ex_id in self._names.items():
            score = self._score(query, name)
            if score > best.get(ex_id, 0.0):
                best[ex_id] = score
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][1] < _ACCEPT:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _MARGIN:
            return None
        return self._by_id[ranked[0][0]]

    def _score(self, query: list[str], name: str) -> float:
        """How well the query words fit one spoken name, 0..1: an F-score of word matches
        (fuzzy spelling allowed), each word weighted by how few exercises use it; or the
        spelling similarity of the two with spaces removed ("birddog"), when that is higher."""
        key = [t for t in name.split() if t not in _FILLERS] or name.split()
        w = self._weight
        q_total = q_hit = 0.0
        for q in query:
            sim, tok = max((_token_sim(q, k), k) for k in key)
            weight = w[tok] if sim else w.get(q, 1.0)  # unknown words count in full
            q_total += weight
            q_hit += sim * weight
        k_total = k_hit = 0.0
        for k in key:
            sim = max(_token_sim(q, k) for q in query)
            k_total += w[k]
            k_hit += sim * w[k]
        precision, recall = q_hit / q_total, k_hit / k_total
        words = 0.0 if not q_hit else 2 * precision * recall / (precision + recall)
        if q_hit < 0.6 and recall < 0.9:
            # Only words shared by several exercises matched ("hip" in "hip bridge" and "hip
            # flexor"), and they are not the whole name: too little to go on.
            words = 0.0
        return max(words, _spelled_sim("".join(query), "".join(key)))
