"""The command classifier's model (voicecoach/data/nlu/model.npz): shipped up to date with the
data it is trained from, and trained deterministically (same data, same bytes)."""

from __future__ import annotations

from voicecoach.understanding import model as m
from voicecoach.understanding import training


def test_the_shipped_model_matches_the_training_data():
    loaded = m.load_model()
    assert loaded is not None, (
        "data/nlu/model.npz is missing or stale: run `python scripts/train_nlu.py`")
    assert set(loaded.contexts) >= {"command", "yes_no", "number"}
    assert "do the <exercise>" in loaded.exact and loaded.exact["do the <exercise>"] == "goto"
    assert {"none", "stop", "easier", "red_flag:urgent", "number:0"} <= set(loaded.labels)


def test_training_is_deterministic():
    rows = training.training_set()
    assert rows == training.training_set()
    labels = {label for _, label in rows}
    # A small, label-balanced slice fits in seconds; twice must give the same bytes.
    sample = [r for i, r in enumerate(rows) if i % 40 == 0]
    assert {label for _, label in sample} == labels
    a = training.fit(sample).to_bytes()
    b = training.fit(sample).to_bytes()
    assert a == b
    again = m.LinearModel.from_bytes(a)
    assert again.labels == tuple(sorted(labels)) and again.exact


def test_a_model_trained_on_other_data_is_not_used(tmp_path):
    stale = training.fit([(("stop",), "stop"), (("go",), "start"), (("hello",), "none")])
    path = tmp_path / "model.npz"
    path.write_bytes(m.LinearModel(stale.labels, stale.index, stale.coef, stale.intercept,
                                   "0000").to_bytes())
    assert m.load_model(path) is None
    assert m.load_model(tmp_path / "missing.npz") is None
