"""Typed command-line options: each converter turns the text a person typed into a value, or
says in one line what the option needs ("must be a whole number between 5 and 30").

The parser prints these as `voicecoach: --minutes must be ... (got 'abc')` (see main.py), so
the messages read on after the option's name. Output files are checked here too, when the
command line is read: a missing folder is reported before a workout or demo runs, not after.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Callable, TextIO

from voicecoach.core.errors import UserError
from voicecoach.core.plan import MINUTES_RANGE, RATE_RANGE


def _fail(need: str, text: str, hint: str = "") -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"must be {need} (got {text!r}){hint}")


def whole_number(lo: int, hi: int, what: str = "") -> Callable[[str], int]:
    need = f"a whole number{' of ' + what if what else ''} between {lo} and {hi}"

    def convert(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise _fail(need, text) from None
        if not lo <= value <= hi:
            raise _fail(need, text)
        return value

    return convert


def number(need: str, lo: float, hi: float | None = None, *, above: bool = False,
           hint: str = "") -> Callable[[str], float]:
    """A finite number >= lo (> lo when `above`), and <= hi when given; `need` says so."""

    def convert(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise _fail(need, text, hint) from None
        if not math.isfinite(value) or value < lo or (above and value == lo) or (
                hi is not None and value > hi):
            raise _fail(need, text, hint)
        return value

    return convert


def not_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a value, not an empty string")
    return text.strip()


def output_file(suffix: str | None = None) -> Callable[[str], str]:
    """A file we will write: its folder must exist and be writable, and it must not be a
    folder itself; with `suffix`, the name must end in it (".png")."""

    def convert(text: str) -> str:
        name = not_empty(text)
        path = Path(name).expanduser()
        if suffix and path.suffix.lower() != suffix:
            raise argparse.ArgumentTypeError(f"must name a {suffix} file (got {text!r})")
        folder = path.parent
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{name}: is a folder; give a file name")
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(f"{name}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise argparse.ArgumentTypeError(f"{name}: cannot write there (no permission, "
                                             "or a read-only disk)")
        return str(path)

    return convert


def open_output(name: str | None, option: str) -> TextIO | None:
    """The text file an option names, opened for writing (None when not asked for)."""
    if not name:
        return None
    try:
        return open(name, "w", encoding="utf-8")
    except OSError as err:
        raise UserError(f"{option} {name}: cannot write it ({err.strerror})") from None


minutes = whole_number(*MINUTES_RANGE)
rate = whole_number(*RATE_RANGE, what="words per minute")
volume = number("a number from 0.0 to 1.0", 0.0, 1.0)
time_scale = number("a number greater than 0", 0.0, above=True,
                    hint="; 1 is real time, 30 runs the session thirty times faster")
meter_seconds = number("a number of seconds from 0 to 60", 0.0, 60.0,
                       hint="; 0 skips the microphone check")
