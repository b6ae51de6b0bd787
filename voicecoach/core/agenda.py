"""What the coach has still to say, handed to the speaker one line at a time.

A conversation that never runs ahead of the person moves on from what has been *heard*, not
from what was queued. So the pure dialogues (the workout and the first-run questions) keep the
lines they mean to say in an agenda, give the speaker the next one only when the previous one
has been reported finished (`SpeechDone`), and start every wait (a question's answering time, a
rest, the count after "get into position") when the agenda has run empty. Nothing queued far
ahead can then be cut short or dropped by what comes later; a reply to a command goes to the
front of the agenda (after the line being spoken) and is never lost.

Counts are not agenda lines: they go out on their own grid (see dialogue/counting.py), and
only while the agenda is empty.

The functions here work on any turn object with `s` (a state with the fields `agenda`,
`in_air`, `in_air_tag` and `next_id`), `set(**changes)` and `actions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicecoach.core.events import Say, Utterance


@dataclass(frozen=True)
class Line:
    """One line waiting to be said. `reply`: an answer to something the person said, spoken
    before the lines that were already waiting. `tag` marks lines the dialogue watches for
    ("question": its answering time starts when it has played; "say_start": dropped when the
    person has already said start)."""

    text: str
    kind: str = "info"
    expects: str | None = None
    exercise: str | None = None
    interrupt: bool = False
    reply: bool = False
    tag: str = ""


def add(agenda: tuple[Line, ...], line: Line) -> tuple[Line, ...]:
    """The agenda with `line` in its place: replies after earlier replies, the rest at the end."""
    if not line.reply:
        return agenda + (line,)
    at = 0
    while at < len(agenda) and agenda[at].reply:
        at += 1
    return agenda[:at] + (line,) + agenda[at:]


def busy(s: Any) -> bool:
    """Something is being said, or waits to be said."""
    return s.in_air is not None or bool(s.agenda)


def pump(t: Any) -> tuple[int, Line] | None:
    """Hand the next line to the speaker if nothing is being said; returns (id, line)."""
    s = t.s
    if s.in_air is not None or not s.agenda:
        return None
    line = s.agenda[0]
    uid = s.next_id
    t.set(agenda=s.agenda[1:], in_air=uid, in_air_tag=line.tag, next_id=uid + 1)
    t.actions.append(Say(Utterance(uid, line.text, line.kind, line.exercise,  # type: ignore[arg-type]
                                   line.expects, None, line.interrupt)))
    return uid, line


def finished(t: Any, uid: int) -> bool:
    """`uid` was reported done. True when it was the line being said (the next may go)."""
    if uid != t.s.in_air:
        return False  # a count, or a line cut earlier: nothing waits on it
    t.set(in_air=None, in_air_tag="")
    return True


def clear(t: Any) -> None:
    """Forget everything still to be said (the caller silences the speaker)."""
    t.set(agenda=(), in_air=None, in_air_tag="")
