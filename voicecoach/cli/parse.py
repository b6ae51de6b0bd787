"""`voicecoach parse [--json] TEXT...`: how typed text is understood."""

from __future__ import annotations

import json
import sys

from voicecoach.understanding.templates import default_catalog
from voicecoach.understanding.parser import describe, parse


def cli_parse(args) -> int:
    """`voicecoach parse [--json] TEXT...` ("-" reads one text per line from stdin)."""
    texts = list(args.texts)
    if texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin]
    catalog = default_catalog()
    for text in texts:
        intent = parse(text, catalog)
        if args.json:
            print(json.dumps(intent.to_json(), ensure_ascii=False))
        else:
            print(f"{text!r} -> {describe(intent)}")
    return 0
