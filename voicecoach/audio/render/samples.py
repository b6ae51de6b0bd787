"""Audio samples in and out: read WAV/AIFF, write WAV, trim a phrase's silence and normalise it."""

from __future__ import annotations

import io
import os
import struct
import wave
from pathlib import Path

import numpy as np

from voicecoach.audio.render.common import RenderError

PEAK = 0.7  # every phrase is normalised to this peak (fraction of full scale): equal loudness,
#             and software volume up to 1/PEAK stays clear of clipping
TRIM_THRESHOLD = 0.02  # of the phrase's peak: quieter samples at either end count as silence
LEAD_MS = 3.0  # kept before the first loud sample (a count's onset is its first loud sample)
TAIL_MS = 40.0  # kept after the last one: the decay of the last phoneme
FADE_MS = 2.0


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Samples (int16 mono) and rate of a WAV file, or the AIFF that macOS' NSSS driver writes."""
    data = Path(path).read_bytes()
    if data[:4] == b"FORM":
        return _read_aiff(data)
    with wave.open(io.BytesIO(data)) as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) * 256
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 65536
    else:
        raise RenderError(f"unsupported sample width {width} in {path}")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return x.astype(np.int16), rate


def _read_aiff(data: bytes) -> tuple[np.ndarray, int]:
    kind = data[8:12]
    pos, channels, rate, bits, little, raw = 12, 1, 22050, 16, False, b""
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"COMM":
            channels, _, bits = struct.unpack(">hIh", body[:8])
            exp, mant = struct.unpack(">HQ", body[8:18])  # 80-bit extended float
            rate = int(round(mant * 2.0 ** ((exp & 0x7FFF) - 16383 - 63)))
            if kind == b"AIFC" and len(body) >= 22:
                little = body[18:22] == b"sowt"
        elif cid == b"SSND":
            offset = struct.unpack(">I", body[:4])[0]
            raw = body[8 + offset:]
        pos += 8 + size + (size & 1)
    if bits != 16:
        raise RenderError(f"unsupported AIFF sample size {bits}")
    x = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2" if little else ">i2").astype(np.float32)
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
    return x.astype(np.int16), rate


def write_wav(path: str | os.PathLike, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def trim_and_normalise(samples: np.ndarray, rate: int) -> np.ndarray:
    """Cut silence at both ends, keep a short lead-in and decay, normalise the peak.

    The engines pad every phrase (espeak adds ~0.3 s of end-of-sentence silence): untrimmed, a
    count would start late and "one word" would last nearly a second.
    """
    x = samples.astype(np.float32)
    peak = float(np.abs(x).max()) if len(x) else 0.0
    if peak < 1.0:
        return np.zeros(0, dtype=np.int16)
    loud = np.flatnonzero(np.abs(x) >= TRIM_THRESHOLD * peak)
    start = max(0, loud[0] - int(rate * LEAD_MS / 1000))
    end = min(len(x), loud[-1] + 1 + int(rate * TAIL_MS / 1000))
    x = x[start:end] * (PEAK * 32767.0 / peak)
    fade = min(len(x) // 2, int(rate * FADE_MS / 1000))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)
        x[:fade] *= ramp
        x[-fade:] *= ramp[::-1]
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)
