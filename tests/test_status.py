"""The status line: what it says through a whole session (the real dialogue on a fake clock),
how it shares the terminal with printed lines, and a real workout on a pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from dataclasses import replace

from voicecoach.core.catalog import load_catalog
from voicecoach.core.dialogue import Context, Dialogue, default_item
from voicecoach.core.events import Heard
from voicecoach.core.intents import Intent
from voicecoach.core.plan import Plan
from voicecoach.core.prompts import load_default
from voicecoach.session import console
from voicecoach.session.clock import FakeClock
from voicecoach.session.loop import SessionLoop
from voicecoach.session.status import glance, status_text

CATALOG = load_catalog()
PROMPTS = load_default()
VOICECOACH = [sys.executable, "-m", "voicecoach"]


def screen(raw: str) -> list[str]:
    """What a terminal shows after `raw`: carriage return, newline, erase-to-end-of-line."""
    lines, col, i = [""], 0, 0
    while i < len(raw):
        if raw.startswith("\x1b[K", i):
            lines[-1] = lines[-1][:col]
            i += 3
            continue
        ch = raw[i]
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("")
            col = 0
        else:
            line = lines[-1].ljust(col)
            lines[-1] = line[:col] + ch + line[col + 1:]
            col += 1
        i += 1
    return lines


def session_statuses(width: int | None = None, react=None) -> list[str]:
    """Every distinct status of a short session: a two-sided hold in two sets, then reps.
    `react(text, loop, now)` may post what the person says on seeing a status."""
    stretch = replace(default_item(CATALOG.get("knee-to-chest")), hold_seconds=6, sets=2,
                      sides=("left", "right"), rest_seconds=5)
    bridge = replace(default_item(CATALOG.get("bridge")), reps=3, sets=1, rest_seconds=5)
    dialogue = Dialogue(Context(plan=Plan(items=(stretch, bridge), minutes=5), catalog=CATALOG,
                                prompts=PROMPTS, first_session=False, brief_safety=True))
    loop = SessionLoop(dialogue, FakeClock())
    seen: list[str] = []

    def feed(state, now):
        text = status_text(glance(state, CATALOG, now), PROMPTS, width)
        if not seen or seen[-1] != text:
            seen.append(text)
            if react is not None:
                react(text, loop, now)

    loop.on_state = feed
    out = loop.run([(1.0, Heard(Intent("start", {}, "start"))),
                    (12.0, Heard(Intent("number", {"value": 3}, "three")))])
    assert out.finished
    return seen


def test_the_status_follows_the_session_exercise_side_set_count_and_time_left():
    seen = session_statuses()
    assert seen[0].startswith("Say start when you are ready | about ")
    assert "Waiting for your answer" in seen[1]
    stretch = "Exercise 1 of 2: knee to chest stretch"
    assert f"{stretch} | left side | set 1 of 2 | listen to the instructions" in seen[2]
    for expected in (f"{stretch} | left side | set 1 of 2 | 3 of 6 s",
                     f"{stretch} | right side | set 1 of 2 | 5 of 6 s",
                     f"{stretch} | left side | set 2 of 2 | 1 of 6 s",
                     "Rest, next up | Exercise 2 of 2: bridge",
                     "Exercise 2 of 2: bridge | 2 of 3 reps"):
        assert any(s.startswith(expected) for s in seen), (expected, seen)
    assert all(s.endswith(("min left", "under a minute left")) for s in seen[:-2])
    assert seen[-2] == "Waiting for your answer" and seen[-1] == ""  # cleared at the end
    # Counts go up and the time left comes down.
    holds = [s for s in seen if s.startswith(f"{stretch} | left side | set 1 of 2 |")
             and " of 6 s" in s]
    assert [int(s.split(" | ")[3].split()[0]) for s in holds] == list(range(len(holds)))


def test_a_pause_shows_where_the_hold_stands():
    asked: list[float] = []

    def react(text, loop, now):  # "pause" two seconds into the first hold, "resume" later
        if "| 2 of 6 s |" in text and not asked:
            asked.append(now)
            loop.post_at(Heard(Intent("pause", {}, "pause")), now + 0.3)
            loop.post_at(Heard(Intent("resume", {}, "resume")), now + 10.0)

    seen = session_statuses(react=react)
    paused = [s for s in seen if s.startswith("Paused")]
    assert len(paused) == 1 and paused[0].startswith(
        "Paused, say resume to go on | Exercise 1 of 2: knee to chest stretch | left side | "
        "set 1 of 2 | 2 of 6 s | about "), seen
    after = seen[seen.index(paused[0]) + 1]
    assert after.startswith("Exercise 1 of 2: knee to chest stretch | left side | set 1 of 2 | ")


def test_a_narrow_terminal_gets_a_shorter_line_not_a_cut_one():
    seen = session_statuses(width=70)
    assert all(len(s) <= 70 for s in seen), [s for s in seen if len(s) > 70]
    assert any(s.startswith("1/2 knee to chest stretch | left side | set 1 of 2 | 3 of 6 s")
               for s in seen), seen


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_printed_lines_and_notices_never_land_inside_the_status(monkeypatch, capsys):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)  # one terminal for both, as a person sees it
    line = console.StatusLine(term, width=lambda: 80)
    echo = console.above_status(lambda text: term.write(f"coach: {text}\n"))
    line.show("Exercise 1 of 2: bridge | 0 of 10 reps")
    echo("1")
    line.show("Exercise 1 of 2: bridge | 1 of 10 reps")
    line.show("Exercise 1 of 2: bridge | 1 of 10 reps")  # unchanged: nothing written
    written = len(term.getvalue())
    line.show("Exercise 1 of 2: bridge | 1 of 10 reps")
    assert len(term.getvalue()) == written
    console.notice("microphone unavailable")  # from another part, at any moment
    assert screen(term.getvalue()) == ["coach: 1", "voicecoach: microphone unavailable",
                                       "Exercise 1 of 2: bridge | 1 of 10 reps"]
    line.close()
    assert screen(term.getvalue())[-1] == ""
    console.notice("stopped")  # after close the status stays away
    assert screen(term.getvalue())[-2:] == ["voicecoach: stopped", ""]


def run_on_pty(args: list[str], home, timeout: float = 60.0) -> tuple[int, str]:
    """A workout with stdout and stderr on a pseudo-terminal; "start" typed through a pipe
    (so nobody types on the terminal the status redraws). No sound devices: muted."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE")}
    env.update(VOICECOACH_HOME=str(home), PULSE_SERVER="unix:/nonexistent", COLUMNS="120")
    master, slave = pty.openpty()
    proc = subprocess.Popen([*VOICECOACH, *args], stdin=subprocess.PIPE, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    proc.stdin.write(b"start\n")
    proc.stdin.flush()
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            out += data
        elif proc.poll() is not None:
            break
    proc.stdin.close()
    code = proc.wait(timeout=10)
    os.close(master)
    return code, out.decode()


WORKOUT = ["workout", "--mute", "--time-scale", "60", "--only", "bridge", "--cause", "general"]


def test_a_workout_on_a_terminal_shows_the_status_and_keeps_every_line_whole(tmp_path):
    code, raw = run_on_pty(WORKOUT, tmp_path / "home")
    assert code == 0, raw[-2000:]
    assert "Traceback" not in raw
    shown = screen(raw.replace("\r\n", "\n"))
    coach = [l for l in shown if l.startswith("coach: ")]
    assert "coach: Exercise 1 of 1: bridge." in coach and "coach: and lower, 5" in coach
    # The status was drawn in place with the count ...
    assert "\r\x1b[KExercise 1 of 1: bridge | 5 of 10 reps | " in raw
    # ... but every line left on the screen is a whole printed line: a coach line or a notice,
    # never a status mixed into one, and the status is gone at the end.
    assert all(l.startswith(("coach: ", "voicecoach: ")) for l in shown if l), \
        [l for l in shown if l and not l.startswith(("coach: ", "voicecoach: "))]
    assert shown[-1] == ""


def test_quiet_or_no_terminal_means_no_status(tmp_path):
    code, raw = run_on_pty([*WORKOUT, "--quiet"], tmp_path / "home")
    assert code == 0 and "coach: and lower, 5" in raw
    assert "\x1b[K" not in raw and " of 10 reps" not in raw
    piped = subprocess.run([*VOICECOACH, *WORKOUT], input="start\n", capture_output=True,
                           text=True, timeout=60,
                           env={**os.environ, "VOICECOACH_HOME": str(tmp_path / "h2"),
                                "PULSE_SERVER": "unix:/nonexistent"})
    assert piped.returncode == 0 and "coach: and lower, 5" in piped.stdout
    assert "\x1b[K" not in piped.stdout and "\r" not in piped.stdout
