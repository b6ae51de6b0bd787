"""`voicecoach doctor`: check every part a session needs, and say how to fix what is wrong.

Each check is a small function returning a Finding (or a list of them); the command prints
them and exits 1 when any part is broken. Nothing here changes the machine, but for creating
voicecoach's own folders and upgrading an old history file, as the next workout would.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from voicecoach.core.errors import UserError
from voicecoach.store import paths
from voicecoach.store import profile as profile_mod
from voicecoach.store.history import History


@dataclass(frozen=True)
class Finding:
    part: str
    ok: bool
    detail: str
    fix: str = ""


def _pyaudio_devices() -> tuple[list[dict], dict | None, dict | None]:
    """All PortAudio devices, and the default output and input (None when there is none)."""
    import pyaudio

    from voicecoach.audio.player import quiet_stderr

    with quiet_stderr():
        pa = pyaudio.PyAudio()
    try:
        devices = [pa.get_device_info_by_index(i) for i in range(pa.get_device_count())]
        try:
            out = pa.get_default_output_device_info()
        except (IOError, OSError):
            out = None
        try:
            inp = pa.get_default_input_device_info()
        except (IOError, OSError):
            inp = None
    finally:
        with quiet_stderr():
            pa.terminate()
    return devices, out, inp


def check_devices() -> list[Finding]:
    try:
        devices, out, inp = _pyaudio_devices()
    except Exception as err:  # PortAudio missing or broken
        return [Finding("audio devices", False, f"PortAudio failed: {err}",
                        "install PortAudio: sudo apt-get install portaudio19-dev libportaudio2, "
                        "then reinstall PyAudio in the venv")]
    n_out = sum(1 for d in devices if d.get("maxOutputChannels", 0) > 0)
    n_in = sum(1 for d in devices if d.get("maxInputChannels", 0) > 0)
    found = [Finding("audio devices", bool(devices),
                     f"{len(devices)} devices ({n_out} can play, {n_in} can record)",
                     "" if devices else "no sound devices: connect speakers and a microphone, or "
                     "start PulseAudio/PipeWire (pactl info)")]
    found.append(Finding(
        "speaker", out is not None,
        f"default output: {out['name']}" if out else "no default output device",
        "" if out else "connect speakers or headphones (Linux: pactl list short sinks); until "
        "then voicecoach prints what it would say"))
    found.append(Finding(
        "microphone", inp is not None,
        f"default input: {inp['name']}" if inp else "no default input device",
        "" if inp else "connect a microphone (Linux: pactl list short sources); until then "
        "type commands with `voicecoach workout --text`"))
    return found


def level_meter(seconds: float, show: Callable[[str], None]) -> Finding:
    """Listen for a few seconds and draw the level: is the microphone hearing anything?"""
    import pyaudio

    from voicecoach.audio.player import quiet_stderr

    rate, chunk = 16000, 1600
    try:
        with quiet_stderr():
            pa = pyaudio.PyAudio()
            stream = pa.open(format=pyaudio.paInt16, channels=1, rate=rate, input=True,
                             frames_per_buffer=chunk)
    except Exception as err:
        return Finding("microphone level", False, f"cannot open the microphone: {err}",
                       "check that no other program holds it, and that it is not muted")
    levels = []
    try:
        end = time.monotonic() + seconds
        show("  speak now: the bar should move when you talk")
        while time.monotonic() < end:
            data = np.frombuffer(stream.read(chunk, exception_on_overflow=False), np.int16)
            rms = math.sqrt(float(np.mean(data.astype(np.float64) ** 2))) if data.size else 0.0
            db = 20 * math.log10(rms / 32768) if rms > 0 else -120.0
            levels.append(db)
            bar = "#" * max(0, int((db + 80) / 2))
            show(f"  {db:6.1f} dBFS |{bar}")
    finally:
        with quiet_stderr():
            stream.close()
            pa.terminate()
    loudest = max(levels) if levels else -120.0
    if loudest <= -90:
        return Finding("microphone level", False, "the microphone delivers silence",
                       "unmute it (Linux: pactl set-source-mute @DEFAULT_SOURCE@ 0) and raise "
                       "its volume (pactl set-source-volume @DEFAULT_SOURCE@ 100%)")
    return Finding("microphone level", True, f"loudest {loudest:.0f} dBFS, quietest "
                   f"{min(levels):.0f} dBFS over {seconds:.0f} s")


def check_speech() -> Finding:
    from voicecoach.audio.render import RenderError, Renderer

    t0 = time.perf_counter()
    renderer = Renderer()
    try:
        rendered = renderer.render("Voice check.")
    except RenderError as err:
        return Finding("speech (pyttsx3)", False, f"speech engine failed: {err}",
                       "install espeak-ng: sudo apt-get install espeak-ng libespeak-ng1 "
                       "(Windows and macOS use the system voice)")
    finally:
        renderer.close()
    ms = (time.perf_counter() - t0) * 1000
    return Finding("speech (pyttsx3)", True, f"rendered a test line ({rendered.seconds:.2f} s of "
                   f"audio) in {ms:.0f} ms{' from the cache' if rendered.cached else ''}")


def check_recognizer() -> Finding:
    """The default offline recognizer: loads, and understands a person saying "stop" (a real
    recording shipped for the demo) over a faint noise floor, as in a real room."""
    from voicecoach.audio.audio_io import load_16k
    from voicecoach.audio.recognizer import SphinxRecognizer
    from voicecoach.cli.demo import VOICE_DIR

    t0 = time.perf_counter()
    try:
        rec = SphinxRecognizer()
    except Exception as err:
        return Finding("recognizer (pocketsphinx)", False, f"could not load: {err}",
                       "reinstall it: .venv/bin/pip install --force-reinstall pocketsphinx==5.1.1")
    load_ms = (time.perf_counter() - t0) * 1000
    samples = load_16k(VOICE_DIR / "stop.wav")
    noise = np.random.default_rng(0).normal(0, 20, samples.size).astype(np.int16)
    result = rec.decode(samples + noise, 16000, "command")
    ok = result.intent.name == "stop"
    return Finding("recognizer (pocketsphinx)", ok,
                   f"loaded in {load_ms:.0f} ms; a recorded 'stop' came back as "
                   f"{result.intent.name!r} in {result.ms:.0f} ms",
                   "" if ok else "the recognizer is installed wrongly: reinstall it "
                   "(.venv/bin/pip install --force-reinstall pocketsphinx==5.1.1)")


def _cannot_write(where: Path) -> str | None:
    """Why `where` cannot be created and written to, or None when it can."""
    try:
        paths.private_dir(where)
        probe = where / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        return err.strerror or str(err)
    return None


def check_storage() -> list[Finding]:
    """The folders for the history, the profile and the speech cache can be written; what is
    saved there reads back (a damaged file is named, with its line when known, and how to
    start afresh)."""
    from voicecoach.audio.render import default_cache_dir

    own = "make it writable, or set VOICECOACH_HOME to a folder you own"
    folders = (("history storage", paths.data_dir(), "", own),
               ("profile storage", paths.config_dir(), "", own),
               ("speech cache", default_cache_dir(), "; speech still works, each line made anew",
                "make it writable, or set XDG_CACHE_HOME to a folder you own"))
    found = []
    for part, where, note, fix in folders:
        why = _cannot_write(where)
        found.append(Finding(part, True, f"{where} is writable (private to you)") if why is None
                     else Finding(part, False, f"cannot write {where} ({why}){note}", fix))
    try:
        settings = profile_mod.load()
        found.append(Finding("profile", True, "saved" if settings else
                             "none yet: the first workout asks a few questions"))
    except UserError as err:
        found.append(Finding("profile", False, str(err), "correct that line, or start again "
                             "with `voicecoach profile --reset`"))
    history = paths.history_path()
    if history.exists():
        try:
            with History.open(history) as h:
                n = len(h.sessions())
            found.append(Finding("history", True, f"{n} session{'s' if n != 1 else ''} saved"))
        except UserError as err:
            found.append(Finding("history", False, str(err), f"move it aside (mv {history} "
                                 f"{history}.broken); the next workout starts a new one"))
    return found


def cli_doctor(args) -> int:
    def show(text: str) -> None:
        print(text, flush=True)

    findings: list[Finding] = []
    show("voicecoach doctor: checking the parts a session needs\n")
    for check in (check_devices,):
        findings += check()
    has_mic = any(f.part == "microphone" and f.ok for f in findings)
    for f in findings:
        _print(f, show)
    if has_mic and getattr(args, "seconds", 0) > 0:
        f = level_meter(float(args.seconds), show)
        findings.append(f)
        _print(f, show)
    for check in (check_speech, check_recognizer, check_storage):
        found = check()
        for f in found if isinstance(found, list) else [found]:
            findings.append(f)
            _print(f, show)
    problems = [f for f in findings if not f.ok]
    show("")
    if problems:
        show(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found; the fixes are above.")
        return 1
    show("All good: run `voicecoach workout`.")
    return 0


def _print(f: Finding, show: Callable[[str], None]) -> None:
    show(f"[{'ok' if f.ok else 'PROBLEM'}] {f.part}: {f.detail}")
    if f.fix:
        show(f"      fix: {f.fix}")
