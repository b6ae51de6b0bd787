#!/usr/bin/env python3
"""Which endpointer finds the end of a spoken command better in noise: pocketsphinx's
Endpointer (WebRTC-style VAD) or Silero VAD?  Prints a table; `--write` puts it into
BENCHMARKS.md's recognizer section notes (scripts/bench_recognizer.py includes it).

    .venv/bin/python scripts/bench_vad.py [--n 120] [--snr clean 10 6 0]

Each trial is a stream as the microphone delivers it: 1 s of a real noise recording
(../shared/speech/noise), a one-second command clip of a real person mixed into the same
noise at the given SNR (speech power over noise power), 1.5 s more noise. The true end of
speech is where the clean clip's energy last rises within 30 dB of its peak. Both
endpointers run frame by frame, with the same 0.2 s end window as the listener:
- found: a speech segment overlaps the word;
- end error: the segment's end minus the true end (late is positive), median / p95;
- never ended: the segment ran to the end of the stream (noise kept it open);
- false segments: segments that lie entirely in the noise around the word.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voicecoach.audio.audio_io import load_16k  # noqa: E402

WORDS = ("stop", "go", "yes", "no")
LEAD_S, TAIL_S = 1.0, 1.5
WINDOW_S = 0.21  # the listener's end window


def speech_end(clip: np.ndarray) -> float:
    x = clip.astype(np.float64)
    n = len(x) // 160
    e = 10 * np.log10(np.mean(x[: n * 160].reshape(n, 160) ** 2, axis=1) + 1)
    loud = np.flatnonzero(e > e.max() - 30)
    return (loud[-1] + 1) * 0.01 if len(loud) else len(x) / 16000


def make_stream(clip: np.ndarray, noise: np.ndarray, snr, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    total = int((LEAD_S + TAIL_S) * 16000) + len(clip)
    off = rng.integers(0, max(1, len(noise) - total))
    bed = np.resize(noise[off:off + total], total).astype(np.float64)
    x = clip.astype(np.float64)
    speech = x[np.abs(x) > 0.05 * np.abs(x).max()]
    if snr == "clean":
        bed *= 32768 * 10 ** (-60 / 20) / (np.sqrt(np.mean(bed ** 2)) + 1e-9)
    else:
        bed *= np.sqrt(np.mean(speech ** 2) / (np.mean(bed ** 2) + 1e-9) / 10 ** (snr / 10))
    y = bed.copy()
    at = int(LEAD_S * 16000)
    y[at:at + len(x)] += x
    peak = np.abs(y).max()
    if peak > 32767:
        y *= 32767 / peak
    return y.astype(np.int16)


def segments_sphinx(stream: np.ndarray) -> list[tuple[float, float | None]]:
    from pocketsphinx import Endpointer

    ep = Endpointer(window=WINDOW_S, ratio=0.9, vad_mode=2, sample_rate=16000)
    return _segments(ep, stream)


def segments_silero(stream: np.ndarray, vad) -> list[tuple[float, float | None]]:
    from voicecoach.audio.vad import SileroEndpointer

    vad.reset()
    return _segments(SileroEndpointer(window=WINDOW_S, vad=vad), stream)


def _segments(ep, stream: np.ndarray) -> list[tuple[float, float | None]]:
    n = ep.frame_bytes // 2
    out: list[tuple[float, float | None]] = []
    was = False
    start = 0.0
    for i in range(0, len(stream) - n + 1, n):
        ep.process(stream[i:i + n].tobytes())
        t = (i + n) / 16000
        if ep.in_speech and not was:
            start = ep.speech_start
        if was and not ep.in_speech:
            out.append((start, t))
        was = ep.in_speech
    if was:
        out.append((start, None))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speech", type=Path, default=Path("/work/shared/speech"))
    ap.add_argument("--n", type=int, default=120, help="clips (spread over the command words)")
    ap.add_argument("--snr", nargs="+", default=["clean", "10", "6", "0"])
    args = ap.parse_args(argv)
    from voicecoach.audio.vad import SileroVad

    vad = SileroVad()
    noises = [load_16k(p) for p in sorted((args.speech / "noise").glob("*.wav"))]
    clips = [p for w in WORDS for p in sorted((args.speech / "words" / w).glob("*.wav"))]
    clips = clips[:: max(1, len(clips) // args.n)][: args.n]
    print("| endpointer | SNR | found | end error ms (median / p95) | never ended | "
          "false segments |")
    print("|---|---|---|---|---|---|")
    for snr_text in args.snr:
        snr = snr_text if snr_text == "clean" else float(snr_text)
        stats = {"pocketsphinx Endpointer": [], "Silero VAD": []}
        for k, path in enumerate(clips):
            clip = load_16k(path)
            seed = zlib.crc32(f"{path.name}|{snr_text}".encode())
            noise = noises[seed % len(noises)]
            stream = make_stream(clip, noise, snr, seed)
            t0, t1 = LEAD_S, LEAD_S + speech_end(clip)
            for name, segs in (("pocketsphinx Endpointer", segments_sphinx(stream)),
                               ("Silero VAD", segments_silero(stream, vad))):
                hit = [s for s in segs if s[0] < t1 and (s[1] is None or s[1] > t0)]
                false = len(segs) - len(hit)
                end = hit[-1][1] if hit else None
                stats[name].append((bool(hit), end, t1, false))
        for name, rows in stats.items():
            found = sum(r[0] for r in rows)
            ended = [(r[1] - r[2]) * 1000 for r in rows if r[0] and r[1] is not None]
            never = sum(1 for r in rows if r[0] and r[1] is None)
            false = sum(r[3] for r in rows)
            err = (f"{statistics.median(ended):.0f} / {np.percentile(ended, 95):.0f}"
                   if ended else "—")
            print(f"| {name} | {snr_text} | {found}/{len(rows)} | {err} | {never} | {false} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
