"""The console: one-line notices for the person (never spoken: device lost, fallbacks), and the
status line that redraws in place at the bottom of a terminal.

Notices and coach lines come from several threads (loop, listener, speaker); the status line is
cleared before any of them prints and drawn again after, under one lock, so a printed line never
lands in the middle of the status and the status never hides a line.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
from typing import Callable, Iterator, TextIO

CLEAR_LINE = "\r\x1b[K"  # back to column 0, erase to the end of the line

_lock = threading.RLock()
_active: "StatusLine | None" = None  # the status line on screen now, if any


class StatusLine:
    """One line of text kept on a terminal and redrawn in place. Writes only when the text
    changes: it costs nothing while nothing happens."""

    def __init__(self, out: TextIO = sys.stdout, width: Callable[[], int] | None = None):
        self.out = out
        self.width = width or (lambda: shutil.get_terminal_size((80, 24)).columns)
        self.text = ""  # what should be on screen
        self._drawn = False

    def show(self, text: str) -> None:
        global _active
        with _lock:
            if _active is None:
                _active = self
            if text == self.text and self._drawn:
                return
            self.text = text
            if text:
                self._draw()
            else:
                self._erase()

    def close(self) -> None:
        """Erase the line and stop: later prints go to a clean terminal."""
        global _active
        with _lock:
            self._erase()
            self.text = ""
            if _active is self:
                _active = None

    def _draw(self) -> None:
        # One column short of the width: a line that fills the terminal wraps, and a wrapped
        # line cannot be erased with a carriage return.
        fitted = self.text[: max(1, self.width() - 1)]
        self._write(CLEAR_LINE + fitted)
        self._drawn = True

    def _erase(self) -> None:
        if self._drawn:
            self._write(CLEAR_LINE)
            self._drawn = False

    def _write(self, data: str) -> None:
        try:
            self.out.write(data)
            self.out.flush()
        except (OSError, ValueError):  # terminal gone (hang-up, closed pipe): nothing to show
            pass


@contextlib.contextmanager
def printing(redraw: bool = True) -> Iterator[None]:
    """Around anything printed to the terminal: the status line steps aside, then comes back
    (or, with `redraw=False`, waits for its next `show`, which the loop makes after a step)."""
    with _lock:
        line = _active
        if line is not None:
            line._erase()
        try:
            yield
        finally:
            if redraw and line is not None and line.text and _active is line:
                line._draw()


def above_status(write: Callable[[str], None]) -> Callable[[str], None]:
    """`write` for the loop's own printing: the status is drawn again after the step."""

    def wrapped(text: str) -> None:
        with printing(redraw=False):
            write(text)

    return wrapped


def notice(text: str) -> None:
    with printing():
        print(f"voicecoach: {text}", file=sys.stderr, flush=True)
