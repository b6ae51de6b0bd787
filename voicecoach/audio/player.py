"""A sample pump: one PortAudio output stream, kept running, fed 10 ms at a time by a callback.

Why keep the stream running (writing silence when there is nothing to say): opening a stream
costs time (through PulseAudio up to ~0.8 s before the first sample sounds), and a stream that
never stops gives one steady timeline. On that timeline the frame we write next will sound at

    A + frames_written / rate + latency

where A is learnt from when blocking writes return (the earliest returns over the last two
seconds: wake-up delays only ever make a return late) and latency is the stream's output
latency. So the source can place a count on an exact sample, and knows when its first sample
really left. Only ~2 chunks sit in the buffer, so anything cut stops sounding within ~30 ms.

No output device, or one lost mid-session: one notice, then the same timeline is simulated with
the monotonic clock (the source is still called, so speech "plays" silently and its events
still come), and opening is retried every few seconds so sound resumes if the device returns.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import threading
import time
from typing import Callable

import numpy as np

from voicecoach.session.console import notice as _stderr_notice

# fill(n_frames, t_play) -> int16 array of n_frames (or None for silence); t_play is the
# time.monotonic() at which the first of those frames will sound.
Fill = Callable[[int, float], "np.ndarray | None"]

DEFAULT_RATE = 22050  # espeak-ng renders at 22050 Hz; other rates are resampled to this
WINDOW_SECONDS = 2.0




# PortAudio's Pa_Initialize/Pa_Terminate are not thread-safe: the speaker and the listener's
# microphone opening at the same moment aborted the process (assertion in InitializeHostApis,
# seen when a second session started). Every PortAudio set-up and tear-down runs inside
# quiet_stderr(), so it takes this lock (re-entrant: calls nest).
PORTAUDIO_LOCK = threading.RLock()


@contextlib.contextmanager
def quiet_stderr():
    """Send fd 2 to /dev/null for a moment: PortAudio/ALSA/JACK print dozens of harmless lines
    ("ALSA lib …", "jack server is not running") when a device list is built or opened.
    Holds PORTAUDIO_LOCK meanwhile (see there)."""
    with PORTAUDIO_LOCK:
        yield from _quiet_stderr()


def _quiet_stderr():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _AlsaErrors:
    """Route ALSA's error messages into a counter instead of stderr.

    ALSA prints "underrun occurred" and similar on stderr at any time during playback; a user
    should never see those. libasound lets a program install its own error handler."""

    def __init__(self):
        self.underruns = 0  # times the buffer ran dry (we were late), after start-up
        self.xruns = 0  # recoveries ALSA reported after start-up
        self._handler = None
        try:
            import ctypes

            lib = ctypes.CDLL("libasound.so.2")
            proto = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                     ctypes.c_int, ctypes.c_char_p)

            def handler(file, line, func, err, fmt):  # noqa: ARG001 — C signature
                if (func and b"recover" in func) or (fmt and b"underrun" in fmt):
                    self.underruns += 1

            self._handler = proto(handler)  # kept referenced: ALSA holds the pointer
            lib.snd_lib_error_set_handler(self._handler)
        except (OSError, AttributeError):
            pass  # not Linux / no ALSA: nothing to silence


_alsa_errors: _AlsaErrors | None = None


def alsa_errors() -> _AlsaErrors:
    global _alsa_errors
    if _alsa_errors is None:
        _alsa_errors = _AlsaErrors()
    return _alsa_errors


def make_tick(rate: int = DEFAULT_RATE, seconds: float = 0.035, peak: float = 0.6) -> np.ndarray:
    """A short woodblock-like tick: two partials with a fast decay, 1 ms attack (no click)."""
    t = np.arange(int(rate * seconds)) / rate
    tone = np.sin(2 * np.pi * 1500 * t) + 0.5 * np.sin(2 * np.pi * 2600 * t)
    env = np.exp(-t / 0.008) * np.minimum(1.0, t / 0.001)
    x = tone * env
    x *= peak * 32767 / np.abs(x).max()
    return x.astype(np.int16)


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Linear resampling: only needed when an engine renders at another rate (SAPI5, NSSS)."""
    if src_rate == dst_rate or len(samples) == 0:
        return samples
    n = int(round(len(samples) * dst_rate / src_rate))
    x = np.interp(np.arange(n) * (src_rate / dst_rate), np.arange(len(samples)),
                  samples.astype(np.float32))
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


class Player:
    """Feeds an output stream from `fill` on its own thread; see the module docstring."""

    def __init__(self, fill: Fill, *, rate: int = DEFAULT_RATE, chunk_ms: float = 10.0,
                 volume: float = 1.0, notice: Callable[[str], None] = _stderr_notice,
                 on_device: Callable[[bool], None] | None = None, retry_seconds: float = 3.0,
                 device_index: int | None = None):
        self.fill = fill
        self.rate = rate
        self.chunk = max(32, int(round(rate * chunk_ms / 1000)))
        self.volume = volume
        self.notice = notice
        self.on_device = on_device
        self.retry_seconds = retry_seconds
        self.device_index = device_index
        self.latency = 0.0  # stream output latency in seconds (0 while simulated)
        self.has_device: bool | None = None  # None until the first attempt to open
        self.ready = threading.Event()  # set after the first attempt to open the device
        self.underruns = 0  # times the buffer ran dry (we were late), after start-up
        self.xruns = 0  # recoveries ALSA reported after start-up
        self._closed = threading.Event()
        self._pa = None
        self._stream = None
        self._thread = threading.Thread(target=self._run, name="audio-player", daemon=True)

    # ------------------------------------------------------------------ control

    def start(self) -> "Player":
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        self._close_stream()

    # ------------------------------------------------------------------ device

    def _open(self) -> bool:
        try:
            import pyaudio
        except ImportError:
            self._fail_reason = "PyAudio is not installed"
            return False
        alsa_errors()
        try:
            with quiet_stderr():
                self._pa = pyaudio.PyAudio()
                self._stream = self._pa.open(
                    format=pyaudio.paInt16, channels=1, rate=self.rate, output=True,
                    frames_per_buffer=self.chunk, output_device_index=self.device_index)
            # After a blocking write returns the whole buffer is queued ahead of the next frame,
            # so that frame sounds one buffer later. PortAudio's figure leaves out one period;
            # the free space of the fresh, empty stream is the buffer itself.
            reported = float(self._stream.get_output_latency())
            try:
                buffer_frames = int(self._stream.get_write_available())
            except Exception:  # noqa: BLE001
                buffer_frames = 0
            self.latency = max(reported, buffer_frames / self.rate)
            return True
        except Exception as err:  # noqa: BLE001 — any failure means "no device"
            self._fail_reason = str(err) or type(err).__name__
            self._close_stream()
            return False

    def _close_stream(self) -> None:
        stream, pa = self._stream, self._pa
        self._stream = self._pa = None
        with quiet_stderr():
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
            if pa is not None:
                with contextlib.suppress(Exception):
                    pa.terminate()

    def _device_state(self, ok: bool) -> None:
        if ok == self.has_device:
            return
        first = self.has_device is None
        self.has_device = ok
        if ok and not first:
            self.notice("sound output is back")
        elif not ok:
            what = "no sound output" if first else "sound output lost"
            self.notice(f"{what} ({self._fail_reason}); going on without sound, "
                        f"retrying every {self.retry_seconds:g} s")
        if self.on_device and not (first and ok):
            with contextlib.suppress(Exception):
                self.on_device(ok)

    # ------------------------------------------------------------------ the thread

    def _chunk_data(self, t_play: float) -> bytes:
        data = self.fill(self.chunk, t_play)
        if data is None:
            return bytes(2 * self.chunk)
        if self.volume != 1.0:
            data = np.clip(data.astype(np.float32) * self.volume, -32768, 32767).astype(np.int16)
        return np.ascontiguousarray(data, dtype="<i2").tobytes()

    def _run(self) -> None:
        self._fail_reason = "unknown"
        while not self._closed.is_set():
            if self._stream is not None or self._open():
                self._device_state(True)
                self.ready.set()
                sim_from = self._play()
                if not self._closed.is_set():
                    self._device_state(False)  # lost mid-session
            else:
                self._device_state(False)
                self.ready.set()
                sim_from = time.monotonic()
            if self._closed.is_set():
                break
            self._simulate(sim_from)
        self._close_stream()

    def _play(self) -> float:
        """Write chunks until closed or the device fails; returns where the timeline stands."""
        chunk_s = self.chunk / self.rate
        written = 0
        obs: collections.deque = collections.deque()  # (time, now - written/rate)
        base = None
        last_return = time.monotonic()
        end_of_timeline = last_return
        seen_xruns = _alsa_errors.underruns if _alsa_errors else 0
        while not self._closed.is_set():
            if base is None:
                t_play = time.monotonic() + self.latency
            else:
                t_play = base + written / self.rate + self.latency
            data = self._chunk_data(t_play)
            before = time.monotonic()
            try:
                self._stream.write(data, self.chunk)
            except Exception as err:  # noqa: BLE001 — device gone (PortAudio host error)
                self._fail_reason = str(err) or type(err).__name__
                self._close_stream()
                return max(time.monotonic(), end_of_timeline)
            now = time.monotonic()
            written += self.chunk
            end_of_timeline = t_play + chunk_s
            # The buffer ran dry (ALSA says so, or a gap longer than the whole buffer): the
            # timeline moved on by the gap, so forget the old observations.
            # (PortAudio's start through the pulse plugin always reports a burst of them before
            # the timeline is set up: those are not counted.)
            xruns = _alsa_errors.underruns if _alsa_errors else 0
            dry = now - last_return > chunk_s + max(self.latency, chunk_s) + 0.01
            if dry or xruns != seen_xruns:
                if base is not None:
                    self.underruns += dry
                    self.xruns += xruns - seen_xruns
                seen_xruns = xruns
                obs.clear()
            last_return = now
            # Only returns that had to wait for room (the write blocked, or left the buffer
            # full) describe the steady state; the first writes into an empty buffer return at
            # once and would look early.
            waited = now - before > 0.3 * chunk_s or self._write_available() == 0
            stale = now - obs[-1][0] > 1.0 if obs else written > 50 * self.chunk
            if not (waited or stale):
                continue
            obs.append((now, now - written / self.rate))
            while obs and obs[0][0] < now - WINDOW_SECONDS:
                obs.popleft()
            base = min(v for _, v in obs)
        return max(time.monotonic(), end_of_timeline)

    def _write_available(self) -> int:
        try:
            return int(self._stream.get_write_available())
        except Exception:  # noqa: BLE001
            return 0

    def _simulate(self, t_from: float) -> None:
        """No device: keep the timeline going on the monotonic clock, retrying the device."""
        self.latency = 0.0
        t_play = t_from
        next_try = time.monotonic() + self.retry_seconds
        while not self._closed.is_set():
            now = time.monotonic()
            if now >= next_try:
                if self._probe():
                    return
                next_try = time.monotonic() + self.retry_seconds
                now = time.monotonic()
            if t_play < now - 0.2:  # fell behind (a probe took long): jump, do not rush
                t_play = now
            delay = t_play - now
            if delay > 0:
                self._closed.wait(delay)
            self._chunk_data(t_play)
            t_play += self.chunk / self.rate

    def _probe(self) -> bool:
        """Try to open the device again (left open for _run to use)."""
        return self._open()
