"""The coach's voice inside an assistant: the loop's Speaker, carried out with the assistant's
own speech and sound playback (any `Voice`; the skill's is bus messages).

  - A line goes to the assistant's `speak()` at once. That is a queue with no due times and no
    per-line "done" event, so the speaker keeps its own estimate of the queue: a line starts
    when the one before it ends and lasts `timing.speech_seconds` (as the muted speaker does),
    and SpeechStarted / SpeechDone are posted at those times for the dialogue to pace itself.
  - A count is a pre-rendered WAV (sounds.py) played on our own timer at its due time, with
    `play_audio(instant=True)`, so counts keep the 1 s grid whatever the speech queue holds; its
    SpeechDone comes when the file's real length has played. A line still sounding at a count's
    due time is cut (the dialogue only sends counts that should), and lines said while a count
    is waiting to play follow it, as in the standalone speaker.
  - A count more than `late_ok` late is dropped, not played late; stop() cuts everything.

Times are session seconds (the clock may run faster than real time in tests).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from voicecoach.core import timing
from voicecoach.core.events import SpeechDone, SpeechStarted, Utterance
from voicecoach.integrations.ovos.alarm import Alarm
from voicecoach.integrations.ovos.sounds import CountSounds

LATE_OK = 0.25  # real seconds: a count later than this breaks the rhythm; it is dropped


class Voice(Protocol):
    """What the speaker needs from the assistant."""

    def speak(self, text: str, expect_response: bool = False) -> None: ...
    def play(self, path: str) -> None: ...
    def stop_speech(self) -> None: ...
    def volume(self, up: bool) -> None: ...


@dataclass
class _Line:
    uid: int
    start: float
    end: float  # estimated
    h_start: int
    h_done: int


class AssistantSpeaker:
    def __init__(self, scheduler, clock, voice: Voice, sounds: CountSounds, alarm: Alarm,
                 late_ok: float = LATE_OK):
        self.scheduler = scheduler
        self.clock = clock
        self.voice = voice
        self.sounds = sounds
        self.alarm = alarm
        self.late_ok = late_ok
        self._lock = threading.RLock()
        self._lines: list[_Line] = []  # queued or sounding, by estimate
        self._busy_until = 0.0  # when the assistant's speech queue runs dry, by estimate
        self._counts: dict[int, int] = {}  # utterance id -> alarm handle, not yet played
        self._held: list[Utterance] = []  # lines said while a count waits: they follow it
        self.played: list[tuple[str, float, float]] = []  # (text, due, played) of each count

    # ------------------------------------------------------------------ the loop's Speaker

    def say(self, utt: Utterance) -> None:
        with self._lock:
            now = self.clock.now()
            if utt.kind == "count":
                due = utt.due if utt.due is not None else now
                self._counts[utt.id] = self.alarm.at(self.clock.to_monotonic(due),
                                                     lambda: self._play_count(utt, due))
                return
            if utt.interrupt and self._cut_everything(now):
                self.voice.stop_speech()
            if self._counts:
                self._held.append(utt)
                return
            self._speak(utt, now)

    def stop(self) -> None:
        with self._lock:
            self._cut_everything(self.clock.now())
            self.voice.stop_speech()  # our estimate may be short: silence means silence

    def adjust(self, rate: float = 1.0, volume: float = 1.0) -> None:
        # The assistant's voice has one speed (its TTS settings); the rep tempo changes anyway.
        if volume != 1.0:
            self.voice.volume(up=volume > 1.0)

    def close(self) -> None:
        with self._lock:
            for handle in self._counts.values():
                self.alarm.cancel(handle)
            self._counts.clear()

    # ------------------------------------------------------------------ inside

    def _speak(self, utt: Utterance, now: float) -> None:
        self._lines = [line for line in self._lines if line.end > now]
        start = max(now, self._busy_until)
        end = start + timing.speech_seconds(utt.text)
        self._busy_until = end
        # A question opens the assistant's microphone when it has been said: no wake word needed.
        question = utt.kind == "question" or utt.expects is not None
        self.voice.speak(utt.text, expect_response=question)
        h_start = self.scheduler.post_at(SpeechStarted(utt.id, start), start)
        h_done = self.scheduler.post_at(SpeechDone(utt.id), end)
        self._lines.append(_Line(utt.id, start, end, h_start, h_done))

    def _play_count(self, utt: Utterance, due: float) -> None:
        with self._lock:
            if self._counts.pop(utt.id, None) is None:
                return  # cut before it was due
            now = self.clock.now()
            if self.clock.real_seconds(now - due) > self.late_ok:
                self.scheduler.post(SpeechDone(utt.id, cut=True))
                self._release_held()
                return
            if self._cut_lines(now):
                self.voice.stop_speech()
            clip = self.sounds.clip(utt.text)
            self.voice.play(clip.path)
            self.played.append((utt.text, due, now))
            end = now + clip.seconds  # session seconds, like every line (MutedSpeaker)
            self.scheduler.post(SpeechStarted(utt.id, now))
            self.scheduler.post_at(SpeechDone(utt.id), end)
            if self._held and not self._counts:
                self.alarm.at(self.clock.to_monotonic(end), self._release_held)

    def _release_held(self) -> None:
        with self._lock:
            if self._counts:
                return  # another count came first: they follow that one
            held, self._held = self._held, []
            now = self.clock.now()
            for utt in held:
                self._speak(utt, now)

    def _cut_lines(self, now: float) -> bool:
        """Every line still queued or sounding ends now (cut); True if there was one."""
        cut = False
        for line in self._lines:
            if line.end > now:
                cut = True
                if line.start > now:
                    self.scheduler.cancel(line.h_start)
                self.scheduler.cancel(line.h_done)
                self.scheduler.post(SpeechDone(line.uid, cut=True))
        self._lines = []
        self._busy_until = now
        return cut

    def _cut_everything(self, now: float) -> bool:
        """Counts waiting, lines held and lines queued or sounding: all cut. True if a line
        was still queued or sounding."""
        for uid, handle in self._counts.items():
            self.alarm.cancel(handle)
            self.scheduler.post(SpeechDone(uid, cut=True))
        self._counts.clear()
        for utt in self._held:
            self.scheduler.post(SpeechDone(utt.id, cut=True))
        self._held = []
        return self._cut_lines(now)
