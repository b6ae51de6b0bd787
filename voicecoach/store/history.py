"""The session history: one SQLite file, written as the session goes, never lost.

Why it looks like this:
- Health data: the file is created 0600 (owner only) before SQLite opens it, and an existing
  file with looser permissions is tightened. Nothing here talks to the network.
- Never lose what was done: every event is its own committed transaction (autocommit), the
  journal is WAL with synchronous=FULL, so Ctrl-C, kill -9 or a power cut keeps every event
  recorded before it. A session that was never ended reads back as unfinished, its minutes
  taken from its last event.
- Schema-versioned with PRAGMA user_version; MIGRATIONS[i] takes a file from version i to
  i + 1, each in one transaction, so a crash mid-migration leaves the old version intact.

What reading gives back (SessionSummary, folded from the events) is in summary.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from voicecoach.store import paths
from voicecoach.core.errors import DataFileError
from voicecoach.core.plan import Profile
from voicecoach.store.summary import (  # noqa: F401 — re-exported: what reading gives back
    Event, PainReport, RedFlag, SessionSummary, _sort_key, summarize,
)

FILE_MODE = 0o600

# ------------------------------------------------------------------ schema and migrations

_V1 = """
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    started         TEXT    NOT NULL,           -- ISO 8601, as given by the loop
    plan            TEXT    NOT NULL,           -- JSON list of exercise ids, in plan order
    cause           TEXT    NOT NULL,
    level           TEXT    NOT NULL,
    minutes_planned INTEGER NOT NULL,
    ended           INTEGER NOT NULL DEFAULT 0, -- 1 once end_session ran
    finished        INTEGER NOT NULL DEFAULT 0, -- 1 when the plan ran to its end
    minutes         REAL                        -- set by end_session
);
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    t          REAL    NOT NULL,                -- session-clock seconds
    kind       TEXT    NOT NULL,
    data       TEXT    NOT NULL                 -- JSON object
);
CREATE INDEX events_by_session ON events(session_id, id);
"""


def _migrate_1(db: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would COMMIT first and break the
    # one-transaction-per-migration promise.
    for statement in _V1.split(";"):
        if statement.strip():
            db.execute(statement)


def _migrate_2(db: sqlite3.Connection) -> None:
    """v2: the exercise and variant of each event as columns (adaptation asks "what happened
    to the bridge last time?" without parsing every event's JSON), and the profile's minutes
    and goal on each session (history shows how the length grew toward the goal)."""
    for statement in (
        "ALTER TABLE events ADD COLUMN exercise TEXT",
        "ALTER TABLE events ADD COLUMN variant TEXT",
        "ALTER TABLE sessions ADD COLUMN profile_minutes INTEGER",
        "ALTER TABLE sessions ADD COLUMN goal_minutes INTEGER",
        "CREATE INDEX events_by_exercise ON events(exercise, session_id)",
    ):
        db.execute(statement)
    # Backfill in Python rather than json_extract: older SQLite builds lack JSON functions.
    rows = db.execute("SELECT id, data FROM events").fetchall()
    for event_id, raw in rows:
        data = _loads(raw)
        db.execute(
            "UPDATE events SET exercise = ?, variant = ? WHERE id = ?",
            (_str_or_none(data.get("exercise")), _str_or_none(data.get("variant")), event_id),
        )
    # v1 did not keep the profile's minutes: the planned minutes are the best guess we have.
    db.execute("UPDATE sessions SET profile_minutes = minutes_planned")


# MIGRATIONS[i] upgrades a file at user_version i to i + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_1, _migrate_2)
SCHEMA_VERSION = len(MIGRATIONS)


def _loads(raw: str) -> dict:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------ the store


def _create_private(path: Path) -> None:
    """Create the file 0600 before SQLite opens it (SQLite would create it 0644 under the
    usual umask), and tighten an existing file (and its WAL/SHM) that is readable by others.
    fchmod after creating: the umask could have removed the owner's own bits."""
    paths.private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode != FILE_MODE:
            os.chmod(p, FILE_MODE)


class History:
    """The SQLite store. Open with History.open(); one instance per process."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self._db = db
        self.path = path

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> "History":
        path = Path(path) if path is not None else paths.history_path()
        try:
            _create_private(path)
        except OSError as err:
            raise DataFileError(str(path), f"cannot create the history file ({err.strerror})")
        try:
            # isolation_level=None: autocommit, so each INSERT is committed when it returns.
            db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as err:
            raise DataFileError(str(path), f"cannot open the history file ({err})")
        try:
            db.execute("PRAGMA foreign_keys = ON")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network file system: fall back safely
                db.execute("PRAGMA journal_mode = DELETE")
            # FULL: fsync the WAL on every commit, so a power cut keeps the last event too.
            db.execute("PRAGMA synchronous = FULL")
            cls._migrate(db, path)
        except sqlite3.DatabaseError as err:
            db.close()
            raise DataFileError(str(path), f"not a readable voicecoach history ({err})")
        return cls(db, path)

    @staticmethod
    def _migrate(db: sqlite3.Connection, path: Path) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DataFileError(
                str(path),
                f"written by a newer voicecoach (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); update voicecoach",
            )
        if version == 0:
            tables = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables:
                raise DataFileError(str(path), "an SQLite file, but not a voicecoach history")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            db.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[target - 1](db)
                db.execute(f"PRAGMA user_version = {target}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    # ---------------------------------------------------------------- writing

    def _write(self, sql: str, params: tuple) -> sqlite3.Cursor:
        """One statement, committed when it returns; a disk full or locked file becomes one
        line naming the file (DataFileError), not a traceback."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as err:
            raise DataFileError(str(self.path), f"cannot write the history ({err})") from None

    def begin_session(
        self, started: datetime, plan_ids: list[str], profile: Profile, minutes_planned: int
    ) -> int:
        cur = self._write(
            "INSERT INTO sessions (started, plan, cause, level, minutes_planned,"
            " profile_minutes, goal_minutes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                started.isoformat(timespec="seconds"),
                json.dumps(list(plan_ids)),
                profile.cause,
                profile.level,
                int(minutes_planned),
                int(profile.minutes),
                int(profile.goal_minutes),
            ),
        )
        return int(cur.lastrowid)

    def record(self, session_id: int, kind: str, data: dict, t: float) -> None:
        """Store one event; committed (and fsynced) when this returns."""
        try:
            raw = json.dumps(data, sort_keys=True)
        except (TypeError, ValueError) as err:
            raise ValueError(f"history event {kind!r}: data is not JSON-able ({err})") from err
        self._write(
            "INSERT INTO events (session_id, t, kind, data, exercise, variant)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                session_id,
                float(t),
                kind,
                raw,
                _str_or_none(data.get("exercise")),
                _str_or_none(data.get("variant")),
            ),
        )

    def end_session(self, session_id: int, finished: bool, minutes: float) -> None:
        self._write(
            "UPDATE sessions SET ended = 1, finished = ?, minutes = ? WHERE id = ?",
            (1 if finished else 0, float(minutes), session_id),
        )

    # ---------------------------------------------------------------- reading

    def sessions(self) -> list[SessionSummary]:
        """Every session, oldest first."""
        self._db.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in self._db.execute("SELECT * FROM sessions")]
            by_session: dict[int, list[Event]] = {}
            for r in self._db.execute(
                "SELECT session_id, t, kind, data FROM events ORDER BY session_id, id"
            ):
                by_session.setdefault(r["session_id"], []).append(
                    Event(r["t"], r["kind"], _loads(r["data"]))
                )
        except sqlite3.DatabaseError as err:  # damaged pages the open did not touch
            raise DataFileError(str(self.path), f"not a readable voicecoach history ({err})") from None
        finally:
            self._db.row_factory = None
        summaries = []
        for row in rows:
            try:
                summaries.append(summarize(row, by_session.get(row["id"], ())))
            except (ValueError, TypeError, KeyError) as err:  # a row edited or damaged by hand
                raise DataFileError(str(self.path), f"session {row.get('id')} is damaged ({err}); "
                                    "move the file aside to start a new history") from None
        return sorted(summaries, key=_sort_key)

    # ---------------------------------------------------------------- closing

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NullHistory:
    """Same API, keeps nothing: for `workout --no-history`."""

    path = None

    @classmethod
    def open(cls, path=None) -> "NullHistory":
        return cls()

    def begin_session(self, started, plan_ids, profile, minutes_planned) -> int:
        return 0

    def record(self, session_id, kind, data, t) -> None:
        json.dumps(data)  # same failure as the real store for data that could not be kept

    def end_session(self, session_id, finished, minutes) -> None:
        pass

    def sessions(self) -> list[SessionSummary]:
        return []

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass
