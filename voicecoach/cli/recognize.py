"""`voicecoach recognize [--json] [--grammar NAME] FILE...`: decode recordings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from voicecoach.audio.recognizer import make_recognizer
from voicecoach.core.errors import UserError


def cli_recognize(args) -> int:
    files = list(getattr(args, "files", []) or [])
    as_json = bool(getattr(args, "json", False))
    grammar = getattr(args, "grammar", None) or "command"
    rec = make_recognizer(getattr(args, "engine", None) or "sphinx",
                          getattr(args, "engine_model", None), bool(getattr(args, "online", False)))
    if grammar not in getattr(rec, "grammars", (grammar,)):
        raise UserError(f"unknown grammar {grammar!r}; choose one of: {', '.join(rec.grammars)}")
    failed = 0
    for name in files:
        try:
            if not name.strip():
                raise UserError("an empty file name; give the path of a WAV recording")
            if Path(name).is_dir():
                raise UserError(f"{name}: is a folder, not a recording")
            result = rec.decode_file(name, grammar)
        except UserError as err:
            failed += 1
            msg = str(err)
            if as_json:
                print(json.dumps({"file": name, "error": msg}), flush=True)
            else:
                print(f"voicecoach: {msg}", file=sys.stderr, flush=True)
            continue
        if as_json:
            print(json.dumps(result.to_json(name)), flush=True)
        else:
            slots = " ".join(f"{k}={v}" for k, v in result.intent.slots.items())
            heard = f'"{result.text}"' if result.text else "(nothing)"
            print(f"{name}: {result.intent.name}{' ' + slots if slots else ''}  "
                  f"heard {heard}  confidence {result.confidence:.2f}", flush=True)
    return 2 if failed else 0
