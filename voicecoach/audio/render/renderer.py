"""The renderer: text → trimmed, normalised samples, from the disk cache or the worker process.

`Renderer` owns one background thread, which owns one worker process (`_Worker`, the parent's
end of the pipe to `python -m voicecoach.audio.render.worker`).
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import wave
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from voicecoach.audio.render.cache import cache_key, default_cache_dir
from voicecoach.audio.render.common import RENDER_TIMEOUT, RenderError
from voicecoach.audio.render.samples import read_audio, trim_and_normalise, write_wav


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


class _Worker:
    """The parent's handle on one worker process (used from one thread at a time)."""

    def __init__(self, timeout: float = 20.0):
        pkg_parent = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ)
        env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voicecoach.audio.render.worker"],
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
