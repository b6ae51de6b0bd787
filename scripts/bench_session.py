#!/usr/bin/env python3
"""Whole sessions by voice: real people's recordings play the person through a virtual
microphone into a real `voicecoach` session (the demo's loop: real listener, recognizer,
dialogue and speaker), and we count the sessions that went *fully* right.

    .venv/bin/python scripts/bench_session.py [--runs 3] [--engine moonshine] [--no-write]

The person (one speaker of ../shared/speech per session, all of their clips by that speaker):
"go" to start, a pain rating, two chatter words that must be ignored (one as the exercise
starts, one mid-count), "stop" over the count ("three left"), "no" to "end the workout?", a final rating.
Fully right = the coach heard exactly start, the rating, stop, no, the final rating (nothing
from the chatter, no reprompt), and the session finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BEGIN, END = "<!-- voice-session:begin -->", "<!-- voice-session:end -->"
NUMBER_WORDS = "zero one two three four five six seven eight nine".split()
# Speakers of ../shared/speech who said go, stop and no, two digits and a non-command word.
SPEAKERS: dict[str, dict[str, str]] = {
    "4fd1443e": {"rating": "eight", "chatter": "happy", "final": "two"},
    "3b4f8f24": {"rating": "five", "chatter": "marvin", "chatter2": "wow", "final": "one"},
    "4c6167ca": {"rating": "four", "chatter": "dog", "chatter2": "sheila", "final": "six"},
}


def default_speech() -> Path:
    for p in (REPO.parent / "shared" / "speech", Path("/work/shared/speech")):
        if (p / "MANIFEST.tsv").is_file():
            return p
    raise SystemExit("no ../shared/speech")


def speaker_voices(speech: Path, speaker: str) -> dict[str, Path]:
    """role -> this speaker's clip, for the demo's person."""
    words = {"go": "go", "stop": "stop", "no": "no", **SPEAKERS[speaker]}
    words.setdefault("chatter2", words["chatter"])
    out = {}
    for role, word in words.items():
        clips = sorted((speech / "words" / word).glob(f"{speaker}_nohash_*.wav"))
        if not clips:
            raise SystemExit(f"speaker {speaker} has no {word!r} clip")
        out[role] = clips[0]
    return out


def expected(speaker: str) -> list[str]:
    s = SPEAKERS[speaker]
    return ["start", f"number:{NUMBER_WORDS.index(s['rating'])}", "stop", "no",
            f"number:{NUMBER_WORDS.index(s['final'])}"]


def heard_labels(result) -> list[str]:
    out = []
    for h in result.heard:
        i = h.intent
        out.append(f"number:{i.slots.get('value')}" if i.name == "number" else i.name)
    return out


def short_plan():
    """One two-sided 8 s hold: the whole script fits, in about a minute."""
    from voicecoach.cli.demo import demo_plan

    plan = demo_plan()
    return replace(plan, items=plan.items[:1])


def run_session(pulse, speech: Path, speaker: str, recognizer=None, show=lambda line: None):
    from voicecoach.cli.demo import run_demo

    result = run_demo(pulse, speaker_voices(speech, speaker), short_plan(),
                      recognizer=recognizer, show=show)
    right = (result.outcome.finished and heard_labels(result) == expected(speaker)
             and len(result.said) == 7)
    return right, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engine", default="moonshine")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    from voicecoach.audio.pulse_env import start_pulse
    from voicecoach.audio.recognizer import make_recognizer
    from voicecoach.core.catalog import load_catalog

    speech = default_speech()
    rec = make_recognizer(args.engine, catalog=load_catalog())
    lines = ["| speaker | fully right | what went wrong |", "|---|---|---|"]
    total = good = 0
    # One daemon for every session: PortAudio in this process aborts when a second private
    # daemon replaces the first (the tests share one daemon too).
    pulse = start_pulse(noise_dbfs=-60)
    for speaker in SPEAKERS:
        wrong: list[str] = []
        ok = 0
        for run in range(args.runs):
            try:
                right, result = run_session(pulse, speech, speaker, rec)
            except BaseException:
                pulse.stop()
                raise
            ok += right
            if not right:
                wrong.append(f"run {run + 1}: heard {heard_labels(result)}, "
                             f"said {len(result.said)}, rejected {result.rejected}")
            print(speaker, run + 1, right, heard_labels(result), result.rejected, flush=True)
        total += args.runs
        good += ok
        lines.append(f"| {speaker} | {ok}/{args.runs} | {'; '.join(wrong) or '—'} |")
    pulse.stop()
    body = "\n".join([
        "## Whole sessions by voice (virtual microphone, real people)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; date "
        f"{dt.date.today().isoformat()}; engine {args.engine}; scripts/bench_session.py "
        f"(go, a rating, two chatter words, stop over the count ('three left'), no, a final rating; one speaker "
        f"of ../shared/speech per session). Fully right: {good}/{total}.",
        "",
        *lines,
    ])
    print(body)
    if not args.no_write:
        path = REPO / "BENCHMARKS.md"
        text = path.read_text()
        section = f"{BEGIN}\n{body}\n{END}"
        if BEGIN in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: section, text,
                          flags=re.S)
        else:
            text = text.replace("<!-- recognizer:end -->",
                                "<!-- recognizer:end -->\n\n" + section, 1)
        path.write_text(text)
    return 0 if good == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
