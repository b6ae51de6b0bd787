"""`voicecoach voices [--json]`: the installed voices."""

from __future__ import annotations

import json

from voicecoach.audio.render import RenderError, list_voices
from voicecoach.core.errors import UserError


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
