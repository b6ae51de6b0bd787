"""One step of the dialogue in the making: the state replaced field by field, the actions
collected, and the small vocabulary every part speaks in (say, reply, count, cut, timer,
record)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from voicecoach.core import agenda
from voicecoach.core.agenda import Line
from voicecoach.core.catalog import Exercise
from voicecoach.core.events import (
    Action, CancelTimers, Listen, Record, Say, SetTimer, StopSpeech, Utterance,
)
from voicecoach.core.plan import PlanItem
from voicecoach.core.dialogue.state import Context, State

NO_EXERCISE_PHASES = ("welcome", "pain_before", "pain_after", "finished")


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
                 interrupt: bool = False, remember: bool = True, reply: bool = False,
                 tag: str = "") -> None:
        """Put a line on the agenda: it is said when everything before it has been heard."""
        ex = self.exercise_id() if self.s.phase not in NO_EXERCISE_PHASES else None
        line = Line(text, kind, expects, ex, interrupt, reply, tag)
        self.set(agenda=agenda.add(self.s.agenda, line))
        if remember:
            self._lines.append((text, kind, expects))

    def say(self, key: str, kind: str = "info", **kw: Any) -> None:
        opts = {k: kw.pop(k) for k in ("expects", "interrupt", "remember", "reply", "tag")
                if k in kw}
        self.say_text(self.text(key, **kw), kind, **opts)

    def reply(self, key: str, kind: str = "info", **data: Any) -> None:
        """An answer to what the person just said: next in line, never cut by the counts."""
        self.say(key, kind, reply=True, remember=False, **data)

    def count(self, key: str, due: float, **data: Any) -> None:
        """A count on the grid: straight to the speaker, to start at `due`."""
        uid = self.s.next_id
        self.set(next_id=uid + 1)
        self.actions.append(Say(Utterance(uid, self.text(key, **data), "count",
                                          self.exercise_id(), None, due, True)))

    def busy(self) -> bool:
        return agenda.busy(self.s)

    def cut(self) -> None:
        """Silence now and forget every timer and every line still to say: the start of any
        change of course."""
        self.actions.append(StopSpeech())
        self.actions.append(CancelTimers())
        agenda.clear(self)
        self.set(yielded=False, asked=None, question_open=False)

    def timer(self, name: str, at: float) -> None:
        self.actions.append(SetTimer(name, at))

    def cancel(self, *names: str) -> None:
        self.actions.append(CancelTimers(tuple(names)))

    def listen(self, grammar: str) -> None:
        self.actions.append(Listen(grammar))

    def record(self, kind: str, **data: Any) -> None:
        self.actions.append(Record(kind, {"t": round(self.now, 2), **data}))

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

    def workout_minutes(self) -> float:
        """Minutes of workout so far: from "start", without time spent paused."""
        if self.s.started_at is None:
            return 0.0
        paused = self.now - self.s.paused_at if self.s.paused_at is not None else 0.0
        return max(0.0, self.now - self.s.started_at - self.s.idle - paused) / 60.0

    # -- plan helpers
    def item(self) -> PlanItem | None:
        return self.s.items[self.s.index] if 0 <= self.s.index < len(self.s.items) else None

    def exercise(self) -> Exercise | None:
        item = self.item()
        return self.ctx.catalog.get(item.exercise_id) if item else None

    def exercise_id(self) -> str | None:
        item = self.item()
        return item.exercise_id if item else None

    def name_of(self, exercise_id: str) -> str:
        return self.ctx.catalog.get(exercise_id).name

    def base(self, *also: str) -> State:
        """Where we really are: the saved state while paused or explaining (or in `also`)."""
        if self.s.phase in ("paused", "explaining", *also) and self.s.saved:
            return self.s.saved
        return self.s

    def finish(self) -> tuple[State, list[Action]]:
        agenda.pump(self)
        if self._lines:
            self.s = replace(self.s, last_lines=tuple(self._lines))
        return self.s, self.actions
