"""One-line messages for the person at the console (never spoken): device lost, fallbacks."""

from __future__ import annotations

import sys


def notice(text: str) -> None:
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)
