"""Reading recorded sound: where sounds start and stop. Used by tests and the benchmark, which
judge the speaker by what really came out of the sink, not by its own timestamps."""

from __future__ import annotations

import numpy as np

THRESHOLD = 300  # int16 amplitude (about -41 dBFS): above the noise floor, below any speech


def envelope(samples: np.ndarray, rate: int, block_ms: float = 1.0) -> tuple[np.ndarray, int]:
    """Peak amplitude per block; returns (envelope, block length in samples)."""
    block = max(1, int(rate * block_ms / 1000))
    n = len(samples) // block * block
    env = np.abs(samples[:n].astype(np.int32)).reshape(-1, block).max(axis=1)
    return env, block


def onsets(samples: np.ndarray, rate: int, *, threshold: int = THRESHOLD,
           min_silence: float = 0.15) -> list[float]:
    """Sample positions (seconds from the start) where sound begins after at least
    `min_silence` seconds below `threshold`. Exact to the sample: the block found by the
    envelope is searched for its first loud sample."""
    env, block = envelope(samples, rate)
    loud = env >= threshold
    out: list[float] = []
    quiet_run = int(min_silence * 1000)  # blocks are 1 ms
    run = quiet_run  # the recording's start counts as silence
    for i, is_loud in enumerate(loud):
        if is_loud:
            if run >= quiet_run:
                seg = np.abs(samples[i * block:(i + 1) * block].astype(np.int32))
                first = int(np.flatnonzero(seg >= threshold)[0])
                out.append((i * block + first) / rate)
            run = 0
        else:
            run += 1
    return out


def silent_from(samples: np.ndarray, rate: int, start: float, *, threshold: int = THRESHOLD,
                hold: float = 0.1) -> float | None:
    """First time ≥ `start` (seconds) after which the sound stays below `threshold` for `hold`
    seconds: the end of the last loud sample before that quiet stretch. None if it never goes
    quiet."""
    env, block = envelope(samples, rate)
    i0 = max(0, int(start * 1000))
    need = int(hold * 1000)
    run = 0
    for i in range(i0, len(env)):
        if env[i] < threshold:
            run += 1
            if run >= need:
                j = i - run + 1  # first quiet block
                if j <= i0:
                    return start
                # the exact last loud sample in the block before
                seg = np.abs(samples[(j - 1) * block:j * block].astype(np.int32))
                idx = np.flatnonzero(seg >= threshold)
                last = (j - 1) * block + (int(idx[-1]) + 1 if len(idx) else 0)
                return max(start, last / rate)
        else:
            run = 0
    return None
