"""Constrained reading: how likely is each expected phrase, given the audio?

Each candidate phrase is written as the model writes text ("Stop.", "Stop", "Let's go.") and
tokenised; all candidates of a listening context go into one prefix tree of tokens, ending in
`</s>`. Scoring teacher-forces the tree through the decoder *one depth at a time*: every open
prefix of a depth is one row of a single batched call that shares the utterance's
cross-attention caches (DESIGN.md §2c: computed once, never copied through the uncached
branch). A phrase's score is the sum of its tokens' log-probabilities, `</s>` included; the
best of its written forms counts.

`beam` keeps only the best open prefixes at each depth: the cost then no longer grows with the
number of phrases, at the risk of losing one whose start the model found unlikely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voicecoach.audio.moonshine.tokenizer import EOS, Tokenizer


def written_forms(phrase: str) -> tuple[str, ...]:
    """How the model may write a spoken phrase: capitalised, with and without a full stop
    (the two share every token but the last, so the second costs one leaf)."""
    words = ["I" + w[1:] if w == "i" or w.startswith("i'") else w for w in phrase.split()]
    text = " ".join(words)
    text = text[:1].upper() + text[1:]
    return (f"{text}.", text)


@dataclass
class PhraseTree:
    """Token prefix tree of written forms; `leaf_phrase[node]` is the phrase index a `</s>`
    node completes."""

    phrases: list[str]
    children: list[dict[int, int]] = field(default_factory=lambda: [{}])
    leaf_phrase: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, phrases: list[str], tokenizer: Tokenizer) -> "PhraseTree":
        tree = cls(list(phrases))
        for index, phrase in enumerate(tree.phrases):
            for form in written_forms(phrase):
                node = 0
                for tok in tokenizer.encode(form) + (EOS,):
                    nxt = tree.children[node].get(tok)
                    if nxt is None:
                        nxt = len(tree.children)
                        tree.children.append({})
                        tree.children[node][tok] = nxt
                    node = nxt
                tree.leaf_phrase.setdefault(node, index)
        return tree

    @property
    def size(self) -> int:
        return len(self.children)


def score_tree(model, enc, tree: PhraseTree, beam: int | None = None) -> tuple[np.ndarray, int]:
    """Best log-probability of each phrase (-inf when the beam dropped it), and how many
    decoder rows were computed."""
    scores = np.full(len(tree.phrases), -np.inf)
    nodes = [0]
    prefix = np.zeros(1)
    logp = enc.first[None, :]
    self_kv = enc.self_kv
    rows = 0
    while nodes:
        nxt_nodes, nxt_score, parent_rows, tokens = [], [], [], []
        for row, node in enumerate(nodes):
            for tok, child in tree.children[node].items():
                s = prefix[row] + float(logp[row, tok])
                if tok == EOS:
                    i = tree.leaf_phrase[child]
                    scores[i] = max(scores[i], s)
                else:
                    nxt_nodes.append(child)
                    nxt_score.append(s)
                    parent_rows.append(row)
                    tokens.append(tok)
        if not nxt_nodes:
            break
        order = np.arange(len(nxt_nodes))
        if beam is not None and len(order) > beam:
            order = np.argsort(nxt_score)[::-1][:beam]
        nodes = [nxt_nodes[i] for i in order]
        prefix = np.array([nxt_score[i] for i in order])
        take = np.array([parent_rows[i] for i in order])
        ids = np.array([[tokens[i]] for i in order])
        kv = [np.ascontiguousarray(k[take]) for k in self_kv]
        out, self_kv = model.step(enc, ids, kv)
        logp = out[:, -1]
        rows += len(nodes)
    return scores, rows
