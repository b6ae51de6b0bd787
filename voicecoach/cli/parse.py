"""`voicecoach parse [--json] TEXT...`: how typed text is understood."""

from __future__ import annotations

import json
import sys

from voicecoach.core.errors import UserError
from voicecoach.understanding.templates import default_catalog, listening_contexts
from voicecoach.understanding.parser import describe, parse


def cli_parse(args) -> int:
    """`voicecoach parse [--json] [--context NAME] TEXT...` ("-" reads one text per line
    from stdin)."""
    texts = list(args.texts)
    if texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin]
    context = getattr(args, "context", None)
    if context is not None and context not in listening_contexts():
        raise UserError(f"unknown context {context!r} (known: {', '.join(listening_contexts())})")
    catalog = default_catalog()
    for text in texts:
        intent = parse(text, catalog, context=context)
        if args.json:
            print(json.dumps(intent.to_json(), ensure_ascii=False))
        else:
            print(f"{text!r} -> {describe(intent)}")
    return 0
