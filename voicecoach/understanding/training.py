"""Training the command classifier, deterministically, from data in the repository.

The examples: every command template (data/commands.yaml) and every hand-written phrasing
(data/nlu/examples.yaml), each expanded with hassil and then varied the way people type and
talk: a filler in front ("um", "okay so"), a word after ("please", "mate"), a slip of the
finger. A fixed seed and a fixed order make the same data give the same model, byte for byte.

Run `python scripts/train_nlu.py` after changing the data; parse() retrains in memory (slow)
if the shipped model does not match the data, and tests fail until it is rebuilt.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Iterator

import numpy as np

from voicecoach.core.errors import DataFileError
from voicecoach.understanding.datafile import read_yaml
from voicecoach.understanding.expand import TemplateError, expand, expand_text
from voicecoach.understanding.features import EXERCISE, NUMBER, features, prepare
from voicecoach.understanding.model import LinearModel, TRAINING_FILES, fingerprint
from voicecoach.understanding.templates import Templates, load_templates

EXAMPLES_PATH = TRAINING_FILES[1]
SEED = 20261201
PER_TEMPLATE = 40  # at most this many expansions of one template line
VARIANTS = 2  # noisy copies of each example
C = 8.0  # inverse regularisation of the logistic regression
_SENTINEL = "qqexerciseqq"  # stands for {exercise} until the features are made
_NUMBER_SENTINEL = "qqnumberqq"

FILLERS_BEFORE = ("um", "uh", "er", "okay", "ok so", "right", "so", "hey coach", "coach",
                  "erm", "well", "oh", "sorry", "hmm", "alright", "yeah", "actually", "like")
FILLERS_AFTER = ("please", "thanks", "mate", "now", "then", "coach", "ok", "yeah", "thank you",
                 "love", "if you can", "right now", "for me")
NUMBER_FORMS = tuple(f"{w}" for w in ("zero", "one", "two", "three", "four", "five", "six",
                                      "seven", "eight", "nine", "ten")) + tuple(
    str(n) for n in range(11))
# Answers get only fillers that are no answer themselves ("okay" alone is yes); chatter none.
ANSWER_LABELS = frozenset({"yes", "no"})
ANSWER_BEFORE = ("um", "uh", "er", "hmm", "hey coach", "coach", "well", "oh", "erm")
ANSWER_AFTER = ("please", "coach", "thanks", "mate", "thank you")


def template_label(intent: str, slots: dict) -> str:
    if intent == "red_flag":
        return "red_flag:urgent" if slots.get("urgent") else "red_flag"
    if intent in ("cause", "level"):
        return f"{intent}:{slots[intent]}"
    if intent == "number" and "value" in slots:  # "no pain at all": a fixed value
        return f"number:{slots['value']}"
    return intent


def _sample(items: list, k: int, rng: random.Random) -> list:
    return items if len(items) <= k else rng.sample(items, k)


def _number_lists(rng: random.Random) -> dict:
    forms = list(NUMBER_FORMS)
    rng.shuffle(forms)
    return {"number": [(f, 0) for f in forms[:4]]}


def template_examples(templates: Templates, rng: random.Random) -> Iterator[tuple[str, str]]:
    for t in templates.templates:
        fixed = dict(t.slots)
        label = template_label(t.intent, fixed)
        got = list(expand(t.sentence.expression, _number_lists(rng), templates.rules,
                          keep_lists=frozenset({"exercise"})))
        for text, _ in _sample(got, PER_TEMPLATE, rng):
            yield text.replace("{exercise}", _SENTINEL), label


def load_examples(path: Path = EXAMPLES_PATH) -> dict[str, list[str]]:
    table = (read_yaml(path) or {}).get("examples")
    if not isinstance(table, dict):
        raise DataFileError(str(path), "expected 'examples:' with label: [phrasings]")
    return {str(k): [str(x) for x in v or ()] for k, v in table.items()}


def written_examples(path: Path, rng: random.Random) -> Iterator[tuple[str, str]]:
    for label, lines in load_examples(path).items():
        for line in lines:
            try:
                got = expand_text(line, _number_lists(rng), keep_lists=frozenset({"exercise"}))
            except TemplateError as err:
                raise DataFileError(str(path), f"{label}: {err}") from None
            for text, _ in _sample(got, PER_TEMPLATE, rng):
                yield text.replace("{exercise}", _SENTINEL), label


def typo(text: str, rng: random.Random) -> str:
    """One slip in one longer word: a letter dropped, doubled, or two swapped."""
    ws = text.split()
    long = [i for i, w in enumerate(ws) if len(w) >= 4 and w != _SENTINEL]
    if not long:
        return text
    i = rng.choice(long)
    w = ws[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1:]
    elif kind == 1:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
    ws[i] = w
    return " ".join(ws)


def varied(text: str, label: str, rng: random.Random) -> Iterator[str]:
    yield text
    answer = label in ANSWER_LABELS
    before = ANSWER_BEFORE if answer else FILLERS_BEFORE
    after = ANSWER_AFTER if answer else FILLERS_AFTER
    for _ in range(VARIANTS):
        t = text
        roll = rng.random()
        if label != "none" and roll < 0.35:
            t = f"{rng.choice(before)} {t}"
        elif label != "none" and roll < 0.6:
            t = f"{t} {rng.choice(after)}"
        if rng.random() < 0.5:
            t = typo(t, rng)
        if t != text:
            yield t


def training_set(templates: Templates | None = None,
                 examples_path: Path = EXAMPLES_PATH) -> list[tuple[tuple[str, ...], str]]:
    """(tokens, label) for every example and its variants, deduplicated, in a stable order."""
    rows, _ = _training_set(templates, examples_path)
    return rows


def _training_set(templates: Templates | None, examples_path: Path):
    rng = random.Random(SEED)
    templates = templates or load_templates()
    seen: dict[tuple[str, ...], str] = {}
    clean: set[str] = set()
    for source in (template_examples(templates, rng), written_examples(examples_path, rng)):
        for text, label in source:
            clean.update(_tokens(text))
            for t in varied(text, label, rng):
                seen.setdefault(_tokens(t), label)  # the first meaning given wins
    clean -= {EXERCISE, NUMBER}
    return list(seen.items()), frozenset(clean)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(EXERCISE if w == _SENTINEL else NUMBER if w == _NUMBER_SENTINEL else w
                 for w in prepare(text, None).tokens)


def exact_table(templates: Templates) -> dict[str, str]:
    """Every template sentence as the parser will see it -> its label. A key two templates
    give different labels is left out: the classifier decides those."""
    table: dict[str, str] = {}
    clash: set[str] = set()
    open_lists = frozenset({"exercise", "number"})
    for t in templates.templates:
        label = template_label(t.intent, dict(t.slots))
        for text, _ in expand(t.sentence.expression, None, templates.rules,
                              keep_lists=open_lists):
            text = text.replace("{exercise}", _SENTINEL).replace("{number}", _NUMBER_SENTINEL)
            k = " ".join(_tokens(text))
            if table.setdefault(k, label) != label:
                clash.add(k)
    return {k: v for k, v in table.items() if k not in clash}


def fit(rows: list[tuple[tuple[str, ...], str]], templates: Templates | None = None,
        vocabulary: frozenset[str] = frozenset()) -> LinearModel:
    """Logistic regression over the features (scikit-learn, imported only here)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    index: dict[str, int] = {}
    data, cols, ptr = [], [], [0]
    for tokens, _ in rows:
        for f, v in features(tokens).items():
            cols.append(index.setdefault(f, len(index)))
            data.append(v)
        ptr.append(len(cols))
    x = csr_matrix((np.array(data), np.array(cols), np.array(ptr)),
                   shape=(len(rows), len(index)))
    labels = sorted({label for _, label in rows})
    y = np.array([labels.index(label) for _, label in rows])
    clf = LogisticRegression(C=C, max_iter=1000, class_weight="balanced", tol=1e-4)
    clf.fit(x, y)
    coef = clf.coef_.T.astype(np.float32)  # [features, labels]
    # Features whose weights are all tiny only cost memory and load time.
    keep = np.abs(coef).max(axis=1) >= 0.02
    names = [f for f, i in sorted(index.items(), key=lambda kv: kv[1])]
    kept = [n for n, k in zip(names, keep) if k]
    templates = templates or load_templates()
    return LinearModel(tuple(labels), {n: i for i, n in enumerate(kept)}, coef[keep],
                       clf.intercept_.astype(np.float32), fingerprint(),
                       exact_table(templates), dict(templates.contexts), vocabulary,
                       tuple(tuple(_tokens(" ".join(s))) for s in templates.skip_words))


def train(templates: Templates | None = None) -> LinearModel:
    rows, vocabulary = _training_set(templates, EXAMPLES_PATH)
    return fit(rows, templates, vocabulary)
