"""Text → speech samples: pyttsx3 renders to a file, we trim, normalise and cache the result.

Why not let pyttsx3 play: on Linux its espeak driver plays through a blocking `aplay` that
cannot be interrupted, and `runAndWait()` returns before the sound is done (DESIGN.md §2). Its
`save_to_file` is the reliable part, so we only ever render with it and play samples ourselves.

pyttsx3 runs in a small worker *process* (`python -m voicecoach.audio.render --worker`):
  - the espeak driver prints "Audio saved to …" on stdout and keeps sticky per-process state
    (the save-to-file target, one libespeak instance); a process keeps all of that away from us;
  - its `runAndWait()` can return while the file is still being written (the driver ends its
    loop before synthesis finishes), so the worker waits for a *complete* file itself;
  - a hung engine is killed and restarted instead of hanging the coach;
  - synthesis never competes for our GIL with the thread that feeds the sound card.

Rendered audio is trimmed of leading/trailing silence, normalised to one peak level, and cached
as WAV under the user cache dir, keyed by a hash of driver + voice + rate + text.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import queue
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

CACHE_VERSION = "1"  # bump when trimming/normalising changes, so old files are not reused
PEAK = 0.7  # every phrase is normalised to this peak (fraction of full scale): equal loudness,
#             and software volume up to 1/PEAK stays clear of clipping
TRIM_THRESHOLD = 0.02  # of the phrase's peak: quieter samples at either end count as silence
LEAD_MS = 3.0  # kept before the first loud sample (a count's onset is its first loud sample)
TAIL_MS = 40.0  # kept after the last one: the decay of the last phoneme
FADE_MS = 2.0
RENDER_TIMEOUT = 15.0


class RenderError(RuntimeError):
    """The text-to-speech engine failed or is not installed."""


@dataclass(frozen=True)
class Rendered:
    samples: np.ndarray  # int16 mono
    rate: int
    cached: bool = False  # came from the disk cache

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


# ---------------------------------------------------------------- audio files and trimming


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


# ---------------------------------------------------------------- cache


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voicecoach")) / "speech"


def default_driver() -> str:
    return {"win32": "sapi5", "darwin": "nsss"}.get(sys.platform, "espeak")


def cache_key(text: str, voice: str | None, rate: int | None, driver: str | None = None) -> str:
    ident = json.dumps([CACHE_VERSION, driver or default_driver(), voice or "", rate or 0, text],
                       ensure_ascii=False)
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:40]


# ---------------------------------------------------------------- the worker (child process)


def _wait_complete(path: str, timeout: float) -> None:
    """Wait until the engine has finished writing `path`: a WAV whose header matches its size,
    or (AIFF and others) a size that stopped changing."""
    deadline = time.monotonic() + timeout
    last, stable_since = -1, 0.0
    while time.monotonic() < deadline:
        try:
            size = os.path.getsize(path)
        except OSError:
            size = -1
        if size > 12:
            with open(path, "rb") as f:
                head = f.read(64)
            if head[:4] == b"RIFF":
                try:
                    with wave.open(path) as w:
                        want = 44 + w.getnframes() * w.getsampwidth() * w.getnchannels()
                    if w.getnframes() > 0 and size >= want:
                        return
                except (wave.Error, EOFError, struct.error):
                    pass
            elif size == last:
                if time.monotonic() - stable_since > 0.15:
                    return
            else:
                last, stable_since = size, time.monotonic()
        time.sleep(0.003)
    raise RenderError("the speech engine did not finish writing the audio")


def _espeak_idle(timeout: float = 2.0) -> None:
    """Wait until libespeak-ng's command queue is empty (parameters applied, synthesis done)."""
    from pyttsx3.drivers import _espeak

    deadline = time.monotonic() + timeout
    while _espeak.IsPlaying() and time.monotonic() < deadline:
        time.sleep(0.001)


def _worker_main() -> int:
    """Serve render requests on stdin/stdout, one JSON object per line."""
    # Our replies go to the original stdout; anything the engine prints goes to stderr.
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        import pyttsx3

        engine = pyttsx3.init()
    except Exception as err:  # noqa: BLE001 — any failure means "no speech engine"
        out.write(json.dumps({"ok": False, "error": f"cannot start pyttsx3: {err}"}) + "\n")
        return 1
    # Properties go straight to the driver: through the engine they are queued and applied
    # while runAndWait() starts, and with espeak that is where it cancels "what is playing"
    # (its async queue, holding that very property change): the rate change is lost, and the
    # next synthesis is cancelled too. Set directly, then wait for espeak to be idle.
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    set_prop = driver.setProperty if driver is not None else engine.setProperty
    idle = _espeak_idle if type(driver).__module__.endswith(".espeak") else (lambda: None)
    def say(text: str, path: str, timeout: float) -> None:
        engine.save_to_file(text, path)
        engine.runAndWait()  # may return before the file is written: wait for it
        try:
            _wait_complete(path, timeout)
        finally:
            idle()  # the next request must not find this synthesis still running
            if path.endswith(".warm.wav"):
                try:
                    os.unlink(path)
                except OSError:
                    pass

    idle()  # the driver's own start-up settings are queued in espeak too
    default_voice = engine.getProperty("voice")
    default_rate = engine.getProperty("rate")
    out.write(json.dumps({"ok": True, "voice": default_voice, "rate": default_rate,
                          "driver": default_driver()}) + "\n")
    current = {"voice": None, "rate": None}
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "render":
                voice = req.get("voice") or default_voice
                rate = req.get("rate") or default_rate
                path = req["path"]
                timeout = float(req.get("timeout", RENDER_TIMEOUT))
                if current["voice"] != voice:
                    set_prop("voice", voice)
                    current["voice"] = voice
                    # espeak applies a new voice (and its own speed) at the next synthesis,
                    # over any rate set before: spend that synthesis on a throwaway word.
                    idle()
                    say(".", path + ".warm.wav", timeout)
                    current["rate"] = None
                if current["rate"] != rate:
                    set_prop("rate", int(rate))
                    current["rate"] = rate
                idle()
                say(req["text"], path, timeout)
                reply = {"ok": True}
            elif op == "voices":
                reply = {"ok": True, "voices": [
                    {"id": v.id, "name": v.name, "languages": [str(x) for x in v.languages or []],
                     "gender": v.gender} for v in engine.getProperty("voices")]}
            else:
                reply = {"ok": False, "error": f"unknown op {op!r}"}
        except Exception as err:  # noqa: BLE001 — reported to the parent, which decides
            reply = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(reply) + "\n")
    return 0


class _Worker:
    """The parent's handle on one worker process (used from one thread at a time)."""

    def __init__(self, timeout: float = 20.0):
        pkg_parent = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voicecoach.audio.render", "--worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, text=True, encoding="utf-8", bufsize=1)
        self._replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, name="tts-worker-reader", daemon=True).start()
        hello = self._reply(timeout)
        if not hello.get("ok"):
            self.close()
            raise RenderError(hello.get("error", "speech engine failed to start"))
        self.default_voice: str | None = hello.get("voice")
        self.default_rate: int | None = hello.get("rate")

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self._replies.put(json.loads(line))
            except json.JSONDecodeError:
                continue
        self._replies.put(None)

    def _reply(self, timeout: float) -> dict:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise RenderError("the speech engine stopped answering") from None
        if reply is None:
            raise RenderError("the speech engine exited")
        return reply

    def request(self, req: dict, timeout: float) -> dict:
        try:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise RenderError("the speech engine exited") from None
        return self._reply(timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=2.0)


# ---------------------------------------------------------------- the renderer


class Renderer:
    """Renders text to samples, from the disk cache when it can.

    Thread-safe. One background thread owns the worker process; `render()` jumps ahead of
    pre-rendering, so a line needed now never waits behind a list of numbers.
    """

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 cache_dir: str | os.PathLike | None = None, timeout: float = RENDER_TIMEOUT):
        self.voice = voice
        self.rate = rate
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.timeout = timeout
        self.hits = 0
        self.misses = 0
        self._memo: dict[str, Rendered] = {}
        self._memo_lock = threading.Lock()
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = itertools.count()
        self._worker: _Worker | None = None
        self._worker_error: str | None = None
        self._engine_rate: int | None = None
        self._rate_asked = False
        self._closed = False
        self._scratch: tempfile.TemporaryDirectory | None = None  # when the cache is read-only
        self._thread = threading.Thread(target=self._serve, name="tts-render", daemon=True)
        self._thread.start()

    # -- public

    def key(self, text: str, voice: str | None = None, rate: int | None = None) -> str:
        return cache_key(text, voice if voice is not None else self.voice,
                         rate if rate is not None else self.rate)

    def cached(self, text: str, voice: str | None = None, rate: int | None = None) -> Rendered | None:
        """The rendering if it is in memory or on disk, else None (never renders)."""
        key = self.key(text, voice, rate)
        with self._memo_lock:
            hit = self._memo.get(key)
        if hit is not None:
            return hit
        path = self.cache_dir / f"{key}.wav"
        try:
            samples, sr = read_audio(path)
        except (OSError, wave.Error, EOFError, RenderError):
            return None
        r = Rendered(samples, sr, cached=True)
        with self._memo_lock:
            self._memo[key] = r
        return r

    def render(self, text: str, voice: str | None = None, rate: int | None = None,
               *, priority: int = 0) -> Rendered:
        """Samples for `text`; blocks while the engine works. Raises RenderError."""
        return self.submit(text, voice, rate, priority=priority).result()

    def submit(self, text: str, voice: str | None = None, rate: int | None = None,
               *, priority: int = 0) -> Future:
        fut: Future = Future()
        voice = voice if voice is not None else self.voice
        rate = rate if rate is not None else self.rate
        hit = self.cached(text, voice, rate)
        if hit is not None:
            with self._memo_lock:
                self.hits += 1
            fut.set_result(hit)
            return fut
        self._jobs.put((priority, next(self._seq), ("render", text, voice, rate, fut)))
        return fut

    def prerender(self, texts: Iterable[str], voice: str | None = None,
                  rate: int | None = None) -> list[Future]:
        """Queue renderings behind anything urgent; returns at once."""
        return [self.submit(t, voice, rate, priority=10) for t in dict.fromkeys(texts) if t.strip()]

    def default_rate(self) -> int:
        """The engine's default words per minute (starts the engine if needed; blocks)."""
        if self.rate:
            return int(self.rate)
        if self._engine_rate is None:
            fut: Future = Future()
            self._jobs.put((0, next(self._seq), ("info", fut)))
            fut.result(timeout=self.timeout + 20)
        return int(self._engine_rate or 175)

    def engine_rate(self) -> int | None:
        """The engine's default rate if known by now, else None (and it is looked up in the
        background, without blocking, for next time)."""
        if self._engine_rate is None and not self._rate_asked:
            self._rate_asked = True
            self._jobs.put((5, next(self._seq), ("info", Future())))
        return self._engine_rate

    def voices(self) -> list[VoiceInfo]:
        fut: Future = Future()
        self._jobs.put((0, next(self._seq), ("voices", fut)))
        return fut.result(timeout=self.timeout + 20)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def close(self) -> None:
        self._closed = True
        self._jobs.put((-1, next(self._seq), ("quit",)))
        self._thread.join(timeout=3.0)

    # -- the worker thread

    def _ensure_worker(self) -> _Worker:
        if self._worker is not None and self._worker.alive():
            return self._worker
        if self._worker is not None:
            self._worker.close()
        self._worker = None
        try:
            self._worker = _Worker()
        except RenderError as err:
            self._worker_error = str(err)
            raise
        self._engine_rate = self._worker.default_rate
        return self._worker

    def _serve(self) -> None:
        while True:
            _, _, job = self._jobs.get()
            if job[0] == "quit":
                break
            try:
                if job[0] == "render":
                    _, text, voice, rate, fut = job
                    if fut.set_running_or_notify_cancel():
                        try:
                            fut.set_result(self._render_now(text, voice, rate))
                        except Exception as err:  # noqa: BLE001 — handed to the caller
                            fut.set_exception(err)
                elif job[0] == "info":
                    fut = job[1]
                    try:
                        fut.set_result(self._ensure_worker().default_rate)
                    except Exception as err:  # noqa: BLE001
                        fut.set_exception(err)
                elif job[0] == "voices":
                    fut = job[1]
                    try:
                        reply = self._ensure_worker().request({"op": "voices"}, self.timeout)
                        fut.set_result([VoiceInfo(v["id"], v.get("name") or v["id"],
                                                  tuple(v.get("languages") or ()), v.get("gender"))
                                        for v in reply.get("voices", [])])
                    except Exception as err:  # noqa: BLE001
                        fut.set_exception(err)
            except Exception:  # noqa: BLE001 — never let the render thread die
                pass
        if self._worker is not None:
            self._worker.close()
        # Fail whatever is still queued, so nobody waits forever.
        while not self._jobs.empty():
            job = self._jobs.get_nowait()[2]
            if len(job) > 1 and isinstance(job[-1], Future) and not job[-1].done():
                job[-1].set_exception(RenderError("renderer closed"))

    def _render_now(self, text: str, voice: str | None, rate: int | None) -> Rendered:
        hit = self.cached(text, voice, rate)  # rendered meanwhile (duplicates in the queue)
        if hit is not None:
            with self._memo_lock:
                self.hits += 1
            return hit
        with self._memo_lock:
            self.misses += 1
        key = cache_key(text, voice, rate)
        folder = self._writable_folder()
        fd, raw_path = tempfile.mkstemp(prefix=".raw-", suffix=".wav", dir=folder)
        os.close(fd)
        os.unlink(raw_path)  # the engine creates it; its appearing is part of "done"
        last_err = "unknown error"
        try:
            for _attempt in range(2):  # an engine that produced nothing gets one more go
                try:
                    worker = self._ensure_worker()
                    reply = worker.request({"op": "render", "text": text, "voice": voice,
                                            "rate": rate, "path": raw_path,
                                            "timeout": self.timeout}, self.timeout + 5)
                except RenderError as err:
                    last_err = str(err)
                    if self._worker is not None:
                        self._worker.proc.kill()
                    if self._worker_error:  # cannot even start: no point retrying
                        break
                    continue
                if not reply.get("ok"):
                    last_err = reply.get("error", last_err)
                    continue
                samples, sr = read_audio(raw_path)
                samples = trim_and_normalise(samples, sr)
                if len(samples) == 0:
                    last_err = "the speech engine produced no sound"
                    continue
                if folder == self.cache_dir:
                    self._store(key, samples, sr)
                r = Rendered(samples, sr, cached=False)
                with self._memo_lock:
                    self._memo[key] = r
                return r
        finally:
            try:
                os.unlink(raw_path)
            except OSError:
                pass
        raise RenderError(f"could not render {text!r}: {last_err}")

    def _writable_folder(self) -> Path:
        """The cache folder; when it cannot be written (a read-only home), a private temp
        folder: speech still works, it is just not kept for next time."""
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            if os.access(self.cache_dir, os.W_OK):
                return self.cache_dir
        except OSError:
            pass
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="voicecoach-speech-")
        return Path(self._scratch.name)

    def _store(self, key: str, samples: np.ndarray, rate: int) -> None:
        """Atomic: write a temp file in the same directory, then rename over the final name."""
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".wav", dir=self.cache_dir)
        os.close(fd)
        try:
            write_wav(tmp, samples, rate)
            os.replace(tmp, self.cache_dir / f"{key}.wav")
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def list_voices() -> list[VoiceInfo]:
    r = Renderer()
    try:
        return r.voices()
    finally:
        r.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        raise SystemExit(_worker_main())
    print("usage: python -m voicecoach.audio.render --worker", file=sys.stderr)
    raise SystemExit(2)
