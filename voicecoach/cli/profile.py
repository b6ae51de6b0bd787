"""`voicecoach profile`: show or change the saved profile."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from voicecoach.core.errors import UserError
from voicecoach.store import paths
from voicecoach.cli.voices import check_voice
from voicecoach.store.profile import Settings, load, reset, save


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
    if "voice" in changes:  # checked before it is saved: a wrong one would silence the coach
        check_voice(changes["voice"], strict=True)
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
