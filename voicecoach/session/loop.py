"""The session loop: one event queue, one dialogue, adapters at the edge.

Everything that happens (a command heard or typed, a timer, speech started or finished, a device
lost) is an event on one queue. The loop takes one event at a time, asks the pure dialogue what to
do, and carries out the actions. Nothing else changes the session's state.
The default speaker is `MutedSpeaker` (session/muted.py): silent, each line takes its time.
"""

from __future__ import annotations

import heapq
import itertools
import json
import queue
import sys
import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol, TextIO

from voicecoach.session.clock import FakeClock
from voicecoach.core.dialogue import Dialogue, State
from voicecoach.core.events import (
    AdjustVoice, Began, CancelTimers, DeviceChanged, End, Event, Heard, InputEnded, Interrupted, Listen, Record,
    Say, SetTimer, SpeechDone, SpeechStarted, StopSpeech, Tick, Utterance,
)
from voicecoach.core.intents import Intent
from voicecoach.session.muted import MutedSpeaker


class Speaker(Protocol):
    """Speaks utterances on the session clock. The contract the dialogue paces itself by:
    every `say` gets exactly one SpeechDone (cut=True when cut or dropped), and one that
    sounds gets SpeechStarted first, with the session time of its first sound. An assistant
    adapter that cannot know may post them from estimates."""

    def say(self, utt: Utterance) -> None: ...
    def stop(self) -> None: ...
    def adjust(self, rate: float = 1.0, volume: float = 1.0) -> None: ...
    def close(self) -> None: ...


class Store(Protocol):
    def record(self, kind: str, data: dict, t: float) -> None: ...
    def end(self, finished: bool, minutes: float) -> None: ...


class Scheduler(Protocol):
    """What adapters get from the loop: post an event now, or at a session time."""

    def post(self, event: Event) -> None: ...
    def post_at(self, event: Event, at: float) -> int: ...
    def cancel(self, handle: int) -> None: ...


# ---------------------------------------------------------------------------- transcript


class Transcript:
    """One JSON line per utterance, written when it ends (so `cut` is known), flushed at once."""

    def __init__(self, out: TextIO | None):
        self.out = out
        self.said: dict[int, tuple[Utterance, float]] = {}
        self.played: dict[int, float] = {}
        self.lines: list[dict] = []

    def said_at(self, utt: Utterance, t: float) -> None:
        self.said[utt.id] = (utt, t)

    def started(self, uid: int, t: float) -> None:
        self.played.setdefault(uid, t)

    def done(self, uid: int, cut: bool) -> None:
        entry = self.said.pop(uid, None)
        if entry is None:
            return
        utt, said = entry
        played = self.played.pop(uid, None)
        line = {
            "t": round(played if played is not None else said, 3),
            "text": utt.text,
            "kind": utt.kind,
            "exercise": utt.exercise,
            "expects": utt.expects,
            "due": round(utt.due if utt.due is not None else said, 3),
            "played": round(played, 3) if played is not None else None,
            "cut": cut,
        }
        self.lines.append(line)
        if self.out is not None:
            self.out.write(json.dumps(line) + "\n")
            self.out.flush()

    def flush_pending(self) -> None:
        for uid in sorted(self.said):
            self.done(uid, cut=True)


# ---------------------------------------------------------------------------- the loop


@dataclass
class Outcome:
    state: State
    finished: bool
    reason: str
    minutes: float
    transcript: list[dict]


class SessionLoop:
    def __init__(
        self,
        dialogue: Dialogue,
        clock,
        *,
        speaker_factory: Callable[[Scheduler], Speaker] | None = None,
        transcript_out: TextIO | None = None,
        store: Store | None = None,
        listener=None,
        echo: Callable[[str], None] | None = None,
        drain_seconds: float = 30.0,
        on_device: Callable[[DeviceChanged], None] | None = None,
    ):
        self.dialogue = dialogue
        self.clock = clock
        self.fake = isinstance(clock, FakeClock)
        self.queue: queue.Queue[Event] = queue.Queue()
        self.timers: dict[str, float] = {}
        self._scheduled: list[tuple[float, int, int, Event]] = []  # (at, seq, handle, event)
        self._cancelled: set[int] = set()
        self._handles = itertools.count(1)
        self._lock = threading.Lock()
        self.transcript = Transcript(transcript_out)
        self.store = store
        self.listener = listener
        self.echo = echo  # shows each line as it begins to sound
        self._echoed: set[int] = set()
        self.drain_seconds = drain_seconds
        self.on_device = on_device
        self.on_heard: Callable[[Heard], None] | None = None  # e.g. the demo shows what was heard
        self.on_state: Callable[[State, float], None] | None = None  # after each step (status)
        self.speaker: Speaker = (speaker_factory or (lambda s: MutedSpeaker(s, clock)))(self)
        self.state = dialogue.initial_state()
        self.ended: End | None = None
        # What the dialogue listens for now (its last `Listen`): typed lines are parsed in it.
        self.listening = "command"

    # -- Scheduler interface for adapters (thread-safe)
    def post(self, event: Event) -> None:
        self.queue.put(event)

    def post_at(self, event: Event, at: float) -> int:
        handle = next(self._handles)
        with self._lock:
            heapq.heappush(self._scheduled, (at, handle, handle, event))
        self.queue.put(_Wake())
        return handle

    def cancel(self, handle: int) -> None:
        with self._lock:
            self._cancelled.add(handle)

    # -- running
    def _next_due(self) -> tuple[float, Event, int | None] | None:
        best: tuple[float, Event, int | None] | None = None
        if self.timers:
            name = min(self.timers, key=lambda n: self.timers[n])
            best = (self.timers[name], Tick(name), None)
        with self._lock:
            while self._scheduled and self._scheduled[0][2] in self._cancelled:
                self._cancelled.discard(heapq.heappop(self._scheduled)[2])
            if self._scheduled and (best is None or self._scheduled[0][0] <= best[0]):
                at, _seq, handle, event = self._scheduled[0]
                best = (at, event, handle)
        return best

    def _pop_due(self, due: tuple[float, Event, int | None]) -> Event:
        at, event, handle = due
        if handle is None:
            assert isinstance(event, Tick)
            self.timers.pop(event.name, None)
        else:
            with self._lock:
                heapq.heappop(self._scheduled)
        return event

    def next_event(self) -> Event | None:
        """The next event: input waiting on the queue, or the earliest timer when it comes due."""
        while True:
            due = self._next_due()
            if self.fake:
                try:
                    event = self.queue.get_nowait()
                except queue.Empty:
                    if due is None:
                        return None
                    self.clock.advance_to(due[0])
                    return self._pop_due(due)
            else:
                now = self.clock.now()
                if due is not None and due[0] <= now:
                    return self._pop_due(due)
                timeout = None if due is None else max(0.0, self.clock.real_seconds(due[0] - now))
                try:
                    event = self.queue.get(timeout=timeout if timeout is not None else 0.5)
                except queue.Empty:
                    continue
            if isinstance(event, _Wake):
                continue
            return event

    def _show_started(self, event: SpeechStarted) -> None:
        """A line begins to sound: the console shows it now, not when it was queued (so a
        question is on screen once it is being asked). Called after the dialogue has taken
        the event, so a person who answers what they see is already heard in the question's
        context."""
        entry = self.transcript.said.get(event.utterance_id)
        if self.echo and entry is not None and event.utterance_id not in self._echoed:
            self._echoed.add(event.utterance_id)
            self.echo(entry[0].text)

    def handle(self, event: Event) -> None:
        now = self.clock.now()
        if isinstance(event, SpeechStarted):
            self.transcript.started(event.utterance_id, event.played)
        elif isinstance(event, SpeechDone):
            self.transcript.done(event.utterance_id, event.cut)
        elif isinstance(event, DeviceChanged) and self.on_device is not None:
            self.on_device(event)
        elif isinstance(event, Heard) and self.on_heard is not None:
            self.on_heard(event)
        self.state, actions = self.dialogue.step(self.state, event, now)
        for action in actions:
            self.perform(action, now)
        if isinstance(event, SpeechStarted):
            self._show_started(event)
        if self.on_state is not None:
            self.on_state(self.state, now)

    def perform(self, action, now: float) -> None:
        if isinstance(action, Say):
            utt = action.utterance
            self.transcript.said_at(utt, now)
            self.speaker.say(utt)
        elif isinstance(action, StopSpeech):
            self.speaker.stop()
        elif isinstance(action, SetTimer):
            self.timers[action.name] = action.at
        elif isinstance(action, CancelTimers):
            if action.names:
                for name in action.names:
                    self.timers.pop(name, None)
            else:
                self.timers.clear()
        elif isinstance(action, Listen):
            self.listening = action.grammar
            if self.listener is not None:
                self.listener.set_grammar(action.grammar)
        elif isinstance(action, AdjustVoice):
            self.speaker.adjust(rate=action.rate, volume=action.volume)
        elif isinstance(action, Record):
            if self.store is not None:
                self.store.record(action.kind, action.data, now)
        elif isinstance(action, End):
            self.ended = action

    def run(self, scripted: Iterable[tuple[float, Event]] = ()) -> Outcome:
        """Run to the end. `scripted` events (session time, event) are for simulations."""
        for at, event in scripted:
            self.post_at(event, at)
        self.handle(Began())
        try:
            while self.ended is None:
                event = self.next_event()
                if event is None:
                    break
                self.handle(event)
            self._drain()
        except KeyboardInterrupt:
            self.speaker.stop()
            if self.ended is None:
                self.handle(Interrupted())
        finally:
            self.transcript.flush_pending()
            ended = self.ended or End(False, "no more events")
            # The workout's own minutes when the dialogue knows them (not the welcome's wait,
            # the first-run questions or time paused), else the whole run.
            minutes = ended.minutes if ended.minutes is not None else self.clock.now() / 60.0
            if self.store is not None:
                self.store.end(ended.finished, minutes)
            self.speaker.close()
        return Outcome(self.state, ended.finished, ended.reason, minutes, self.transcript.lines)

    def _drain(self) -> None:
        """Let the last lines (goodbye, safety advice) finish playing before we close."""
        limit = self.clock.now() + (self.drain_seconds * (self.clock.scale if not self.fake else 1))
        while self.transcript.said:
            if self.fake:
                due = self._next_due()
                if due is None:
                    break
            elif self.clock.now() > limit:
                break
            event = self.next_event()
            if event is None:
                break
            if isinstance(event, SpeechStarted):
                self.transcript.started(event.utterance_id, event.played)
                self._show_started(event)
            elif isinstance(event, SpeechDone):
                self.transcript.done(event.utterance_id, event.cut)


class _Wake:
    """Nudges a waiting loop to look at its schedule again."""


def read_keyboard(loop: SessionLoop, stream: TextIO,
                  parse: Callable[[str, str], Intent]) -> threading.Thread:
    """Typed commands, one per line, parsed in the context the dialogue listens for
    (`parse(text, context)`) and posted; end of input is an event too."""

    def run() -> None:
        try:
            for line in stream:
                text = line.strip()
                if text:
                    loop.post(Heard(parse(text, loop.listening), "text"))
        except (OSError, ValueError):
            pass
        loop.post(InputEnded())

    thread = threading.Thread(target=run, name="keyboard", daemon=True)
    thread.start()
    return thread


def print_line(out: TextIO = sys.stdout) -> Callable[[str], None]:
    def echo(text: str) -> None:
        try:
            out.write(f"coach: {text}\n")
            out.flush()
        except (BrokenPipeError, ValueError):
            pass

    return echo
