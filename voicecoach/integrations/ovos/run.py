"""One workout inside a voice assistant: the very plan, dialogue, loop and history of
`voicecoach workout`, on the wall clock, in a thread of its own.

The assistant's side only hands in what was heard (`hear`, `stop_asked`) and gives us a Voice
(speak, play a file, stop speech) and a keep-alive (the assistant forgets an active skill after
a few minutes without a turn; a 15-minute workout must keep saying it is still there).

Everything that touches the history runs on the session thread: SQLite connections stay in the
thread that opened them.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from voicecoach.core.dialogue import QUESTION_PHASES
from voicecoach.core.events import Heard, Interrupted
from voicecoach.core.intents import Intent
from voicecoach.integrations.ovos.alarm import Alarm
from voicecoach.integrations.ovos.sounds import CountSounds
from voicecoach.integrations.ovos.speaker import AssistantSpeaker, Voice
from voicecoach.session.clock import MonotonicClock
from voicecoach.session.loop import Outcome, SessionLoop

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    minutes: int | None = None  # None: the profile's (it grows week by week)
    cause: str | None = None  # None: the profile's, or the first-run questions ask
    counts: str = "voice"  # or "tick"
    time_scale: float = 1.0  # the session clock runs this much faster (tests, benchmarks)
    keepalive_every: float = 60.0  # real seconds between "still active" messages (the
    #                                 assistant forgets an active skill on its wall clock)
    speech_cache: Path | None = None  # where count sounds are rendered (default: user cache)


class CoachRun:
    def __init__(self, voice: Voice, options: RunOptions, *,
                 keepalive: Callable[[], None] = lambda: None,
                 on_end: Callable[[Outcome | None, Exception | None], None] = lambda o, e: None):
        self.voice = voice
        self.options = options
        self.keepalive = keepalive
        self.on_end = on_end
        self.clock = MonotonicClock(options.time_scale)
        self.alarm = Alarm()
        self.loop: SessionLoop | None = None
        self.speaker: AssistantSpeaker | None = None
        self.sounds: CountSounds | None = None
        self.outcome: Outcome | None = None
        self._ready = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voicecoach-session", daemon=True)
        self._catalog = None
        self._parse = None

    # ------------------------------------------------------------------ the assistant's side

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        """From start() until the session has ended and the assistant was told."""
        return self._thread.is_alive() and not self._done.is_set()

    def wants(self, utterances: list[str]) -> bool:
        """Whether the person's turn is ours: any command the coach understands, and anything
        at all while a question is open (a wrong answer gets the coach's own reprompt)."""
        return self._pick(utterances) is not None

    def hear(self, utterances: list[str]) -> bool:
        """The person's turn (the recognizer's alternatives, best first); False if not ours."""
        intent = self._pick(utterances)
        if intent is None:
            return False
        assert self.loop is not None
        self.loop.post(Heard(intent, "voice"))
        return True

    def start_asked(self) -> None:
        """The start intent again while the workout runs: the coach's own "start"."""
        self.post(Heard(Intent("start", {}, "start")))

    def stop_asked(self) -> None:
        """The assistant's own stop ("stop" never reaches converse): the coach's stop, which
        asks before it ends the workout."""
        self.post(Heard(Intent("stop", {}, "stop")))

    def post(self, event) -> None:
        if self.running and self._ready.wait(2.0) and self.loop is not None:
            self.loop.post(event)

    def interrupt(self, wait: float = 5.0) -> None:
        """End now, keep everything (the assistant is shutting the skill down)."""
        if self.speaker is not None:
            self.speaker.stop()  # nothing left to finish saying
        self.post(Interrupted())
        self._done.wait(wait)

    def asking(self) -> bool:
        phase = str(getattr(self.loop.state, "phase", "")) if self.loop else ""
        return phase in QUESTION_PHASES or phase.startswith("onboarding:")

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    # ------------------------------------------------------------------ the session thread

    def _pick(self, utterances: list[str]) -> Intent | None:
        """The first alternative the coach understands; else the first one if a question is
        open; else None."""
        if not utterances or not self.running or not self._ready.wait(2.0) or self.loop is None:
            return None
        assert self._parse is not None
        intents = [self._parse(text, self._catalog) for text in utterances]
        understood = next((i for i in intents if not i.is_none), None)
        return understood or (intents[0] if self.asking() else None)

    def _run(self) -> None:
        history = sounds = None
        error: Exception | None = None
        try:
            from voicecoach.cli.workout import SessionStore, _prerender, plan_today
            from voicecoach.core.catalog import load_catalog
            from voicecoach.core.prompts import load_default
            from voicecoach.store import history as history_mod
            from voicecoach.store import paths
            from voicecoach.store import profile as profile_mod
            from voicecoach.understanding.parser import parse

            self._catalog, self._parse = load_catalog(), parse
            parse("start", self._catalog)  # builds the phrase tables now, not on the first turn
            prompts = load_default()
            settings = profile_mod.load()
            history = history_mod.History.open()
            store = SessionStore(history)
            args = argparse.Namespace(minutes=self.options.minutes, cause=self.options.cause,
                                      level=None, only=None, text=True, online=False, engine=None)
            dialogue = plan_today(args, self._catalog, prompts, history, store, settings, None)
            sounds = CountSounds(self.options.speech_cache or paths.cache_dir() / "speech",
                                 counts=self.options.counts,
                                 voice=settings.voice if settings else None,
                                 rate=settings.rate if settings else None)
            sounds.prepare(_prerender(dialogue, prompts))  # the counting lines come first
            self.sounds = sounds

            def speaker(scheduler) -> AssistantSpeaker:
                self.speaker = AssistantSpeaker(scheduler, self.clock, self.voice, sounds,
                                                self.alarm)
                return self.speaker

            self.loop = SessionLoop(dialogue, self.clock, speaker_factory=speaker, store=store)
            self._ready.set()
            self._keep_alive()
            self.outcome = self.loop.run()
        except Exception as err:  # noqa: BLE001 — reported to the assistant, which says so
            LOG.exception("voicecoach session failed")
            error = err
        finally:
            self._ready.set()
            self.alarm.close()
            if sounds is not None:
                sounds.close()
            if history is not None:
                history.close()
            try:
                self.on_end(self.outcome, error)
            finally:
                self._done.set()

    def _keep_alive(self) -> None:
        if self._done.is_set() or (self.loop is not None and self.loop.ended is not None):
            return
        self.keepalive()
        self.alarm.at(time.monotonic() + self.options.keepalive_every, self._keep_alive)
