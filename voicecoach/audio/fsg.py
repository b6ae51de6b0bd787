"""Finite-state grammars for pocketsphinx: the phrase language made small, plus a garbage path.

Why not hand pocketsphinx the JSGF as it is:
- pocketsphinx compiles JSGF into a graph with many null arcs and duplicate branches (every
  sentence that starts with "stop" starts its own "stop"), and its search cost grows with the
  word arcs that are live at once: the full command grammar decoded in ~160 ms per second of
  speech. The same language as a minimal deterministic graph decodes several times faster.
- JSGF splits probability over alternatives and options (each `[...]` costs half), so long
  phrasings with many options were penalised against short ones for no reason.
- A closed grammar turns any sound into some command. A phone loop in parallel with the
  phrases ("garbage") lets out-of-grammar speech win with its own path; its per-phone cost
  is the rejection threshold (DESIGN.md §2, the numbers are in BENCHMARKS.md).

Everything here is pure text in, text out; pocketsphinx reads the result with `read_fsg`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The en-us model's phones (cmudict ARPAbet without stress); SIL and the fillers stay out so
# that silence is still modelled by the decoder's own silence/filler loops.
PHONES: tuple[str, ...] = tuple(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
    "UH UW V W Y Z ZH".split())
GARBAGE_PREFIX = "ph_"


def phone_word(phone: str) -> str:
    """The dictionary word that stands for one phone in the garbage loop."""
    return GARBAGE_PREFIX + phone.lower()


def is_garbage_word(word: str) -> bool:
    return word.startswith(GARBAGE_PREFIX)


@dataclass(frozen=True)
class Garbage:
    """Costs of the garbage path, in natural-log units of the decoder's score (after the
    language weight). `entry` is paid once, `phone` per phone; larger = harder to reject."""

    entry: float
    phone: float


@dataclass(frozen=True)
class Fsg:
    start: int
    final: int
    n_states: int
    arcs: tuple[tuple[int, int, float, str | None], ...]  # (from, to, prob, word or None)

    def to_text(self, name: str) -> str:
        lines = [f"FSG_BEGIN {name}", f"NUM_STATES {self.n_states}",
                 f"START_STATE {self.start}", f"FINAL_STATE {self.final}"]
        for a, b, p, w in self.arcs:
            lines.append(f"TRANSITION {a} {b} {p:.6g}" + (f" {w}" if w else ""))
        lines.append("FSG_END")
        return "\n".join(lines) + "\n"


def parse_fsg_text(text: str) -> tuple[int, int, list[tuple[int, int, str | None]]]:
    """(start, final, arcs) of pocketsphinx's FSG text format; probabilities are dropped: the
    phrase language is treated as a set of sentences, all equally likely."""
    start = final = -1
    arcs: list[tuple[int, int, str | None]] = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "START_STATE":
            start = int(parts[1])
        elif parts[0] == "FINAL_STATE":
            final = int(parts[1])
        elif parts[0] == "TRANSITION":
            arcs.append((int(parts[1]), int(parts[2]), parts[4] if len(parts) > 4 else None))
    if start < 0 or final < 0:
        raise ValueError("not an FSG: no START_STATE/FINAL_STATE")
    return start, final, arcs


def minimal_dfa(start: int, final: int, arcs: list[tuple[int, int, str | None]]
                ) -> tuple[int, set[int], dict[int, dict[str, int]]]:
    """Determinise (subset construction over null arcs) and minimise an acyclic word graph.

    Returns (start, accepting states, state -> {word: next state}). The phrase grammars have
    no loops (JSGF without * or +), so minimisation is a merge of states with the same
    future, bottom-up."""
    eps: dict[int, list[int]] = {}
    out: dict[int, list[tuple[str, int]]] = {}
    for a, b, w in arcs:
        if w is None:
            eps.setdefault(a, []).append(b)
        else:
            out.setdefault(a, []).append((w, b))

    def closure(states: frozenset[int]) -> frozenset[int]:
        seen = set(states)
        todo = list(states)
        while todo:
            s = todo.pop()
            for t in eps.get(s, ()):
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)

    first = closure(frozenset([start]))
    ids = {first: 0}
    delta: dict[int, dict[str, int]] = {}
    accepting: set[int] = set()
    todo = [first]
    while todo:
        cur = todo.pop()
        i = ids[cur]
        if final in cur:
            accepting.add(i)
        moves: dict[str, set[int]] = {}
        for s in cur:
            for w, t in out.get(s, ()):
                moves.setdefault(w, set()).add(t)
        delta[i] = {}
        for w, targets in moves.items():
            nxt = closure(frozenset(targets))
            if nxt not in ids:
                ids[nxt] = len(ids)
                todo.append(nxt)
            delta[i][w] = ids[nxt]
        if len(ids) > 200_000:
            raise ValueError("grammar too large to determinise")

    # Minimise: a state's class is fixed by (accepting, {word: class of next}); compute in
    # post-order (the graph is acyclic).
    klass: dict[int, int] = {}
    sig_of: dict[tuple, int] = {}

    def visit(root: int) -> int:
        stack = [(root, False)]
        while stack:
            s, ready = stack.pop()
            if s in klass:
                continue
            if not ready:
                stack.append((s, True))
                for t in delta[s].values():
                    if t not in klass:
                        stack.append((t, False))
                continue
            sig = (s in accepting, tuple(sorted((w, klass[t]) for w, t in delta[s].items())))
            klass[s] = sig_of.setdefault(sig, len(sig_of))
        return klass[root]

    visit(0)
    new_delta: dict[int, dict[str, int]] = {}
    new_acc: set[int] = set()
    for s, k in klass.items():
        if k not in new_delta:
            new_delta[k] = {w: klass[t] for w, t in delta[s].items()}
        if s in accepting:
            new_acc.add(k)
    return klass[0], new_acc, new_delta


def build_fsg(parts: list[tuple[str, float]], lw: float, garbage: Garbage | None) -> Fsg:
    """One FSG from several compiled JSGF graphs (pocketsphinx's FSG text), each made minimal
    on its own and entered from the start with its own bonus (natural-log units; > 0 makes
    that part easier to hear, < 0 harder), all ending in one final state; and, if asked, a
    phone-loop garbage path from start to final.

    Arc probabilities are written so that after pocketsphinx multiplies their logs by the
    language weight `lw`, the costs are exactly the given ones."""
    n = 2  # 0 start, 1 final
    out: list[tuple[int, int, float, str | None]] = []
    # pocketsphinx misbehaves on probabilities above 1: shift every entry by the largest
    # bonus (only differences between paths matter).
    top = max([0.0] + [b for _, b in parts])
    for text, bonus in parts:
        bonus -= top
        start, final, arcs = parse_fsg_text(text)
        d_start, accepting, delta = minimal_dfa(start, final, arcs)
        order: dict[int, int] = {}
        for s in [d_start] + sorted(delta):
            if s not in order:
                order[s] = n
                n += 1
        out.append((0, order[d_start], math.exp(bonus / lw), None))
        for s, moves in delta.items():
            for w, t in sorted(moves.items()):
                out.append((order[s], order[t], 1.0, w))
            if s in accepting:
                out.append((order[s], 1, 1.0, None))
    if garbage is not None:
        g_in, g_out = n, n + 1
        n += 2
        out.append((0, g_in, math.exp((-garbage.entry - top) / lw), None))
        p = math.exp(-garbage.phone / lw)
        out.extend((g_in, g_out, p, phone_word(ph)) for ph in PHONES)
        out.append((g_out, g_in, 1.0, None))
        out.append((g_out, 1, 1.0, None))
    return Fsg(0, 1, n, tuple(out))


def split_jsgf(jsgf: str) -> dict[str, str]:
    """{rule name: a JSGF whose public rule is just that alternative} for a grammar whose
    public rule is a plain list of rules (`public <utterance> = <stop> | <pause> ...;`), as
    voicecoach.audio.jsgf.to_jsgf writes it; any other grammar comes back whole under "*"."""
    lines = jsgf.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("public "):
            body = stripped.split("=", 1)[1].strip().rstrip(";")
            names = [a.strip() for a in body.split("|")]
            if not all(a.startswith("<") and a.endswith(">") for a in names):
                break
            head = stripped.split("=", 1)[0]
            return {a[1:-1]: "\n".join(lines[:i] + [f"{head} = {a};"] + lines[i + 1:]) + "\n"
                    for a in names}
    return {"*": jsgf}
