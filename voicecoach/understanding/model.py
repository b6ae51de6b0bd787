"""The command classifier at run time: a linear model over the features of features.py.

It is trained by training.py (scikit-learn's logistic regression) and shipped as
data/nlu/model.npz: feature names, weights and class labels, plus a fingerprint of the data it
was trained on. Scoring is a sparse dot product in numpy, so neither scikit-learn nor the
training data are loaded to parse a sentence (scikit-learn alone takes ~1.5 s to import).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from voicecoach.core.errors import DataFileError
from voicecoach.understanding.features import FEATURE_VERSION, features

DATA = Path(__file__).resolve().parents[1] / "data"
MODEL_PATH = DATA / "nlu" / "model.npz"
# The files the model is learnt from: when one changes, the shipped model is stale.
TRAINING_FILES = (DATA / "commands.yaml", DATA / "nlu" / "examples.yaml",
                  DATA / "nlu" / "synonyms.yaml")
TRAINER_VERSION = "1"


def fingerprint(paths: Iterable[Path] = TRAINING_FILES) -> str:
    """A hash of the training files' bytes and the feature and trainer versions."""
    h = hashlib.sha256(f"features {FEATURE_VERSION} trainer {TRAINER_VERSION}\n".encode())
    for p in paths:
        try:
            h.update(Path(p).read_bytes())
        except OSError as err:
            raise DataFileError(str(p), f"cannot read: {err.strerror or err}") from None
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    index: dict[str, int]  # feature -> row of coef
    coef: np.ndarray  # [features, labels] float32
    intercept: np.ndarray  # [labels] float32
    fingerprint: str
    # Every template sentence (exercise and number left open, as features.prepare leaves them)
    # -> its label; and the intents of each listening context. Both from commands.yaml, kept
    # here so parsing needs neither the templates nor hassil's expansion of them.
    exact: dict[str, str] = field(default_factory=dict)
    contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The words of the examples as written (before slips were added): what a typo may mean.
    words: frozenset[str] = frozenset()
    skip_words: tuple[tuple[str, ...], ...] = ()  # fillers around a template sentence

    def template_label(self, tokens: tuple[str, ...]) -> tuple[str | None, bool]:
        """The label of the template sentence the tokens are, and whether fillers at the
        ends had to go first ("um, pause please")."""
        label = self.exact.get(" ".join(tokens))
        if label is not None:
            return label, False
        ws, changed = list(tokens), True
        while ws and changed:
            changed = False
            for s in self.skip_words:
                n = len(s)
                if len(ws) > n and tuple(ws[:n]) == s:
                    ws, changed = ws[n:], True
                elif len(ws) > n and tuple(ws[-n:]) == s:
                    ws, changed = ws[:-n], True
        return (self.exact.get(" ".join(ws)), True) if len(ws) < len(tokens) else (None, False)

    def probabilities(self, tokens: tuple[str, ...]) -> np.ndarray:
        feats = features(tokens)
        rows = [self.index[f] for f in feats if f in self.index]
        z = self.intercept.astype(np.float64)
        if rows:
            weights = np.fromiter((feats[f] for f in feats if f in self.index), np.float64,
                                  len(rows))
            z = z + weights @ self.coef[rows]
        z = np.exp(z - z.max())
        return z / z.sum()

    def ranked(self, tokens: tuple[str, ...]) -> list[tuple[str, float]]:
        p = self.probabilities(tokens)
        order = np.argsort(-p)
        return [(self.labels[i], float(p[i])) for i in order]

    def vocabulary(self) -> frozenset[str]:
        """The words of the training examples as written."""
        return self.words

    def to_bytes(self) -> bytes:
        names = sorted(self.index, key=self.index.get)
        buf = io.BytesIO()
        np.savez_compressed(buf, labels=np.array(self.labels), features=np.array(names),
                            coef=self.coef.astype(np.float16),
                            intercept=self.intercept.astype(np.float32),
                            fingerprint=np.array(self.fingerprint),
                            exact_keys=np.array(list(self.exact) or [""]),
                            exact_labels=np.array(list(self.exact.values()) or [""]),
                            contexts=np.array(json.dumps(self.contexts)),
                            words=np.array(sorted(self.words) or [""]),
                            skip_words=np.array([" ".join(s) for s in self.skip_words] or [""]))
        return buf.getvalue()

    @staticmethod
    def from_bytes(data: bytes, source: str = "model") -> "LinearModel":
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                labels = tuple(str(x) for x in z["labels"])
                names = z["features"].tolist()
                coef = z["coef"].astype(np.float32)
                intercept = z["intercept"].astype(np.float32)
                fp = str(z["fingerprint"])
                exact = dict(zip(z["exact_keys"].tolist(), z["exact_labels"].tolist()))
                contexts = {k: tuple(v) for k, v in json.loads(str(z["contexts"])).items()}
                vocab = frozenset(z["words"].tolist()) - {""}
                skip = tuple(tuple(s.split()) for s in z["skip_words"].tolist() if s)
        except (OSError, KeyError, ValueError) as err:
            raise DataFileError(source, f"not a voicecoach model: {err}") from None
        exact.pop("", None)
        return LinearModel(labels, {n: i for i, n in enumerate(names)}, coef, intercept, fp,
                           exact, contexts, vocab, skip)


def load_model(path: Path = MODEL_PATH) -> LinearModel | None:
    """The shipped model, or None when it is missing or was trained on other data."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    model = LinearModel.from_bytes(data, str(path))
    return model if model.fingerprint == fingerprint() else None
