"""`voicecoach voices [--json]`: the installed voices."""

from __future__ import annotations

import json

from voicecoach.audio.render import RenderError, list_voices
from voicecoach.core.errors import UserError


def check_voice(wanted: str, strict: bool = False) -> None:
    """An unknown voice is a typo to fix now, not a silent coach later. With no speech engine
    to ask, `strict` refuses (a profile must not keep a voice nobody checked); otherwise the
    speaker says so itself and the session goes on in text."""
    try:
        voices = list_voices()
    except RenderError as err:
        if strict:
            raise UserError(f"cannot check --voice {wanted!r}: no speech engine ({err}); "
                            "`voicecoach doctor` shows how to fix it") from None
        return
    names = {v.id.lower() for v in voices} | {v.name.lower() for v in voices}
    if voices and wanted.strip().lower() not in names:
        raise UserError(f"--voice: no voice called {wanted!r}; `voicecoach voices` lists them")


def cli_voices(args) -> int:
    try:
        voices = list_voices()
    except RenderError as err:
        raise UserError(f"no speech engine: {err}") from None
    if getattr(args, "json", False):
        for v in voices:
            print(json.dumps({"id": v.id, "name": v.name, "languages": list(v.languages),
                              "gender": v.gender}, ensure_ascii=False))
        return 0
    if not voices:
        print("no voices installed")
        return 0
    width = max(len(v.id) for v in voices)
    for v in voices:
        print(f"{v.id:<{width}}  {v.name}  {','.join(v.languages)}")
    return 0
