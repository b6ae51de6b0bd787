"""One step of the dialogue in the making: the state replaced field by field, the actions
collected, and the small vocabulary every part speaks in (say, count, cut, timer, record)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from voicecoach.core import timing
from voicecoach.core.catalog import Exercise
from voicecoach.core.events import (
    Action, CancelTimers, Listen, Record, Say, SetTimer, StopSpeech, Utterance,
)
from voicecoach.core.plan import PlanItem
from voicecoach.core.dialogue.state import STEP, Context, State


class Turn:
    """Collects the actions of one step while the state is replaced field by field."""

    def __init__(self, ctx: Context, state: State, now: float):
        self.ctx = ctx
        self.s = state
        self.now = now
        self.actions: list[Action] = []
        self._lines: list[tuple[str, str, str | None]] = []

    # -- state
    def set(self, **changes: Any) -> None:
        self.s = replace(self.s, **changes)

    # -- speech
    def text(self, key: str, **data: Any) -> str:
        text = self.ctx.prompts.render(key, turn=self.s.turn, **data)
        self.s = replace(self.s, turn=self.s.turn + 1)
        return text

    def say_text(self, text: str, kind: str = "info", *, expects: str | None = None,
                 due: float | None = None, interrupt: bool = False, remember: bool = True) -> int:
        uid = self.s.next_id
        self.s = replace(self.s, next_id=uid + 1)
        ex = self.exercise_id() if self.s.phase not in ("welcome", "pain_before", "pain_after", "finished") else None
        self.actions.append(Say(Utterance(uid, text, kind, ex, expects, due, interrupt)))  # type: ignore[arg-type]
        if remember and kind != "count":
            self._lines.append((text, kind, expects))
        return uid

    def say(self, key: str, kind: str = "info", **kw: Any) -> int:
        opts = {k: kw.pop(k) for k in ("expects", "due", "interrupt", "remember") if k in kw}
        return self.say_text(self.text(key, **kw), kind, **opts)

    def count(self, key: str, due: float, **data: Any) -> None:
        self.say_text(self.text(key, **data), "count", due=due, interrupt=True)

    def cut(self) -> None:
        """Silence now and forget every timer: the start of any change of course."""
        self.actions.append(StopSpeech())
        self.actions.append(CancelTimers())
        self.set(awaiting=None, overlay=None)

    def timer(self, name: str, at: float) -> None:
        self.actions.append(SetTimer(name, at))

    def cancel(self, *names: str) -> None:
        self.actions.append(CancelTimers(tuple(names)))

    def listen(self, grammar: str) -> None:
        self.actions.append(Listen(grammar))

    def record(self, kind: str, **data: Any) -> None:
        self.actions.append(Record(kind, {"t": round(self.now, 2), **data}))

    def wait_for(self, uid: int, spoken: str = "") -> None:
        """Move on when utterance `uid` ends (or, should that never be reported, a bit later)."""
        self.set(awaiting=uid)
        self.timer(STEP, self.now + timing.speech_seconds(spoken) + 30.0)

    # -- words with numbers in them
    def counted(self, n: int, one_key: str, many_key: str) -> str:
        """'one stretch' / '3 stretches': plural forms live in the prompts too."""
        return self.ctx.prompts.render(one_key if n == 1 else many_key, n=n)

    def duration(self, seconds: float) -> str:
        seconds = max(0.0, seconds)
        if seconds < 55:
            n = max(5, int(round(seconds / 5.0)) * 5) if seconds >= 5 else max(1, int(round(seconds)))
            return self.ctx.prompts.render("seconds", n=n)
        minutes = int(round(seconds / 60.0))
        if minutes <= 1:
            return self.ctx.prompts.render("one_minute")
        return self.ctx.prompts.render("minutes", n=minutes)

    # -- plan helpers
    def item(self) -> PlanItem | None:
        return self.s.items[self.s.index] if 0 <= self.s.index < len(self.s.items) else None

    def exercise(self) -> Exercise | None:
        item = self.item()
        return self.ctx.catalog.get(item.exercise_id) if item else None

    def exercise_id(self) -> str | None:
        item = self.item()
        return item.exercise_id if item else None

    def base(self, *also: str) -> State:
        """Where we really are: the saved state while paused or explaining (or in `also`)."""
        if self.s.phase in ("paused", "explaining", *also) and self.s.saved:
            return self.s.saved
        return self.s

    def finish(self) -> tuple[State, list[Action]]:
        if self._lines:
            self.s = replace(self.s, last_lines=tuple(self._lines))
        return self.s, self.actions
