"""The person's profile and settings: a small TOML file in the user config dir.

    cause = "tight"            # tight | weak | posture | general
    level = "beginner"         # beginner | intermediate | advanced
    minutes = 15               # session length to start from (5-30)
    goal_minutes = 20          # adaptation grows the session toward this, week by week
    created = 2025-03-01
    disclaimer_heard = true    # the first-run disclaimer is said once

    [voice]                    # all optional: unset means the speaker's default
    voice = "en-us"
    rate = 170                 # words per minute
    volume = 0.9               # 0.0-1.0
    counts = "voice"           # voice | tick

No file means first run (the onboarding conversation). Read with tomllib, written with tomli_w
atomically (temp file + rename) and 0600: the cause of someone's back pain is health data.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w

from voicecoach.store import paths
from voicecoach.core.errors import DataFileError, UserError
from voicecoach.core.plan import CAUSES, COUNTS, LEVELS, MINUTES_RANGE, RATE_RANGE, Settings

# ------------------------------------------------------------------ reading


def _line_of(text: str, key: str) -> int | None:
    """The line a key is set on (tomllib reports no positions for values)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _check(value: Any, key: str, path: str, text: str, ok: bool, expected: str) -> Any:
    if not ok:
        raise DataFileError(path, f"expected {expected}, got {value!r}", line=_line_of(text, key),
                            field=key)
    return value


def _int_in(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def parse(text: str, path: str = "profile.toml") -> Settings:
    """Settings from TOML text; anything wrong is a DataFileError naming file, line and field."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # Python 3.11 has no lineno attribute: the message ends "(at line L, column C)".
        m = re.search(r"at line (\d+)", str(err))
        problem = re.sub(r"\s*\(at line \d+, column \d+\)\s*$", "", str(err))
        raise DataFileError(path, f"not valid TOML ({problem})",
                            line=int(m.group(1)) if m else None) from None
    voice = doc.get("voice", {})
    if not isinstance(voice, dict):
        raise DataFileError(path, "expected a [voice] table", line=_line_of(text, "voice"),
                            field="voice")
    lo, hi = MINUTES_RANGE
    s = Settings()
    kw: dict[str, Any] = {}
    if "cause" in doc:
        kw["cause"] = _check(doc["cause"], "cause", path, text, doc["cause"] in CAUSES,
                             " | ".join(CAUSES))
    if "level" in doc:
        kw["level"] = _check(doc["level"], "level", path, text, doc["level"] in LEVELS,
                             " | ".join(LEVELS))
    for key in ("minutes", "goal_minutes"):
        if key in doc:
            kw[key] = _check(doc[key], key, path, text, _int_in(doc[key], lo, hi),
                             f"whole minutes {lo}-{hi}")
    if "created" in doc:
        kw["created"] = _check(doc["created"], "created", path, text,
                               isinstance(doc["created"], date), "a date like 2025-03-01")
    if "disclaimer_heard" in doc:
        kw["disclaimer_heard"] = _check(doc["disclaimer_heard"], "disclaimer_heard", path, text,
                                        isinstance(doc["disclaimer_heard"], bool), "true or false")
    if "voice" in voice:
        kw["voice"] = _check(voice["voice"], "voice", path, text,
                             isinstance(voice["voice"], str) and voice["voice"].strip() != "",
                             "a voice name or id")
    if "rate" in voice:
        kw["rate"] = _check(voice["rate"], "rate", path, text, _int_in(voice["rate"], *RATE_RANGE),
                            f"words per minute {RATE_RANGE[0]}-{RATE_RANGE[1]}")
    if "volume" in voice:
        v = voice["volume"]
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0
        kw["volume"] = float(_check(v, "volume", path, text, ok, "a number 0.0-1.0"))
    if "counts" in voice:
        kw["counts"] = _check(voice["counts"], "counts", path, text, voice["counts"] in COUNTS,
                              " | ".join(COUNTS))
    return replace(s, **kw)


def load(path: str | os.PathLike | None = None) -> Settings | None:
    """The saved settings, or None when there are none yet (first run)."""
    path = Path(path) if path is not None else paths.profile_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise DataFileError(str(path), f"cannot read ({err.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(str(path), "not UTF-8 text") from None
    return parse(text, str(path))


# ------------------------------------------------------------------ writing


def dumps(s: Settings) -> str:
    doc: dict[str, Any] = {
        "cause": s.cause,
        "level": s.level,
        "minutes": s.minutes,
        "goal_minutes": s.goal_minutes,
        "disclaimer_heard": s.disclaimer_heard,
    }
    if s.created:
        doc["created"] = s.created
    voice = {k: v for k, v in (("voice", s.voice), ("rate", s.rate), ("volume", s.volume))
             if v is not None}
    voice["counts"] = s.counts
    doc["voice"] = voice
    return "# voicecoach profile: edit freely, or use `voicecoach profile --help`\n" + tomli_w.dumps(doc)


def save(s: Settings, path: str | os.PathLike | None = None) -> Path:
    """Write atomically (a crash never leaves half a file) with mode 0600."""
    path = Path(path) if path is not None else paths.profile_path()
    try:
        paths.private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=".profile-", suffix=".toml", dir=path.parent)  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(dumps(s))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as err:
        raise UserError(f"{path}: cannot save the profile ({err.strerror})") from None
    return path


def reset(path: str | os.PathLike | None = None) -> bool:
    """Forget the profile (the next workout starts with the first-run questions)."""
    path = Path(path) if path is not None else paths.profile_path()
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
