"""Reading recordings for the recognizer: any WAV/FLAC/AIFF, any rate or channel count, to
16 kHz mono 16-bit samples.

WAV is read with the standard `wave` module (any channel count, 8/16/24/32-bit); AIFF and FLAC
through SpeechRecognition's AudioFile (it carries a FLAC decoder). Resampling is band-limited
(FFT), so 44.1 kHz speech does not alias into the band the recognizer listens to.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from voicecoach.core.errors import UserError

TARGET_RATE = 16000


def resample(samples: np.ndarray, src_rate: int, dst_rate: int = TARGET_RATE) -> np.ndarray:
    """Band-limited resampling of a whole recording (int16 in, int16 out)."""
    if src_rate == dst_rate or len(samples) == 0:
        return np.asarray(samples, dtype=np.int16)
    x = np.asarray(samples, dtype=np.float64)
    n_out = max(1, int(round(len(x) * dst_rate / src_rate)))
    # Pad to an even FFT size with a mirrored tail so the circular FFT has no click.
    spec = np.fft.rfft(x)
    n_bins = n_out // 2 + 1
    if n_bins <= len(spec):
        spec = spec[:n_bins]
    else:
        spec = np.concatenate([spec, np.zeros(n_bins - len(spec), dtype=spec.dtype)])
    y = np.fft.irfft(spec, n_out) * (n_out / len(x))
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def to_mono16(frames: bytes, channels: int, width: int) -> np.ndarray:
    """Interleaved PCM of 1-4 byte samples -> int16 mono (channels averaged)."""
    if width == 1:  # 8-bit WAV is unsigned
        x = (np.frombuffer(frames, np.uint8).astype(np.int32) - 128) << 8
    elif width == 2:
        x = np.frombuffer(frames, "<i2").astype(np.int32)
    elif width == 3:
        b = np.frombuffer(frames, np.uint8)
        b = b[: len(b) // 3 * 3].reshape(-1, 3).astype(np.int32)
        x = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16))
        x = np.where(x & 0x800000, x - 0x1000000, x) >> 8
    elif width == 4:
        x = np.frombuffer(frames, "<i4").astype(np.int64) >> 16
    else:
        raise ValueError(f"unsupported sample width {width}")
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
    return np.clip(x, -32768, 32767).astype(np.int16)


def _read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """PCM (8-32 bit) or float WAV, plain or WAVE_FORMAT_EXTENSIBLE (which Python's `wave`
    refuses; sox writes it for 24-bit or more than two channels)."""
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None or len(fmt) < 16:
        raise ValueError("no fmt or data chunk")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the subformat GUID
    if channels < 1 or rate < 1:
        raise ValueError("bad channel count or rate")
    if tag == 1:
        return to_mono16(payload, channels, bits // 8), rate
    if tag == 3 and bits in (32, 64):
        x = np.frombuffer(payload[: len(payload) // (bits // 8) * (bits // 8)],
                          "<f4" if bits == 32 else "<f8").astype(np.float64)
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
        return np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16), rate
    raise ValueError(f"WAV format {tag} is not PCM")


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """(int16 mono samples, sample rate) of a WAV, AIFF or FLAC file. UserError if unreadable."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{path}: no such file")
    data = p.read_bytes()
    last: Exception | None = None
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            return _read_wav(data)
        except ValueError as err:
            last = err
    try:
        import speech_recognition as sr

        with sr.AudioFile(str(p)) as source:
            audio = sr.Recognizer().record(source)
        raw = audio.get_raw_data(convert_width=2)
        return np.frombuffer(raw, "<i2").copy(), audio.sample_rate
    except Exception as err:  # SpeechRecognition raises ValueError/EOFError/OSError variants
        text = str(last or err).strip()
        why = text.splitlines()[0] if text else type(err).__name__
        raise UserError(f"{path}: cannot read audio ({why}); use WAV, FLAC or AIFF") from None


def load_16k(path: str | Path) -> np.ndarray:
    """A recording as 16 kHz mono int16 samples."""
    samples, rate = read_audio(path)
    return resample(samples, rate, TARGET_RATE)
