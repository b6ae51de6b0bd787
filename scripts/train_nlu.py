#!/usr/bin/env python3
"""Rebuild the command classifier (voicecoach/data/nlu/model.npz) from the data in the repo,
and the expanded copy of the warning-sign lists (data/nlu/safety.json, read at start-up).

Deterministic: the same data gives the same file. Run it after editing data/commands.yaml,
data/nlu/examples.yaml, data/nlu/synonyms.yaml or data/safety.yaml (tests fail until then).
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.understanding import safety  # noqa: E402
from voicecoach.understanding.model import MODEL_PATH  # noqa: E402
from voicecoach.understanding.training import train, training_set  # noqa: E402


def main() -> int:
    t0 = time.perf_counter()
    rows = training_set()
    counts = collections.Counter(label for _, label in rows)
    t1 = time.perf_counter()
    model = train()
    t2 = time.perf_counter()
    data = model.to_bytes()
    MODEL_PATH.write_bytes(data)
    safety.CACHE_PATH.write_text(safety.compiled(), encoding="utf-8")
    print(f"{len(rows)} examples, {len(counts)} labels, {len(model.index)} features; "
          f"examples {t1 - t0:.1f} s, fit {t2 - t1:.1f} s; {MODEL_PATH.name} "
          f"{len(data) / 1024:.0f} KiB, fingerprint {model.fingerprint}")
    for label, n in sorted(counts.items()):
        print(f"  {label:22} {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
