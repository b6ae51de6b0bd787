"""A person at the keyboard: runs the real `voicecoach workout --text --mute` and types into it
as the coach talks, then checks the transcript.

The typist says "start" during the welcome, answers each question once it has been printed
(after `--think` seconds), and during the counts asks how long is left, asks for louder, help
and "faster", says "do the <exercise>" and "repeat"; then it answers the last question and
waits for the goodbye. The checks are the ones a person would notice:

- every line the coach printed was played (`played` set, nothing `cut`);
- each question got its full answering time after it had been heard (from the transcript: the
  next line after a question comes no sooner than QUESTION_TIMEOUT after it ended, unless the
  person answered);
- no exercise that was finished is started again, and history lists each once;
- the session ends with a tip.

    .venv/bin/python scripts/typed_session.py --time-scale 30          # ~40 s, a new user
    .venv/bin/python scripts/typed_session.py --time-scale 1 --think 2  # a real-time session
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.core import timing  # noqa: E402

COMMANDS_DURING_COUNTS = ["how long is left", "louder", "help", "faster", "do the superman",
                          "repeat"]


def run(time_scale: float, think: float, first_run: bool, minutes: int, home: Path,
        answer: bool = True) -> dict:
    transcript = home / "transcript.jsonl"
    args = [sys.executable, "-m", "voicecoach", "workout", "--text", "--mute", "--time-scale",
            str(time_scale), "--minutes", str(minutes), "--transcript", str(transcript)]
    if not first_run:
        args += ["--cause", "general"]
    env = dict(os.environ, VOICECOACH_HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1, env=env, cwd=ROOT)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l.rstrip("\n")) for l in proc.stdout] and
                     lines.put(None), daemon=True).start()

    def type_(text: str) -> None:
        proc.stdin.write(text + "\n")
        proc.stdin.flush()

    typed: list[tuple[float, str]] = []
    t0 = time.monotonic()
    type_("start")  # during the welcome
    typed.append((0.0, "start"))
    todo = [c for c in COMMANDS_DURING_COUNTS if answer or c != "faster"]  # (keeps the rate)
    questions = answered = 0
    saw_go = 0
    deadline = t0 + 3600
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if line is None:
            break
        text = line.removeprefix("coach: ")
        low = text.lower()
        if "how is your back" in low or ("from zero to ten" in low and "?" in text):
            questions += 1
            if answer:
                time.sleep(think)
                type_("three")
                answered += 1
        elif text == "Go." and todo:
            saw_go += 1
            if saw_go >= 2:  # from the second exercise on, a moment into the hold or reps
                time.sleep(max(0.2, min(think, 1.0)))
                cmd = todo.pop(0)
                type_(cmd)
                typed.append((time.monotonic() - t0, cmd))
        elif low.startswith("see you"):
            break
    proc.stdin.close()
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
    rows = [json.loads(x) for x in transcript.read_text().splitlines() if x.strip()]
    hist = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--json"], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    session = json.loads(hist.stdout)["sessions"][-1]
    return {"rows": rows, "typed": typed, "rc": proc.returncode, "history": session,
            "stderr": proc.stderr.read()[-500:], "questions": questions,
            "real_seconds": round(time.monotonic() - t0, 1)}


# What the coach says first when the person changes course ("do the superman", "repeat",
# "stop", "it hurts"): a line cut just before one of these was cut by the person's own command.
CHANGES_OF_COURSE = ("Here is the", "Once more, the", "Okay, skipping", "Skipping the",
                     "Going back", "Stop there", "Paused.", "Do you want to end", "Please stop now")


def check(result: dict) -> dict:
    rows = result["rows"]
    lost = [(r, rows[i + 1]["text"] if i + 1 < len(rows) else "") for i, r in enumerate(rows)
            if r["played"] is None or r["cut"]]
    unplayed = [r["text"] for r, after in lost if not after.startswith(CHANGES_OF_COURSE)]
    by_person = [r["text"] for r, after in lost if after.startswith(CHANGES_OF_COURSE)]
    # After each question, the gap to the next line: the answering time when nobody answers
    # (from the line's estimated length at the normal rate).
    gaps = []
    for i, r in enumerate(rows[:-1]):
        if r["kind"] == "question":
            end = r["played"] + timing.speech_seconds(r["text"])
            nxt = rows[i + 1]
            gaps.append(round(nxt["played"] - end, 2))
    starts = [r["exercise"] for r in rows if r["text"].startswith(("Exercise", "Last exercise"))]
    done_before: set = set()
    redone = []
    current = None
    for r in rows:
        if r["text"].startswith(("Exercise", "Last exercise", "Here is the")):
            if r["exercise"] in done_before:
                redone.append(r["exercise"])
            current = r["exercise"]
        if r["text"].startswith("Rest for") and "Next up" in r["text"] and current:
            done_before.add(current)
    tip = any(r["text"].startswith("A tip for today") for r in rows)
    hist = result["history"]
    return {"lines": len(rows), "not played or cut": unplayed,
            "cut by the person's own command": by_person, "gap after each question": gaps,
            "exercises started": starts, "finished exercises started again": redone,
            "history exercises": hist["exercises"],
            "history lists one twice": len(hist["exercises"]) != len(set(hist["exercises"])),
            "history minutes": hist["minutes"], "ends with a tip": tip}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-scale", type=float, default=30.0)
    ap.add_argument("--think", type=float, default=0.0, help="seconds before typing an answer")
    ap.add_argument("--minutes", type=int, default=15)
    ap.add_argument("--first-run", action="store_true", help="no profile: the questions first")
    ap.add_argument("--no-answers", action="store_true", help="never answer a question")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.time_scale, args.think, args.first_run, args.minutes, Path(tmp),
                     answer=not args.no_answers)
    report = check(result)
    report.update(rc=result["rc"], typed=result["typed"], real_seconds=result["real_seconds"])
    print(json.dumps(report, indent=1))
    ok = (not report["not played or cut"] and report["ends with a tip"]
          and (not args.no_answers or min(report["gap after each question"]) >= 9.95)
          and not report["finished exercises started again"] and result["rc"] == 0
          and not report["history lists one twice"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
