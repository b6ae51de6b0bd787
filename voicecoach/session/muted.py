"""A speaker that speaks nothing but keeps the time: for muted, typed and time-scaled sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from voicecoach.core import timing
from voicecoach.core.events import SpeechDone, SpeechStarted, Utterance

if TYPE_CHECKING:
    from voicecoach.session.loop import Scheduler


class MutedSpeaker:
    """Speaks nothing: each line 'takes' the time it would take aloud, on the session clock,
    so a muted or time-scaled session keeps the timing of a spoken one."""

    def __init__(self, scheduler: Scheduler, clock,
                 seconds: Callable[[str], float] = timing.speech_seconds):
        """`seconds`: how long a line takes aloud (the estimate; a benchmark may lend it real
        renderings)."""
        self.scheduler = scheduler
        self.clock = clock
        self.seconds = seconds
        self._busy_until = 0.0
        self._pending: list[tuple[int, float, float, int, int]] = []  # (id, start, end, handles)
        self.rate = 1.0

    def say(self, utt: Utterance) -> None:
        now = self.clock.now()
        self._pending = [p for p in self._pending if p[2] > now]
        # A safety line cuts what is being said. A count never cuts a count: when the loop runs
        # late (a fast --time-scale on a busy machine) the next one follows the late one.
        if utt.interrupt and utt.kind != "count":
            self._cut(now)
        start = max(now, utt.due or 0.0, self._busy_until)
        seconds = self.seconds(utt.text) / self.rate
        if utt.kind == "count":
            seconds = min(seconds, 0.6)
        end = start + seconds
        self._busy_until = end
        h1 = self.scheduler.post_at(SpeechStarted(utt.id, start), start)
        h2 = self.scheduler.post_at(SpeechDone(utt.id), end)
        self._pending.append((utt.id, start, end, h1, h2))

    def _cut(self, now: float) -> None:
        for uid, start, end, h1, h2 in self._pending:
            if end > now:
                if start > now:  # not begun yet: it never sounds
                    self.scheduler.cancel(h1)
                self.scheduler.cancel(h2)
                self.scheduler.post(SpeechDone(uid, cut=True))
        self._pending = [p for p in self._pending if p[2] <= now]
        self._busy_until = now

    def stop(self) -> None:
        self._cut(self.clock.now())

    def adjust(self, rate: float = 1.0, volume: float = 1.0) -> None:
        self.rate = min(2.0, max(0.5, self.rate * rate))

    def close(self) -> None:
        pass
