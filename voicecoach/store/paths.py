"""Where voicecoach keeps the person's files.

By default the platform's per-user directories (platformdirs). When the environment variable
VOICECOACH_HOME is set, everything lives under it instead — tests and CI set it so they never
touch the real home directory:

    $VOICECOACH_HOME/data/history.sqlite3
    $VOICECOACH_HOME/config/profile.toml
    $VOICECOACH_HOME/cache/
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "voicecoach"
HOME_ENV = "VOICECOACH_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def cache_dir() -> Path:
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP))


def history_path() -> Path:
    return data_dir() / "history.sqlite3"


def profile_path() -> Path:
    return config_dir() / "profile.toml"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only: it holds health data."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
