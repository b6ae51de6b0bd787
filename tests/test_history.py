"""One file (over 400 lines): one behaviour area - the stored history - whose cases
share the temp home, the full-session writer and the CLI and kill-9 helpers.

The session history: real SQLite files in temp dirs, real processes killed with SIGKILL,
the real CLI in a subprocess with VOICECOACH_HOME pointing at a temp dir."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from voicecoach.store import history as history_mod
from voicecoach.core.errors import DataFileError
from voicecoach.store.history import SCHEMA_VERSION, History
from voicecoach.core.plan import Profile

REPO = Path(__file__).resolve().parents[1]
PROFILE = Profile("weak", "beginner", 15, 20)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOICECOACH_HOME": str(home), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=timeout)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def full_session(h: History, started: datetime, finished: bool = True) -> int:
    sid = h.begin_session(started, ["cat-cow", "bridge", "plank"], PROFILE, 15)
    h.record(sid, "pain_before", {"value": 4}, 12.0)
    h.record(sid, "exercise_done", {"exercise": "cat-cow", "variant": "standard"}, 150.0)
    h.record(sid, "pain", {"exercise": "bridge", "variant": "standard"}, 230.5)
    h.record(sid, "exercise_skipped", {"exercise": "bridge"}, 240.0)
    h.record(sid, "easy", {"exercise": "plank"}, 400.0)
    h.record(sid, "exercise_done", {"exercise": "plank", "variant": "harder"}, 420.0)
    h.record(sid, "pain_after", {"value": 2}, 500.0)
    h.end_session(sid, finished, 8.5)
    return sid


# ------------------------------------------------------------------ store basics


def test_a_session_reads_back_as_the_person_lived_it(home):
    with History.open() as h:
        full_session(h, datetime(2025, 3, 3, 8, 30))
        [s] = h.sessions()
    assert h.path == home / "data" / "history.sqlite3"
    assert s.started == datetime(2025, 3, 3, 8, 30)
    assert (s.finished, s.ended, s.minutes, s.minutes_planned) == (True, True, 8.5, 15)
    assert s.plan == ("cat-cow", "bridge", "plank")
    assert s.profile == PROFILE
    assert s.exercises == ("cat-cow", "plank")
    assert s.variants == {"cat-cow": "standard", "plank": "harder"}
    assert s.skipped == ("bridge",)
    assert (s.pain_before, s.pain_after) == (4, 2)
    assert [(p.exercise, p.variant, p.t) for p in s.pain_reports] == [("bridge", "standard", 230.5)]
    assert s.easy == ("plank",)


def test_a_session_never_ended_is_unfinished_with_minutes_from_its_last_event(tmp_path):
    with History.open(tmp_path / "h.sqlite3") as h:
        sid = h.begin_session(datetime(2025, 3, 3, 8), ["bridge"], PROFILE, 15)
        h.record(sid, "pain_before", {"value": 3}, 5.0)
        h.record(sid, "exercise_done", {"exercise": "bridge", "variant": "standard"}, 270.0)
        stopped = full_session(h, datetime(2025, 3, 4, 8), finished=False)
        by_id = {s.id: s for s in h.sessions()}
    assert by_id[sid].finished is False and by_id[sid].ended is False
    assert by_id[sid].minutes == 4.5  # 270 s, the last thing recorded
    assert by_id[stopped].finished is False and by_id[stopped].ended is True


def test_red_flags_are_kept_with_their_exercise(tmp_path):
    with History.open(tmp_path / "h.sqlite3") as h:
        sid = h.begin_session(datetime(2025, 3, 3, 8), ["bridge"], PROFILE, 15)
        h.record(sid, "red_flag", {"urgent": True, "text": "numb in the groin",
                                   "exercise": "bridge"}, 99.0)
        h.end_session(sid, False, 1.7)
        [s] = h.sessions()
    assert [(f.urgent, f.text, f.exercise) for f in s.red_flags] == [(True, "numb in the groin",
                                                                      "bridge")]


def test_history_json_shows_red_flags_and_each_exercise_once_with_what_was_done(tmp_path):
    from voicecoach.cli.history import session_json

    with History.open(tmp_path / "h.sqlite3") as h:
        sid = h.begin_session(datetime(2025, 3, 3, 8), ["bridge", "plank"], PROFILE, 15)
        for t, ex in ((60.0, "bridge"), (200.0, "plank"), (400.0, "bridge")):  # bridge again
            h.record(sid, "exercise_done", {"exercise": ex, "variant": "standard", "sets": 2,
                                            "sides": 1, "reps": 10}, t)
        h.record(sid, "red_flag", {"urgent": False, "text": "my leg is going numb",
                                   "exercise": "plank"}, 450.0)
        h.end_session(sid, False, 7.5)
        [s] = h.sessions()
    doc = session_json(s)
    assert doc["exercises"] == ["bridge", "plank"]
    assert [(d["exercise"], d["times"], d["sets"], d["reps"]) for d in doc["done"]] == [
        ("bridge", 2, 2, 10), ("plank", 1, 2, 10)]
    assert doc["red_flags"] == [{"urgent": False, "text": "my leg is going numb",
                                 "exercise": "plank", "t": 450.0}]
    assert json.loads(json.dumps(doc)) == doc


def test_sessions_come_back_oldest_first_whatever_the_order_written(tmp_path):
    with History.open(tmp_path / "h.sqlite3") as h:
        for day in (5, 3, 4):
            h.begin_session(datetime(2025, 3, day, 8), [], PROFILE, 15)
        assert [s.started.day for s in h.sessions()] == [3, 4, 5]


def test_data_that_cannot_be_stored_is_refused_at_once(tmp_path):
    with History.open(tmp_path / "h.sqlite3") as h:
        sid = h.begin_session(datetime(2025, 3, 3), [], PROFILE, 15)
        with pytest.raises(ValueError, match="JSON"):
            h.record(sid, "pain", {"exercise": object()}, 1.0)
        with pytest.raises(DataFileError, match="cannot write the history"):
            h.record(sid + 99, "pain", {}, 1.0)  # no such session


# ------------------------------------------------------------------ never lost

_WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime
    from voicecoach.store.history import History
    from voicecoach.core.plan import Profile
    h = History.open(sys.argv[1])
    sid = h.begin_session(datetime(2025, 3, 3, 8, 0), ["cat-cow", "bridge"], Profile(), 15)
    h.record(sid, "pain_before", {"value": 5}, 3.0)
    print("began", flush=True)
    n = 0
    while True:  # one event after another, as fast as the disk allows, until killed
        n += 1
        h.record(sid, "exercise_done", {"exercise": f"ex-{n}", "variant": "standard"}, 3.0 + n)
        print(n, flush=True)
        if n >= int(sys.argv[2]):
            time.sleep(60)  # stay mid-session: the parent kills us
""")


def _kill_writer(db: Path, at_least: int, stop_after: int) -> int:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(stop_after)],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    seen = 0
    try:
        assert proc.stdout.readline().strip() == "began"
        while seen < at_least:
            seen = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)  # no cleanup, no atexit, no close: like a power cut
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return seen


def test_kill_9_mid_write_keeps_every_event_already_recorded(tmp_path):
    db = tmp_path / "h.sqlite3"
    seen = _kill_writer(db, at_least=40, stop_after=10_000)  # killed while writing
    with History.open(db) as h:
        [s] = h.sessions()
        assert h._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Every event the writer had been told was stored is there (maybe one or two more).
    assert len(s.exercises) >= seen
    assert list(s.exercises[:seen]) == [f"ex-{n}" for n in range(1, seen + 1)]
    assert s.pain_before == 5
    assert s.finished is False and s.ended is False


def test_a_killed_session_shows_up_unfinished_in_history_json(tmp_path):
    home = tmp_path / "home"
    db = home / "data" / "history.sqlite3"
    _kill_writer(db, at_least=5, stop_after=5)  # killed while idle mid-session
    out = run_cli(home, "history", "--json")
    assert out.returncode == 0, out.stderr
    [s] = json.loads(out.stdout)["sessions"]
    assert s["finished"] is False
    assert s["exercises"] == [f"ex-{n}" for n in range(1, 6)]
    assert s["pain_before"] == 5 and s["pain_after"] is None
    assert s["minutes"] == round(8.0 / 60, 1)  # from the last event, at t = 8 s


def _count_done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM events WHERE kind = 'exercise_done'"
                               ).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, or mid-migration
        return 0


def test_kill_9_of_a_real_workout_keeps_it_as_unfinished(tmp_path):
    """The real `voicecoach workout` (text, muted, fast clock), killed after its first exercise."""
    import threading
    import time

    home = tmp_path / "home"
    db = home / "data" / "history.sqlite3"
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "workout", "--text", "--mute", "--minutes", "10",
         "--time-scale", "40"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=env, cwd=REPO)
    try:
        proc.stdin.write("start\n")
        proc.stdin.flush()
        for line in proc.stdout:  # answer once the question has been asked, as a person would
            if "how is your back" in line.lower():
                break
        proc.stdin.write("3\n")
        proc.stdin.flush()
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
        deadline = time.monotonic() + 45
        while _count_done(db) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, "the workout ended by itself before it could be killed"
        assert _count_done(db) >= 1, "no exercise finished in time"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = run_cli(home, "history", "--json")
    assert out.returncode == 0, out.stderr
    [s] = json.loads(out.stdout)["sessions"]
    assert s["finished"] is False
    assert len(s["exercises"]) >= 1 and s["pain_before"] == 3 and s["pain_after"] is None
    assert s["minutes"] > 0


# ------------------------------------------------------------------ private


def test_the_file_and_its_journal_are_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0o000)  # the loosest umask: SQLite alone would make the file 0666
    try:
        db = tmp_path / "data" / "h.sqlite3"
        h = History.open(db)
        sid = h.begin_session(datetime(2025, 3, 3), [], PROFILE, 15)
        h.record(sid, "pain_before", {"value": 1}, 1.0)
        wal = Path(f"{db}-wal")
        assert mode(db) == 0o600
        assert wal.exists() and mode(wal) == 0o600
        assert mode(db.parent) == 0o700
        h.close()
    finally:
        os.umask(old)


def test_an_existing_file_readable_by_others_is_tightened(tmp_path):
    db = tmp_path / "h.sqlite3"
    History.open(db).close()
    os.chmod(db, 0o644)
    History.open(db).close()
    assert mode(db) == 0o600


# ------------------------------------------------------------------ schema versions


def _make_v1(db: Path) -> None:
    """A history file exactly as version 1 wrote it."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    history_mod.MIGRATIONS[0](con)
    con.execute("PRAGMA user_version = 1")
    con.execute("COMMIT")
    con.execute("INSERT INTO sessions (started, plan, cause, level, minutes_planned, ended,"
                " finished, minutes) VALUES ('2025-03-01T08:00:00', '[\"bridge\", \"plank\"]',"
                " 'tight', 'beginner', 12, 1, 1, 11.5)")
    con.execute("INSERT INTO sessions (started, plan, cause, level, minutes_planned)"
                " VALUES ('2025-03-02T08:00:00', '[\"bridge\"]', 'tight', 'beginner', 12)")
    for sid, t, kind, data in (
        (1, 2.0, "pain_before", {"value": 6}),
        (1, 100.0, "exercise_done", {"exercise": "bridge", "variant": "standard"}),
        (1, 200.0, "pain", {"exercise": "plank", "variant": "harder"}),
        (1, 600.0, "pain_after", {"value": 4}),
        (2, 90.0, "exercise_done", {"exercise": "bridge", "variant": "easier"}),
    ):
        con.execute("INSERT INTO events (session_id, t, kind, data) VALUES (?, ?, ?, ?)",
                    (sid, t, kind, json.dumps(data)))
    con.close()


def test_a_version_1_file_is_migrated_and_keeps_everything(tmp_path):
    db = tmp_path / "h.sqlite3"
    _make_v1(db)
    with History.open(db) as h:
        assert h.schema_version == SCHEMA_VERSION == 2
        first, second = h.sessions()
        # New columns filled from the old data.
        rows = h._db.execute("SELECT kind, exercise, variant FROM events ORDER BY id").fetchall()
        h.record(second.id, "pain_after", {"value": 3}, 95.0)  # and it takes new events
        assert h.sessions()[1].pain_after == 3
    assert (first.finished, first.minutes, first.pain_before, first.pain_after) == (True, 11.5, 6, 4)
    assert first.profile == Profile("tight", "beginner", 12, 20)
    assert [(p.exercise, p.variant) for p in first.pain_reports] == [("plank", "harder")]
    assert (second.finished, second.minutes, second.variants) == (False, 1.5, {"bridge": "easier"})
    assert rows == [("pain_before", None, None), ("exercise_done", "bridge", "standard"),
                    ("pain", "plank", "harder"), ("pain_after", None, None),
                    ("exercise_done", "bridge", "easier")]


def test_a_failed_migration_leaves_the_old_version_intact(tmp_path, monkeypatch):
    db = tmp_path / "h.sqlite3"
    _make_v1(db)

    def broken(con):
        con.execute("ALTER TABLE events ADD COLUMN exercise TEXT")
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(history_mod, "MIGRATIONS", (history_mod.MIGRATIONS[0], broken))
    with pytest.raises(DataFileError):
        History.open(db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "exercise" not in [r[1] for r in con.execute("PRAGMA table_info(events)")]
    con.close()


def test_a_file_from_a_newer_voicecoach_is_refused_not_damaged(tmp_path):
    db = tmp_path / "h.sqlite3"
    History.open(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(DataFileError, match="newer voicecoach"):
        History.open(db)


def test_a_broken_history_file_is_one_line_naming_it(tmp_path):
    home = tmp_path / "home"
    db = home / "data" / "history.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    out = run_cli(home, "history", "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    [line] = out.stderr.strip().splitlines()
    assert str(db) in line and "Traceback" not in out.stderr


# ------------------------------------------------------------------ voicecoach history


def test_history_json_shape_through_the_cli(tmp_path):
    home = tmp_path / "home"
    today = date.today()
    with History.open(home / "data" / "history.sqlite3") as h:
        for back in (3, 2, 1):
            full_session(h, datetime.combine(today - timedelta(days=back), datetime.min.time())
                         .replace(hour=8))
        sid = h.begin_session(datetime.combine(today, datetime.min.time()).replace(hour=7),
                              ["bridge"], PROFILE, 15)
        h.record(sid, "exercise_done", {"exercise": "bridge", "variant": "easier"}, 130.0)
    out = run_cli(home, "history", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {"sessions", "streak"}
    assert doc["streak"] == 4
    assert len(doc["sessions"]) == 4
    for s in doc["sessions"]:
        assert {"started", "minutes", "finished", "exercises", "pain_before", "pain_after",
                "pain_reports"} <= set(s)
        datetime.fromisoformat(s["started"])
        assert isinstance(s["minutes"], (int, float)) and isinstance(s["finished"], bool)
    first, last = doc["sessions"][0], doc["sessions"][-1]
    assert first["exercises"] == ["cat-cow", "plank"]
    assert (first["pain_before"], first["pain_after"], first["finished"]) == (4, 2, True)
    assert first["pain_reports"] == [{"exercise": "bridge", "t": 230.5}]
    assert (last["finished"], last["exercises"], last["minutes"]) == (False, ["bridge"], 2.2)

    text = run_cli(home, "history")
    assert text.returncode == 0 and "unfinished" in text.stdout and "streak: 4" in text.stdout


def test_history_with_no_sessions_says_so_and_creates_nothing(tmp_path):
    home = tmp_path / "home"
    out = run_cli(home, "history", "--json")
    assert out.returncode == 0 and json.loads(out.stdout) == {"sessions": [], "streak": 0}
    assert not (home / "data" / "history.sqlite3").exists()
    plot = run_cli(home, "history", "--plot", str(tmp_path / "p.png"))
    assert plot.returncode == 2 and "no sessions yet" in plot.stderr


def test_the_plot_is_a_png_with_pain_and_minutes(tmp_path):
    home = tmp_path / "home"
    start = date(2025, 3, 3)
    with History.open(home / "data" / "history.sqlite3") as h:
        for k in range(12):
            if k % 4 == 3:
                continue  # a rest day
            day = datetime.combine(start + timedelta(days=k), datetime.min.time()).replace(hour=8)
            sid = h.begin_session(day, ["bridge"], PROFILE, 15)
            h.record(sid, "pain_before", {"value": 6 - k // 3}, 2.0)
            h.record(sid, "exercise_done", {"exercise": "bridge", "variant": "standard"}, 60.0)
            if k == 5:
                h.record(sid, "pain", {"exercise": "bridge", "variant": "standard"}, 70.0)
            if k != 10:  # one session killed: no pain after, no end
                h.record(sid, "pain_after", {"value": 4 - k // 4}, 600.0)
                h.end_session(sid, True, 12 + k / 2)
    png = tmp_path / "progress.png"
    out = run_cli(home, "history", "--plot", str(png))
    assert out.returncode == 0, out.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # two panels with lines, bars, legends and dates, not a blank
    import matplotlib.image as mpimg

    img = mpimg.imread(png)
    assert img.shape[0] >= 600 and img.shape[1] >= 1000
    assert img[..., :3].std() > 0.05  # not one flat colour

    bad = run_cli(home, "history", "--plot", str(tmp_path / "missing" / "p.png"))
    assert bad.returncode == 2 and "does not exist" in bad.stderr


def test_paths_follow_voicecoach_home(home):
    from voicecoach.store import paths

    assert paths.history_path() == home / "data" / "history.sqlite3"
    assert paths.profile_path() == home / "config" / "profile.toml"
