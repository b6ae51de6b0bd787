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

import json
import os
import re
import tempfile
import tomllib
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w

from voicecoach import paths
from voicecoach.errors import DataFileError, UserError
from voicecoach.plan import CAUSES, LEVELS, Profile

COUNTS = ("voice", "tick")
MINUTES_RANGE = (5, 30)
RATE_RANGE = (60, 400)


@dataclass(frozen=True)
class Settings:
    cause: str = "general"
    level: str = "beginner"
    minutes: int = 15
    goal_minutes: int = 20
    voice: str | None = None
    rate: int | None = None
    volume: float | None = None
    counts: str = "voice"
    created: date | None = None
    disclaimer_heard: bool = False

    @property
    def profile(self) -> Profile:
        return Profile(self.cause, self.level, self.minutes, self.goal_minutes)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["created"] = self.created.isoformat() if self.created else None
        return d


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


# ------------------------------------------------------------------ `voicecoach profile`

_NAMES = {
    "tight": "tight muscles after sitting",
    "weak": "weak muscles",
    "posture": "poor posture",
    "general": "not sure (a balanced plan)",
}


def _describe(s: Settings, path: Path) -> str:
    voice = s.voice or "default"
    rate = f"{s.rate} words/min" if s.rate else "default"
    volume = f"{s.volume:.2f}" if s.volume is not None else "default"
    lines = [
        f"profile: {path}",
        f"  cause         {s.cause} — {_NAMES.get(s.cause, s.cause)}",
        f"  level         {s.level}",
        f"  minutes       {s.minutes} (grows toward the goal with steady practice)",
        f"  goal minutes  {s.goal_minutes}",
        f"  voice         {voice}, rate {rate}, volume {volume}, counts by {s.counts}",
        f"  created       {s.created.isoformat() if s.created else '-'}",
    ]
    return "\n".join(lines)


def cli_profile(args) -> int:
    path = paths.profile_path()
    if getattr(args, "reset", False):
        existed = reset(path)
        print("Profile forgotten: the next workout starts with the first-run questions."
              if existed else "No profile saved yet: nothing to forget.")
        return 0
    current = load(path)
    changes = {
        key: getattr(args, key)
        for key in ("cause", "level", "minutes", "goal_minutes", "voice", "rate", "volume", "counts")
        if getattr(args, key, None) is not None
    }
    if "volume" in changes and not 0.0 <= changes["volume"] <= 1.0:
        raise UserError("--volume must be between 0.0 and 1.0")
    if "rate" in changes and not RATE_RANGE[0] <= changes["rate"] <= RATE_RANGE[1]:
        raise UserError(f"--rate must be between {RATE_RANGE[0]} and {RATE_RANGE[1]}")
    if changes:
        base = current or Settings(created=date.today())
        updated = replace(base, **changes)
        if "minutes" in changes and "goal_minutes" not in changes:
            # A goal below today's length would stop all growth; keep it at least as long.
            updated = replace(updated, goal_minutes=max(updated.goal_minutes, updated.minutes))
        if updated.goal_minutes < updated.minutes:
            raise UserError(f"--goal-minutes ({updated.goal_minutes}) is shorter than --minutes "
                            f"({updated.minutes})")
        save(updated, path)
        current = updated
    if args.json:
        out = current.to_json() if current else None
        print(json.dumps({"path": str(path), "saved": current is not None, "profile": out}))
        return 0
    if current is None:
        print(f"No profile yet ({path}).\nThe first workout asks a few questions; or set it now, "
              "e.g. `voicecoach profile --cause tight --level beginner`.")
        return 0
    if changes:
        print("Saved.")
    print(_describe(current, path))
    return 0
