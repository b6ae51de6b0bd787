"""The disk cache's naming: where rendered phrases are kept and the key each one is kept under."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

CACHE_VERSION = "1"  # bump when trimming/normalising changes, so old files are not reused


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voicecoach")) / "speech"


def default_driver() -> str:
    return {"win32": "sapi5", "darwin": "nsss"}.get(sys.platform, "espeak")


def cache_key(text: str, voice: str | None, rate: int | None, driver: str | None = None) -> str:
    ident = json.dumps([CACHE_VERSION, driver or default_driver(), voice or "", rate or 0, text],
                       ensure_ascii=False)
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:40]
