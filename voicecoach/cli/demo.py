"""`voicecoach demo`: the whole loop, headless.

A private PulseAudio daemon gives us a virtual speaker (a null sink, recorded to a WAV) and a
virtual microphone (a second null sink's monitor). A simulated person - real recordings of real
people - answers the coach through that microphone when the coach's lines call for it; the real
listener hears them, the real recognizer decodes them, the real dialogue acts, and the real
speaker talks into the virtual speaker. Nothing is faked but the person.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from voicecoach.cli.options import open_output
from voicecoach.core.catalog import load_catalog
from voicecoach.session.clock import MonotonicClock
from voicecoach.core.dialogue import Context, Dialogue, default_item
from voicecoach.core.errors import UserError
from voicecoach.core.events import Heard
from voicecoach.core.plan import Plan
from voicecoach.core.prompts import load_default
from voicecoach.session.loop import SessionLoop

VOICE_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
TIME_LIMIT = 300.0  # seconds: a demo that has not ended by then is stopped (and says so)


@dataclass(frozen=True)
class Cue:
    """When the coach has finished a line containing `after`, the person says their `role`
    clip (see VOICES)."""

    after: str
    role: str
    label: str
    once: bool = True


# The simulated person: what they answer, and when. Reprompts get the same answer again.
SCRIPT: tuple[Cue, ...] = (
    Cue("say start", "go", "go", once=False),
    Cue("First, how is your back", "rating", "a pain rating"),  # either wording
    Cue("number from zero to ten", "rating", "a pain rating"),
    Cue("\x00count:two", "chatter2", "chatter during the count-in: must be ignored"),
    Cue("Go.", "chatter", "chatter: must be ignored"),
    Cue("\x00count:three left", "stop", "stop"),  # mid-hold, over the count
    Cue("end the workout", "no", "no", once=False),
    Cue("yes or no", "no", "no", once=False),
    Cue("how is your back now", "final", "a final rating"),
)
ROLES = ("go", "rating", "chatter", "chatter2", "stop", "no", "final")
# The shipped person: role -> recording in VOICE_DIR (README.md there says whose).
VOICES = {"go": "go.wav", "rating": "three.wav", "chatter": "chatter-bird.wav",
          "chatter2": "chatter-bird.wav", "stop": "stop.wav", "no": "no.wav",
          "final": "two.wav"}


def voices_in(folder: Path | None) -> dict[str, Path]:
    """role -> clip: the shipped person, or `<role>.wav` files in `folder` (`--voices`)."""
    if folder is None:
        return {role: VOICE_DIR / name for role, name in VOICES.items()}
    folder = Path(folder)
    found = {role: folder / f"{role}.wav" for role in ROLES if (folder / f"{role}.wav").is_file()}
    if "chatter2" not in found and "chatter" in found:
        found["chatter2"] = found["chatter"]
    missing = [role for role in ROLES if role not in found]
    if missing:
        raise UserError(f"--voices {folder}: missing {', '.join(r + '.wav' for r in missing)}")
    return found


def demo_plan() -> Plan:
    """Two short exercises: a two-sided hold and a few reps, so the demo takes ~2 minutes."""
    catalog = load_catalog()
    stretch = replace(default_item(catalog.get("knee-to-chest")), hold_seconds=8, sets=1,
                      rest_seconds=3)
    bridge = replace(default_item(catalog.get("bridge")), reps=3, tempo_seconds=3.0, sets=1,
                     rest_seconds=0)
    return Plan(items=(stretch, bridge), minutes=3)


class Person(threading.Thread):
    """Watches what the coach has finished saying and answers through the virtual microphone."""

    def __init__(self, loop: SessionLoop, play: Callable[[str], None],
                 say: Callable[[str], None]):
        super().__init__(name="demo-person", daemon=True)
        self.loop = loop
        self.play = play
        self.say = say
        self.done = threading.Event()
        self.used: set[int] = set()
        self.said: list[str] = []

    def _matches(self, cue: Cue, line: dict) -> bool:
        if cue.after.startswith("\x00count:"):
            return line["kind"] == "count" and line["text"] == cue.after.split(":", 1)[1]
        return cue.after.lower() in line["text"].lower()

    def run(self) -> None:
        seen = 0
        while not self.done.is_set():
            lines = self.loop.transcript.lines
            while seen < len(lines):
                line = lines[seen]
                seen += 1
                if line.get("cut"):
                    continue
                for i, cue in enumerate(SCRIPT):
                    if (cue.once and i in self.used) or not self._matches(cue, line):
                        continue
                    self.used.add(i)
                    time.sleep(0.4)  # a person answers a moment after the coach stops
                    self.say(cue.label)
                    self.said.append(cue.label)
                    self.play(cue.role)
                    break
            time.sleep(0.05)


def cli_demo(args) -> int:
    from voicecoach.audio.pulse_env import PulseUnavailable, start_pulse
    from voicecoach.audio.render import write_wav

    # Where the results go is checked before the two minutes of demo, not after.
    out_path = Path(args.out)
    transcript = open_output(args.transcript, "--transcript")
    try:
        voices = voices_in(getattr(args, "voices", None))  # a bad --voices: before the daemon
        try:
            pulse = start_pulse(noise_dbfs=-60)
        except PulseUnavailable as err:
            raise UserError(f"the demo needs a PulseAudio daemon of its own: {err}") from None
        try:
            result = run_demo(pulse, voices, demo_plan(), transcript)
        finally:
            pulse.stop()
        try:
            write_wav(out_path, result.recording.samples, result.recording.rate)
        except OSError as err:  # the folder went away or filled up during the demo
            raise UserError(f"--out {out_path}: cannot write the recording ({err.strerror})") from None
        seconds = len(result.recording.samples) / result.recording.rate
        print(f"\ndemo: {'finished' if result.outcome.finished else 'ended: ' + result.outcome.reason}"
              f" after {result.seconds:.0f} s; the person said {len(result.said)} things; "
              f"the coach's voice ({seconds:.0f} s) is in {out_path}", flush=True)
        return 0
    finally:
        if transcript is not None:
            transcript.close()


@dataclass
class DemoResult:
    outcome: object  # the loop's outcome (finished, reason)
    heard: list[Heard]  # what the coach understood, in order
    rejected: list[str]  # transcripts of speech that gave no command
    said: list[str]  # the person's lines (labels), in order
    recording: object  # the coach's voice (pulse_env.Recording)
    seconds: float


def run_demo(pulse, voices: dict[str, Path], plan: Plan, transcript=None, recognizer=None,
             show: Callable[[str], None] | None = None) -> DemoResult:
    """One session with the simulated person answering from `voices` (role -> clip)."""
    from voicecoach.audio.listener import start_listener
    from voicecoach.audio.speaker import AudioSpeaker

    catalog = load_catalog()
    prompts = load_default()
    # A returning person who did both exercises lately: short instructions, so the whole
    # loop is heard in about two minutes.
    dialogue = Dialogue(Context(plan=plan, catalog=catalog, prompts=prompts,
                                first_session=False, brief_safety=True, only=True,
                                sessions_before=3,
                                recent=frozenset(item.exercise_id for item in plan.items)))
    clock = MonotonicClock(1.0)
    lock = threading.Lock()
    heard_list: list[Heard] = []
    rejected_list: list[str] = []

    def out(text: str) -> None:
        with lock:
            (show or (lambda line: print(line, flush=True)))(text)

    loop = SessionLoop(
        dialogue, clock,
        speaker_factory=lambda s: AudioSpeaker(s.post, clock, prerender=dialogue.prerender()),
        transcript_out=transcript, echo=lambda text: out(f"coach:  {text}"),
    )

    def heard(event: Heard) -> None:
        heard_list.append(event)
        i = event.intent
        slots = " ".join(f"{k}={v}" for k, v in i.slots.items())
        out(f"heard:  {i.text!r} -> {i.name} {slots}".rstrip())
        if transcript is not None:
            transcript.write(json.dumps({"t": round(clock.now(), 3), "heard": i.text,
                                         "intent": i.name, "slots": i.slots,
                                         "confidence": round(i.confidence, 3)}) + "\n")
            transcript.flush()

    loop.on_heard = heard
    recorder = pulse.start_recording()
    listener = start_listener(loop, catalog=catalog, speaker=loop.speaker,
                              recognizer=recognizer)
    if listener is None:
        raise UserError("the demo's virtual microphone could not be opened")
    loop.listener = listener

    def rejected(result) -> None:
        if not result.accepted:
            rejected_list.append(result.text)
            out(f"heard:  {result.text!r} -> no command (rejected)" if result.text else
                "heard:  (speech, no command: rejected)")

    listener.on_result = rejected
    padded = _padded_voices(voices, Path(pulse.root))
    person = Person(loop, lambda role: pulse.play_into_mic(padded[role], wait=False),
                    lambda label: out(f"person: (says {label!r} into the virtual microphone)"))
    person.start()
    timer = threading.Timer(TIME_LIMIT, lambda: loop.post(_timeout_event()))
    timer.daemon = True
    timer.start()
    t0 = time.monotonic()
    try:
        outcome = loop.run()
    finally:
        timer.cancel()
        person.done.set()
        listener.stop()
        recording = recorder.stop()
    return DemoResult(outcome, heard_list, rejected_list, person.said, recording,
                      time.monotonic() - t0)


def _padded_voices(voices: dict[str, Path], folder: Path) -> dict[str, Path]:
    """The person's clips with half a second of quiet room tone in front: a new playback
    stream into the virtual microphone loses its first ~0.1 s, which would clip "st-op"."""
    import numpy as np

    from voicecoach.audio.audio_io import load_16k
    from voicecoach.audio.render import write_wav

    rng = np.random.default_rng(7)
    out = {}
    for role, clip in voices.items():
        samples = load_16k(clip)
        lead = rng.normal(0, 8, 8000).astype(np.int16)
        path = folder / f"person-{role}.wav"
        write_wav(path, np.concatenate([lead, samples]), 16000)
        out[role] = path
    return out


def _timeout_event():
    from voicecoach.core.events import Interrupted

    return Interrupted()
