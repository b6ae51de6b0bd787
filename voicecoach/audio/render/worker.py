"""The pyttsx3 worker process: renders text to files on request, one JSON object per line.

Run as `python -m voicecoach.audio.render.worker` (the Renderer starts it). Why a process:
  - the espeak driver prints "Audio saved to …" on stdout and keeps sticky per-process state
    (the save-to-file target, one libespeak instance); a process keeps all of that away from us;
  - its `runAndWait()` can return while the file is still being written (the driver ends its
    loop before synthesis finishes), so the worker waits for a *complete* file itself;
  - a hung engine is killed and restarted instead of hanging the coach;
  - synthesis never competes for our GIL with the thread that feeds the sound card.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
import wave

from voicecoach.audio.render.cache import default_driver
from voicecoach.audio.render.common import RENDER_TIMEOUT, RenderError


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



if __name__ == "__main__":
    raise SystemExit(_worker_main())
