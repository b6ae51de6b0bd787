"""Command line: `voicecoach <command>`. Each command's work lives in its own module; this file
only parses options, and turns user errors into one line and exit code 2."""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from voicecoach import __version__
from voicecoach.cli import options
from voicecoach.core.errors import UserError

# command name -> "module:function"; each function takes the parsed args and returns an exit code.
HANDLERS = {
    "workout": "voicecoach.cli.workout:workout",
    "parse": "voicecoach.cli.parse:cli_parse",
    "exercises": "voicecoach.cli.catalog:cli_exercises",
    "explain": "voicecoach.cli.catalog:cli_explain",
    "voices": "voicecoach.cli.voices:cli_voices",
    "recognize": "voicecoach.cli.recognize:cli_recognize",
    "doctor": "voicecoach.cli.doctor:cli_doctor",
    "demo": "voicecoach.cli.demo:cli_demo",
    "history": "voicecoach.cli.history:cli_history",
    "profile": "voicecoach.cli.profile:cli_profile",
}


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line on stderr (exit 2), worded for
    a person: `voicecoach: --minutes must be a whole number between 5 and 30 (got 'abc')`."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"voicecoach: {plain_error(message, self.prog)}\n")


def plain_error(message: str, prog: str = "voicecoach") -> str:
    """argparse's message rewritten to read on from the option's name."""
    m = re.fullmatch(r"argument (\S+?): invalid choice: (.+?) \(choose from (.*)\)", message)
    if m:
        name, got, choices = m.groups()
        listed = ", ".join(c.strip().strip("'") for c in choices.split(","))
        if name == "COMMAND":
            return f"unknown command {got}; choose one of: {listed}"
        return f"{name} must be one of: {listed} (got {got})"
    m = re.fullmatch(r"argument (\S+?): expected one argument", message)
    if m:
        return f"{m.group(1)} needs a value"
    m = re.fullmatch(r"argument (\S+?): (.*)", message)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    return f"{message}; see `{prog} --help`"


def add_speech_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", type=options.not_empty,
                   help="voice id or name (see `voicecoach voices`)")
    p.add_argument("--rate", type=options.rate, help="speech rate in words per minute, 60-400")
    p.add_argument("--volume", type=options.volume, help="volume 0.0-1.0")
    p.add_argument("--counts", choices=("voice", "tick"), help="speak counts, or a short tick")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="voicecoach",
        description="Hands-free, offline voice coach for back-pain exercise.",
    )
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    w = sub.add_parser("workout", help="run today's guided session")
    w.add_argument("--text", action="store_true", help="type commands on stdin; print every line")
    w.add_argument("--mute", action="store_true", help="print lines instead of speaking them")
    w.add_argument("--minutes", type=options.minutes,
                   help="session length, 5-30 (default: profile, 15)")
    w.add_argument("--cause", choices=("tight", "weak", "posture", "general"),
                   help="what you think causes your back pain (weights the plan)")
    w.add_argument("--level", choices=("beginner", "intermediate", "advanced"))
    w.add_argument("--only", metavar="ID[,ID]", type=options.not_empty,
                   help="just these exercises, in this order")
    w.add_argument("--time-scale", type=options.time_scale, default=1.0, metavar="F",
                   help="run the session clock F times faster (demos, tests)")
    w.add_argument("--transcript", metavar="FILE", type=options.output_file(),
                   help="write one JSON line per utterance")
    w.add_argument("--quiet", action="store_true",
                   help="no status line (exercise, set, count, time left) on the terminal")
    w.add_argument("--engine", default="sphinx", type=options.not_empty,
                   help="speech recognizer: sphinx (default, offline), vosk, whisper, "
                        "faster-whisper, google (online, needs --online)")
    w.add_argument("--engine-model", metavar="PATH", type=options.not_empty,
                   help="model path for vosk/whisper engines")
    w.add_argument("--online", action="store_true",
                   help="allow an online recognizer (audio leaves this machine)")
    w.add_argument("--no-history", action="store_true", help="do not save this session")
    add_speech_options(w)

    p = sub.add_parser("parse", help="show how typed text is understood")
    p.add_argument("--json", action="store_true", help="one JSON line per text")
    p.add_argument("--context", metavar="NAME", default=None,
                   help="as an answer to: command, yes_no, number, safety, cause, level")
    p.add_argument("texts", nargs="+", metavar="TEXT")

    e = sub.add_parser("exercises", help="list the exercises")
    e.add_argument("--json", action="store_true")

    x = sub.add_parser("explain", help="how to do an exercise")
    x.add_argument("name", nargs="+", metavar="NAME")

    v = sub.add_parser("voices", help="list installed voices")
    v.add_argument("--json", action="store_true")

    r = sub.add_parser("recognize", help="decode recordings with the command grammar")
    r.add_argument("--json", action="store_true")
    r.add_argument("--grammar", default="command",
                   help="which grammar: command (default), yes_no, number")
    r.add_argument("files", nargs="+", metavar="FILE")

    d = sub.add_parser("doctor", help="check microphone, speaker, speech and recognizer")
    d.add_argument("--seconds", type=options.meter_seconds, default=3.0,
                   help="length of the mic level check, 0-60 (0 skips it)")

    m = sub.add_parser("demo", help="the whole loop headless: recorded voice in, speech to a WAV")
    m.add_argument("--out", default="voicecoach-demo.wav", type=options.output_file(".wav"),
                   help="WAV file of the coach's voice")
    m.add_argument("--transcript", metavar="FILE", type=options.output_file(),
                   help="write one JSON line per utterance")
    m.add_argument("--minutes", type=options.minutes, default=5)

    h = sub.add_parser("history", help="past sessions, streak, pain trend")
    h.add_argument("--json", action="store_true")
    h.add_argument("--plot", metavar="FILE.png", type=options.output_file(".png"),
                   help="draw pain and minutes per day")

    pr = sub.add_parser("profile", help="show or change your profile")
    pr.add_argument("--cause", choices=("tight", "weak", "posture", "general"))
    pr.add_argument("--level", choices=("beginner", "intermediate", "advanced"))
    pr.add_argument("--minutes", type=options.minutes)
    pr.add_argument("--goal-minutes", type=options.minutes)
    pr.add_argument("--reset", action="store_true", help="forget the profile (first run again)")
    pr.add_argument("--json", action="store_true")
    add_speech_options(pr)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a mistake already printed in one line
        return int(done.code or 0)
    if not args.command:
        parser.print_help()
        return 0
    module_name, func_name = HANDLERS[args.command].split(":")
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args) or 0)
    except UserError as err:
        print(f"voicecoach: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
