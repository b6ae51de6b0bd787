"""`voicecoach workout --text` end to end, as a person at a keyboard would use it: a real
process, typed lines on stdin, printed lines and the JSON transcript read back."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from voicecoach.core.catalog import load_catalog

CATALOG = load_catalog()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "home"))
    return tmp_path


def run_workout(args, stdin_text, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", "workout", "--text", "--mute", *args],
        input=stdin_text, capture_output=True, text=True, timeout=timeout,
    )


def read_transcript(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_full_15_minute_session_runs_to_the_end_in_about_15_seconds(home):
    transcript = home / "t.jsonl"
    t0 = time.monotonic()
    proc = run_workout(["--time-scale", "60", "--transcript", str(transcript)], "start\n")
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert 8 < elapsed < 30, elapsed
    lines = read_transcript(transcript)
    keys = {"t", "text", "kind", "exercise", "expects"}
    assert all(keys <= set(line) for line in lines)
    assert {line["kind"] for line in lines} <= {"cue", "count", "question", "safety", "info"}
    done = [line["exercise"] for line in lines if line["text"].startswith(("Exercise", "Last exercise"))]
    kinds = [CATALOG.get(e).kind for e in done]
    assert len(done) >= 5
    assert kinds == sorted(kinds, key=lambda k: k != "stretch"), "stretches first, then strengthening"
    assert sum(1 for line in lines if line["kind"] == "count") > 100
    minutes = max(line["t"] for line in lines) / 60
    assert 13 <= minutes <= 19, minutes
    assert "Well done" in proc.stdout
    # Printed: every spoken line.
    assert proc.stdout.count("coach: ") == len(lines)


def test_history_keeps_the_session(home):
    w = LiveWorkout(["--time-scale", "120", "--minutes", "5", "--cause", "weak"])
    w.type("start")
    w.wait_for(lambda l: "how is your back" in l.lower())
    w.type("three")
    w.proc.stdin.close()
    assert w.proc.wait(timeout=60) == 0
    w.close()
    out = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--json"],
                         capture_output=True, text=True, timeout=30)
    data = json.loads(out.stdout)
    assert data["sessions"][0]["finished"] is True
    assert data["sessions"][0]["pain_before"] == 3


class LiveWorkout:
    """A workout process we type into while it runs."""

    def __init__(self, args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "workout", "--text", "--mute", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def type(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_for(self, predicate, timeout=20.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=end - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if predicate(line):
                return line
        raise AssertionError("not seen; got:\n" + "\n".join(self.seen[-15:]))

    def next_lines(self, n=3, timeout=5.0) -> list[str]:
        out = []
        end = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            out.append(line)
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def live_hold(home):
    """A workout at 8x speed that has reached the counting of a hold."""
    w = LiveWorkout(["--time-scale", "8", "--only", "plank,bridge", "--cause", "general"])
    w.type("start")
    w.wait_for(lambda l: "how is your back" in l.lower())
    w.type("two")
    w.wait_for(lambda l: l == "coach: Go.")  # the plank hold has begun
    yield w
    w.close()


def test_that_hurts_mid_hold_stops_and_offers_easier(live_hold):
    live_hold.type("that hurts")
    lines = live_hold.next_lines(2)
    assert lines[0] == "coach: Stop there and rest. Never push through pain."
    assert "How bad is it" in lines[1]
    live_hold.type("three")
    live_hold.wait_for(lambda l: "easier version" in l)
    live_hold.type("no")
    assert "leave the plank out" in live_hold.next_lines(1)[0]


def test_red_flag_mid_hold_ends_the_session_with_advice(live_hold):
    live_hold.type("my leg is going numb")
    line = live_hold.next_lines(1)[0]
    assert "physiotherapist" in line
    live_hold.proc.stdin.close()
    assert live_hold.proc.wait(timeout=15) == 0


def test_goto_mid_hold_jumps_to_that_exercise(live_hold):
    live_hold.type("do the superman")
    lines = live_hold.next_lines(2)
    assert any("superman" in l.lower() for l in lines), lines


def test_explain_mid_hold_then_back_to_the_hold(live_hold):
    live_hold.type("how do I do a bird dog")
    first = live_hold.next_lines(1)[0]
    assert "bird dog" in first.lower()
    live_hold.wait_for(lambda l: "Back to the plank" in l, timeout=30)
    live_hold.wait_for(lambda l: l == "coach: Go.", timeout=30)  # counted in again ...
    after = live_hold.next_lines(12, timeout=15)
    assert "coach: three left" in after  # ... and the hold goes on to its end


def test_bad_option_is_one_line_and_exit_2(home):
    proc = subprocess.run([sys.executable, "-m", "voicecoach", "workout", "--text", "--mute",
                           "--only", "plank,flying-kick"], input="", capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2
    assert "flying-kick" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_broken_prompt_file_is_one_line_naming_file_and_line(home, tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    src = Path(__file__).resolve().parent.parent / "prompts"
    for f in src.glob("*.yaml"):
        (prompts / f.name).write_text(f.read_text())
    bad = prompts / "coach.yaml"
    bad.write_text(bad.read_text() + 'broken: "unclosed\n')
    env = dict(os.environ, VOICECOACH_PROMPTS=str(prompts))
    proc = subprocess.run([sys.executable, "-m", "voicecoach", "workout", "--text", "--mute"],
                          input="", capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert "coach.yaml:" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_ctrl_c_saves_the_session(home):
    w = LiveWorkout(["--time-scale", "8", "--only", "plank", "--cause", "general"])
    w.type("start")
    w.wait_for(lambda l: "how is your back" in l.lower())
    w.type("five")
    w.wait_for(lambda l: l == "coach: two")
    w.proc.send_signal(2)  # SIGINT, as Ctrl-C
    assert w.proc.wait(timeout=15) == 130
    err = w.proc.stderr.read()
    assert "Traceback" not in err and "saved" in err
    out = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--json"],
                         capture_output=True, text=True, timeout=30)
    session = json.loads(out.stdout)["sessions"][-1]
    assert session["finished"] is False and session["pain_before"] == 5


@pytest.mark.parametrize("first_run", [False, True])
def test_quick_start_at_30x_nothing_cut_every_question_heard_and_a_tip(home, first_run):
    """"start" during the welcome, commands during the counts, answers once asked: every line
    the coach printed is played in full, and the session ends with a tip."""
    transcript = home / "t.jsonl"
    args = ["--time-scale", "30", "--minutes", "5", "--transcript", str(transcript)]
    w = LiveWorkout(args + ([] if first_run else ["--cause", "general"]))
    try:
        w.type("start")  # during the welcome
        w.wait_for(lambda l: "how is your back" in l.lower(), timeout=40)
        w.type("three")
        w.wait_for(lambda l: l == "coach: Go.", timeout=40)
        for command in ("how long is left", "louder", "help", "faster"):
            w.type(command)
        w.wait_for(lambda l: "how is your back now" in l.lower(), timeout=60)
        w.type("two")
        w.wait_for(lambda l: l.startswith("coach: See you"), timeout=30)
        w.proc.stdin.close()
        assert w.proc.wait(timeout=30) == 0
    finally:
        w.close()
    lines = read_transcript(transcript)
    lost = [l["text"] for l in lines if l["played"] is None or l["cut"]]
    assert lost == []
    texts = [l["text"] for l in lines]
    assert any(t.startswith("A tip for today") for t in texts)
    assert "Louder." in texts and any("About" in t and "left" in t for t in texts)
    assert "Okay, faster." in texts or any("speeds up the repetitions" in t for t in texts)
    assert sum(t.startswith(("Hello", "Welcome")) for t in texts) == 1, "greet once"


def test_typed_answers_are_understood_in_the_question_s_context(live_hold):
    """"if you must" means yes only as an answer: typed after "end the workout?" it ends it."""
    live_hold.type("stop")
    live_hold.wait_for(lambda l: "end the workout" in l.lower())
    live_hold.type("if you must")
    line = live_hold.wait_for(lambda l: "ending the workout" in l.lower()
                              or "didn't catch" in l.lower())
    assert "ending the workout" in line.lower()
    live_hold.proc.stdin.close()
    assert live_hold.proc.wait(timeout=15) == 0
