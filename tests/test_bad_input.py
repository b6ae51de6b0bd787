"""Every mistake a person can make on the command line, through the real CLI: one clear line on
stderr, exit code 2, no traceback, and nothing saved, said or written before it is reported."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from voicecoach import __version__
from voicecoach.audio.recognizer import ENGINES
from voicecoach.cli.main import main
from voicecoach.core.plan import Profile
from voicecoach.store.history import History

VOICECOACH = [sys.executable, "-m", "voicecoach"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-sound-here")  # no devices: fast
    return home


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI in this process; the single stderr line of a refused command."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith("voicecoach: ")
    return line


def run(argv: list[str], home: Path, stdin: str = "", timeout: float = 60, prefix=(), **env):
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PULSE_SERVER": "unix:/nonexistent",
           **env}
    return subprocess.run([*prefix, *VOICECOACH, *argv], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"voicecoach {__version__}"


@pytest.mark.parametrize("argv, message", [
    (["profile", "--minutes", "abc"], "--minutes must be a whole number between 5 and 30 (got 'abc')"),
    (["workout", "--minutes", "3"], "--minutes must be a whole number between 5 and 30 (got '3')"),
    (["profile", "--goal-minutes", "1e3"], "--goal-minutes must be a whole number between 5 and 30"),
    (["workout", "--time-scale", "0"], "--time-scale must be a number greater than 0 (got '0')"),
    (["workout", "--time-scale", "nan"], "--time-scale must be a number greater than 0"),
    (["workout", "--time-scale", "fast"], "--time-scale must be a number greater than 0"),
    (["profile", "--rate", "quick"],
     "--rate must be a whole number of words per minute between 60 and 400 (got 'quick')"),
    (["workout", "--rate", "0"], "--rate must be a whole number of words per minute between 60"),
    (["workout", "--volume", "2"], "--volume must be a number from 0.0 to 1.0 (got '2')"),
    (["profile", "--volume", "loud"], "--volume must be a number from 0.0 to 1.0"),
    (["doctor", "--seconds", "-1"], "--seconds must be a number of seconds from 0 to 60"),
    (["demo", "--minutes", "x"], "--minutes must be a whole number between 5 and 30"),
    (["workout", "--counts", "loud"], "--counts must be one of: voice, tick (got 'loud')"),
    (["profile", "--cause", "age"], "--cause must be one of: tight, weak, posture, general"),
    (["workout", "--only", ""], "--only needs a value, not an empty string"),
    (["workout", "--only", " , "], "no exercises given"),
    (["workout", "--only", "plank,flying-kick"], "flying-kick"),
    (["workout", "--engine", ""], "--engine needs a value"),
    (["profile", "--voice", " "], "--voice needs a value"),
    (["workout", "--minutes"], "--minutes needs a value"),
    (["exercise"], "unknown command 'exercise'; choose one of: workout, parse, exercises"),
    (["workout", "--frobnicate"], "unrecognized arguments: --frobnicate; see `voicecoach --help`"),
    (["parse"], "the following arguments are required: TEXT"),
    (["explain", "flying", "kick"], "no exercise called 'flying kick'"),
])
def test_a_bad_option_is_one_clear_line_and_nothing_is_saved(home, capsys, argv, message):
    assert message in one_line_error(capsys, argv)
    assert not (home / "config" / "profile.toml").exists(), "a refused command saves nothing"
    assert sessions(home) == []


def test_an_unknown_engine_is_refused_up_front_listing_the_engines(home, capsys):
    for argv in (["workout", "--text", "--mute", "--engine", "bogus"],
                 ["workout", "--engine", "bogus"]):
        line = one_line_error(capsys, argv)
        assert f"--engine must be one of: {', '.join(ENGINES)} (got 'bogus')" in line
    assert not home.exists()


def test_an_unknown_engine_with_real_audio_still_gets_its_message(home):
    """Once, the speaker's audio thread hid stderr while the error was printed (exit 2 with no
    message): the name is now checked before any audio starts."""
    proc = run(["workout", "--engine", "bogus", "--only", "plank"], home)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"voicecoach: --engine must be one of: {', '.join(ENGINES)} (got 'bogus')"]


def test_output_files_in_a_missing_folder_are_refused_before_anything_runs(home, tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    for argv, option in ((["workout", "--text", "--mute", "--transcript", f"{missing}/t.jsonl"],
                          "--transcript"),
                         (["demo", "--out", f"{missing}/coach.wav"], "--out"),
                         (["demo", "--transcript", f"{missing}/t.jsonl"], "--transcript"),
                         (["history", "--plot", f"{missing}/p.png"], "--plot")):
        line = one_line_error(capsys, argv)
        assert line == f"voicecoach: {option} {missing}/{argv[-1].rsplit('/', 1)[1]}: " \
                       f"folder {missing} does not exist"
    assert not home.exists()  # no profile, no history: the workout never began
    line = one_line_error(capsys, ["workout", "--text", "--mute", "--transcript", str(tmp_path)])
    assert f"--transcript {tmp_path}: is a folder; give a file name" in line
    assert "--out must name a .wav file" in one_line_error(capsys, ["demo", "--out", "x.mp3"])


def test_history_plot_needs_a_png_name(home, capsys):
    with History.open(home / "data" / "history.sqlite3") as h:
        sid = h.begin_session(datetime(2025, 3, 3, 8), ["bridge"], Profile(), 15)
        h.end_session(sid, True, 10.0)
    assert one_line_error(capsys, ["history", "--plot", "x.txt"]) == \
        "voicecoach: --plot must name a .png file (got 'x.txt')"


def test_profile_voice_must_be_installed_before_it_is_saved(home, capsys):
    from voicecoach.audio.render import list_voices

    line = one_line_error(capsys, ["profile", "--voice", "nonexistent"])
    assert line == "voicecoach: --voice: no voice called 'nonexistent'; `voicecoach voices` lists them"
    assert not (home / "config" / "profile.toml").exists()
    real = list_voices()[0].id
    assert main(["profile", "--voice", real]) == 0
    assert f'voice = "{real}"' in (home / "config" / "profile.toml").read_text()
    assert "no voice called" in one_line_error(capsys, ["workout", "--voice", "nonexistent"])


def sessions(home: Path) -> list:
    path = home / "data" / "history.sqlite3"
    if not path.exists():
        return []
    with History.open(path) as h:
        return h.sessions()


def test_a_run_that_fails_or_ends_before_starting_leaves_no_empty_session(home):
    # The recognizer cannot be had: the error comes after the plan was made.
    proc = run(["workout", "--mute", "--engine", "vosk", "--only", "plank"], home)
    assert proc.returncode == 2 and "vosk needs a model" in proc.stderr
    assert "Traceback" not in proc.stderr
    # Input ends during the welcome: the session ends without having begun.
    proc = run(["workout", "--text", "--mute", "--only", "plank", "--time-scale", "200"], home)
    assert proc.returncode == 0, proc.stderr
    assert sessions(home) == []
    # A workout that did start is kept (the rating typed once the question has been asked: an
    # answer typed before its question is no answer).
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PULSE_SERVER": "unix:/nonexistent"}
    proc = subprocess.Popen([*VOICECOACH, "workout", "--text", "--mute", "--only", "plank",
                             "--time-scale", "200"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc.stdin.write("start\n")
    proc.stdin.flush()
    for line in proc.stdout:
        if "how is your back" in line.lower():
            break
    proc.stdin.write("3\n")
    proc.stdin.close()
    proc.stdout.read()
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    [kept] = sessions(home)
    assert kept.pain_before == 3 and kept.exercises == ("plank",)


def read_only_prefix(folder: Path) -> list[str] | None:
    """A command prefix that runs a program with `folder` read-only, or None when we cannot.
    Root writes through permission bits, so root gets a read-only bind mount of its own."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    if shutil.which("unshare") is None:
        return None
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), "sh", "-c",
                            f"! touch {folder}/probe"], capture_output=True)
    return ["unshare", "-m", "sh", "-c", script, "sh", str(folder)] if probe.returncode == 0 \
        else None


def test_doctor_reports_a_read_only_home_as_a_problem_with_a_fix(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    prefix = read_only_prefix(home)
    if prefix is None:
        pytest.skip("cannot make a read-only folder here (root without mount namespaces)")
    # The speech cache (the platform's, outside VOICECOACH_HOME) read-only and empty as well:
    # speech must still be made, just not kept.
    cache = home / "xdg-cache"
    proc = run(["doctor", "--seconds", "0"], home, prefix=prefix, timeout=120,
               XDG_CACHE_HOME=str(cache))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert f"[PROBLEM] history storage: cannot write {home}/data (" in out
    assert f"[PROBLEM] profile storage: cannot write {home}/config (" in out
    assert "fix: make it writable, or set VOICECOACH_HOME to a folder you own" in out
    assert "[ok] speech (pyttsx3): rendered a test line" in out
    assert f"[PROBLEM] speech cache: cannot write {cache}/voicecoach/speech (" in out
    workout = run(["workout", "--text", "--mute", "--only", "plank"], home, prefix=prefix)
    assert workout.returncode == 2 and "Traceback" not in workout.stderr
    [line] = workout.stderr.strip().splitlines()
    assert str(home) in line and "cannot" in line


def test_damaged_saved_files_are_one_line_naming_file_and_place(home, capsys):
    profile = home / "config" / "profile.toml"
    profile.parent.mkdir(parents=True)
    profile.write_text('cause = "tight"\nlevel = "expert"\n')
    for argv in (["profile"], ["workout", "--text", "--mute"]):
        line = one_line_error(capsys, argv)
        assert line.startswith(f"voicecoach: {profile}:2: level: expected beginner")
    profile.unlink()
    db = home / "data" / "history.sqlite3"
    with History.open(db) as h:
        h.begin_session(datetime(2025, 3, 3, 8), ["bridge"], Profile(), 15)
    with sqlite3.connect(db) as con:  # edited by hand, or damaged
        con.execute("UPDATE sessions SET started = 'yesterday'")
    for argv in (["history"], ["workout", "--text", "--mute", "--only", "plank"]):
        line = one_line_error(capsys, argv)
        assert line.startswith(f"voicecoach: {db}: session 1 is damaged")


def test_doctor_names_damaged_saved_files_with_a_fix(home):
    (home / "config").mkdir(parents=True)
    (home / "config" / "profile.toml").write_text('minutes = "ten"\n')
    (home / "data").mkdir()
    (home / "data" / "history.sqlite3").write_bytes(b"not a database\n" * 50)
    proc = run(["doctor", "--seconds", "0"], home, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"[PROBLEM] profile: {home}/config/profile.toml:1: minutes:" in proc.stdout
    assert "fix: correct that line, or start again with `voicecoach profile --reset`" in proc.stdout
    assert f"[PROBLEM] history: {home}/data/history.sqlite3: not a readable" in proc.stdout


def test_recognize_refuses_what_is_no_recording(home, tmp_path, capsys):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    cases = [(str(tmp_path), "is a folder, not a recording"), ("", "an empty file name"),
             (str(bad), "cannot read audio"), (str(tmp_path / "none.wav"), "no such file")]
    for name, message in cases:
        assert message in one_line_error(capsys, ["recognize", name])
