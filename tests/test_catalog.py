"""One file (over 400 lines): one behaviour area - the catalog file and the names it
answers to - whose cases share the GOOD catalog text, its edit helpers and the CLI runner.

The exercise catalog: its content, name matching, validation errors and its two commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from voicecoach.core import catalog as catalog_module
from voicecoach.core.catalog import (KINDS, POSITIONS, Catalog, Exercise, load_catalog,
                                normalise_name)
from voicecoach.core.errors import DataFileError

REPO = Path(__file__).resolve().parent.parent

ARTICLE = {
    "knee-to-chest": "stretch", "childs-pose": "stretch", "cat-cow": "stretch",
    "hamstring-stretch": "stretch",
    "bridge": "strengthen", "plank": "strengthen", "bird-dog": "strengthen",
    "superman": "strengthen",
}
ADDED = {
    "pelvic-tilt": ("strengthen", "back"),
    "figure-4-stretch": ("stretch", "back"),
    "hip-flexor-stretch": ("stretch", "kneeling"),
    "dead-bug": ("strengthen", "back"),
    "side-plank": ("strengthen", "side"),
    "bridge-march": ("strengthen", "back"),
    "lower-trunk-rotation": ("stretch", "back"),
    "prone-press-up": ("stretch", "front"),
}
# Words the recognizer listens for: the coach must not say them inside exercise text, or it
# could hear itself. "easy" is the feedback intent ("that was easy"), "easier" is fine.
COMMAND_WORDS = re.compile(r"\b(stop\w*|paus\w*|next|repeat\w*|skip\w*|help\w*|start\w*|"
                           r"resum\w*|previous|easy)\b", re.I)
# Brackets, slashes, digits and written abbreviations read badly aloud.
ABBREVIATIONS = re.compile(r"[()\[\]/;&%\d]|e\.g\.|\betc\b|\bapprox|\bsec\b|\bmins?\b")
DIAGNOSIS = re.compile(r"diagnos|herniat|sciatica|slipped disc|you have a", re.I)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def spoken_texts(ex: Exercise) -> list[str]:
    variants = [t for v in (ex.easier, ex.harder) for t in (v.how, v.setup, *v.cues) if t]
    return [ex.setup, *ex.cues, ex.breathing, *ex.mistakes, ex.safety, *variants]


def test_every_variant_is_taught_with_its_own_cues(cat):
    """The standard cues can contradict a variant ("lift only a little" vs "a straight line
    from your shoulders to your knees"): each variant has its own."""
    for ex in cat.exercises:
        for v in (ex.easier, ex.harder):
            assert len(v.cues) >= 2, f"{ex.id} {v.name}"
    bridge = cat.get("bridge").easier
    assert not any("straight line" in c for c in bridge.cues)


def test_rep_words_are_short_enough_for_half_a_rep(cat):
    for ex in cat.exercises:
        for words in (ex.rep_words, ex.easier.rep_words, ex.harder.rep_words):
            if words:
                assert ex.reps and all(len(w.split()) <= 3 for w in words), ex.id
                assert not any(COMMAND_WORDS.search(w) for w in words), ex.id


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


# --------------------------------------------------------------------------- the content


def test_article_exercises_are_there_with_their_kinds(cat):
    for ex_id, kind in ARTICLE.items():
        assert cat.get(ex_id).kind == kind


def test_physio_additions_are_there_with_kind_and_position(cat):
    for ex_id, (kind, position) in ADDED.items():
        ex = cat.get(ex_id)
        assert (ex.kind, ex.position) == (kind, position), ex_id
    assert len(cat.exercises) >= 16
    assert len(cat.by_kind("stretch")) >= 6 and len(cat.by_kind("strengthen")) >= 8


def test_catalog_lookups(cat):
    assert cat.ids() == tuple(e.id for e in cat.exercises)
    assert cat.ids()[:8] == tuple(ARTICLE)  # file order kept
    assert set(cat.by_kind("stretch")) | set(cat.by_kind("strengthen")) == set(cat.exercises)
    assert all(e.kind == "stretch" for e in cat.by_kind("stretch"))
    with pytest.raises(KeyError):
        cat.get("cartwheel")
    with pytest.raises(ValueError):
        cat.by_kind("cardio")
    assert load_catalog() is load_catalog()  # read once per process


@pytest.mark.parametrize("ex_id", sorted(set(ARTICLE) | set(ADDED)))
def test_every_listed_exercise_is_complete(cat, ex_id):
    ex = cat.get(ex_id)
    assert ex.name == ex.name.lower() and ex.name.strip()
    assert ex.kind in KINDS and ex.position in POSITIONS and ex.sides in ("none", "both")
    assert ex.muscles and all(m.strip() for m in ex.muscles)
    assert (ex.hold_seconds is None) != (ex.reps is None)
    assert 3 <= len(ex.cues) <= 4
    assert 2 <= len(ex.mistakes) <= 3
    assert ex.aliases, "people call every exercise more than one thing"
    for v in (ex.easier, ex.harder):
        assert v.name.strip() and v.how.strip()


def test_doses_follow_beginner_guidance(cat):
    for ex in cat.exercises:
        assert 1 <= ex.sets <= 3, ex.id
        assert 0 < ex.rest_seconds <= 60, ex.id
        if ex.is_hold:
            assert ex.tempo_seconds == 0.0
            if ex.kind == "stretch":
                assert 20 <= ex.hold_seconds <= 30, ex.id  # stretches held 20-30 s
            else:
                assert 10 <= ex.hold_seconds <= 30, ex.id
        else:
            assert 5 <= ex.reps <= 12, ex.id
            assert 2 <= ex.tempo_seconds <= 8, ex.id
        # easier never asks for more, harder never for less
        base = ex.hold_seconds or ex.reps
        easier = ex.easier.hold_seconds or ex.easier.reps or base
        harder = ex.harder.hold_seconds or ex.harder.reps or base
        assert easier <= base, ex.id
        if ex.harder.reps is None:  # harder rep variants may do fewer, harder reps
            assert harder >= base, ex.id
    assert 8 <= cat.get("bridge").reps <= 12
    assert 15 <= cat.get("plank").hold_seconds <= 30
    assert cat.get("bird-dog").two_sided and cat.get("hamstring-stretch").two_sided
    assert not cat.get("childs-pose").two_sided


def test_spoken_text_is_short_plain_and_safe_for_the_recognizer(cat):
    for ex in cat.exercises:
        assert 1 <= len(sentences(ex.setup)) <= 2, ex.id
        assert len(sentences(ex.breathing)) == 1, ex.id
        assert len(sentences(ex.safety)) == 1, ex.id
        for v in (ex.easier, ex.harder):
            assert 1 <= len(sentences(v.how)) <= 2, ex.id
        for cue in ex.cues:
            assert len(sentences(cue)) == 1, (ex.id, cue)
        for text in spoken_texts(ex):
            assert text[0].isupper() and text.endswith("."), (ex.id, text)
            assert not re.search(ABBREVIATIONS, text), text
            assert not COMMAND_WORDS.search(text), (ex.id, text)
            assert not DIAGNOSIS.search(text), (ex.id, text)
            for sentence in sentences(text):
                assert len(sentence.split()) <= 20, (ex.id, sentence)
        for name in (ex.name, ex.easier.name, ex.harder.name):
            assert not COMMAND_WORDS.search(name) and not re.search(r"[()\d]", name), name


# ------------------------------------------------------------------------ names and find()


def test_normalise_name():
    assert normalise_name("  Child's-Pose ") == "childs pose"
    assert normalise_name("Bird\u2019s   DOG!") == "birds dog"
    assert normalise_name("figure_4") == "figure 4"


def test_names_cover_name_aliases_and_id(cat):
    names = cat.names()
    for ex in cat.exercises:
        assert names[normalise_name(ex.name)] == ex.id
        assert names[ex.id.replace("-", " ")] == ex.id
        for alias in ex.aliases:
            assert names[normalise_name(alias)] == ex.id
    for key in names:
        assert key == normalise_name(key)
    assert names["child pose"] == names["childs pose"] == names["kids pose"] == "childs-pose"
    assert names["birddog"] == names["quadruped arm and leg raise"] == "bird-dog"
    assert names["figure four"] == names["piriformis stretch"] == "figure-4-stretch"
    names["x"] = "y"
    assert "x" not in cat.names()  # a copy: callers cannot change the catalog


@pytest.mark.parametrize("text, expected", [
    ("child", "childs-pose"), ("child's pose", "childs-pose"), ("Childs Pose", "childs-pose"),
    ("kids pose", "childs-pose"), ("childs pos", "childs-pose"),
    ("the child's pose please", "childs-pose"),
    ("brige", "bridge"), ("bridge", "bridge"), ("glute bridge", "bridge"), ("bridges", "bridge"),
    ("bird dog", "bird-dog"), ("birddog", "bird-dog"), ("bird-dog", "bird-dog"),
    ("birdog", "bird-dog"), ("a bird dog", "bird-dog"),
    ("hamstring", "hamstring-stretch"), ("hamstrings stretch", "hamstring-stretch"),
    ("cat cow", "cat-cow"), ("catcow", "cat-cow"), ("cat camel", "cat-cow"),
    ("supermen", "superman"), ("super man", "superman"),
    ("knees to chest", "knee-to-chest"), ("knee to chest", "knee-to-chest"),
    ("knee hugs", "knee-to-chest"),
    ("plank", "plank"), ("planck", "plank"), ("side plank", "side-plank"),
    ("side plnk", "side-plank"),
    ("bridge march", "bridge-march"), ("marching bridge", "bridge-march"),
    ("figure four", "figure-4-stretch"), ("figure 4", "figure-4-stretch"),
    ("piriformis", "figure-4-stretch"), ("hip flexer", "hip-flexor-stretch"),
    ("kneeling lunge", "hip-flexor-stretch"), ("dead bugs", "dead-bug"),
    ("deadbug", "dead-bug"), ("pelvic tilts", "pelvic-tilt"),
    ("trunk rotation", "lower-trunk-rotation"), ("press up", "prone-press-up"),
    ("mckenzie press up", "prone-press-up"), ("clam shells", "clamshell"),
    ("wall sit", "wall-sit"),
])
def test_find_tolerates_spellings(cat, text, expected):
    found = cat.find(text)
    assert found is not None and found.id == expected, text


@pytest.mark.parametrize("text", [
    "water", "the kitchen", "I need some water", "", "   ", "hello", "what time is it",
    "stretch", "knee", "hip", "lower back", "sit down", "next", "stop", "help", "ten",
])
def test_find_rejects_unrelated_or_ambiguous_text(cat, text):
    assert cat.find(text) is None


def test_find_knows_every_alias(cat):
    for ex in cat.exercises:
        for said in (ex.name, ex.id, *ex.aliases):
            assert cat.find(said) is ex, said


# ------------------------------------------------------------------------ validation errors

GOOD = textwrap.dedent("""\
    # a tiny catalog for the validation tests
    exercises:
      - id: reach
        name: reach stretch
        aliases: [reach, big reach]
        kind: stretch
        muscles: [shoulders]
        position: standing
        hold_seconds: 20
        sets: 2
        sides: both
        rest_seconds: 10
        setup: Stand tall.
        cues: [Reach up., Breathe.]
        breathing: Breathe slowly.
        mistakes: [Shrugging.]
        safety: Ease off if it pinches.
        easier:
          name: low reach
          how: Reach only a little.
          hold_seconds: 10
        harder:
          name: long reach
          how: Reach longer.
      - id: lift
        name: leg lift
        aliases: [lifts]
        kind: strengthen
        muscles: [hips]
        position: side
        reps: 10
        tempo_seconds: 3
        sets: 2
        sides: none
        rest_seconds: 20
        setup: Lie on your side.
        cues:
          - Lift the top leg.
          - Lower slowly.
        breathing: Breathe out as you lift.
        mistakes: [Rolling back.]
        safety: Keep it small.
        easier:
          name: small lift
          how: Lift a little.
          reps: 6
        harder:
          name: slow lift
          how: Lift slowly.
    """)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing needle."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth - 1]


def replace(text: str, old: str, new: str, nth: int = 1) -> str:
    """Replace the nth occurrence of old (a whole line's content) with new."""
    parts = text.split(old)
    assert len(parts) > nth, f"{old!r} occurs fewer than {nth} times"
    return old.join(parts[:nth]) + new + old.join(parts[nth:])


def load_error(tmp_path: Path, text: str) -> DataFileError:
    path = tmp_path / "exercises.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_catalog(path)
    return info.value


def check(err: DataFileError, line: int | None, *fragments: str) -> None:
    message = str(err)
    assert "exercises.yaml" in message
    assert "\n" not in message
    assert err.line == line, message
    if line is not None:
        assert f"exercises.yaml:{line}:" in message
    for fragment in fragments:
        assert fragment in message, message


def test_the_tiny_catalog_is_valid(tmp_path):
    path = tmp_path / "exercises.yaml"
    path.write_text(GOOD)
    cat = load_catalog(path)
    assert cat.ids() == ("reach", "lift")
    assert cat.get("reach").easier.hold_seconds == 10 and cat.get("lift").tempo_seconds == 3.0
    assert cat.find("big reach").id == "reach" and cat.find("leg lifts").id == "lift"


@pytest.mark.parametrize("old, new, needle, nth, fragments", [
    # YAML syntax
    ("    name: leg lift\n", "    name: leg: lift\n", "name: leg: lift", 1, ("not valid YAML",)),
    ("    cues: [Reach up., Breathe.]\n", "    cues: [Reach up., Breathe.\n", "breathing:", 1,
     ("not valid YAML",)),
    # unknown fields, at any level
    ("    sets: 2\n", "    sets: 2\n    colour: red\n", "colour: red", 1,
     ("reach.colour", "unknown field 'colour'")),
    ("      how: Lift slowly.\n", "      how: Lift slowly.\n      video: x\n", "video: x", 1,
     ("lift.harder.video", "unknown field")),
    ("    sets: 2\n", "    sets: 2\n    sets: 3\n", "sets: 3", 1, ("appears twice",)),
    # wrong types
    ("    sets: 2\n", "    sets: two\n", "sets: two", 1, ("reach.sets", "whole number")),
    ("    hold_seconds: 20\n", "    hold_seconds: 20.5\n", "hold_seconds: 20.5", 1,
     ("reach.hold_seconds", "whole number")),
    ("    name: leg lift\n", "    name: 42\n", "name: 42", 1, ("lift.name", "must be text")),
    ("    muscles: [hips]\n", "    muscles: hips\n", "muscles: hips", 1,
     ("lift.muscles", "list")),
    ("    aliases: [lifts]\n", "    aliases: [lifts, 7]\n", "aliases: [lifts, 7]", 1,
     ("lift.aliases",)),
    ("    setup: Stand tall.\n", "    setup: ''\n", "setup: ''", 1, ("reach.setup", "empty")),
    ("    tempo_seconds: 3\n", "    tempo_seconds: yes\n", "tempo_seconds: yes", 1,
     ("lift.tempo_seconds", "number")),
    ("  - id: lift\n", "  - id: Leg Lift\n", "id: Leg Lift", 1, ("hyphens",)),
    # bad choices
    ("    kind: stretch\n", "    kind: strech\n", "kind: strech", 1,
     ("reach.kind", "stretch, strengthen", "'strech'")),
    ("    position: side\n", "    position: sofa\n", "position: sofa", 1,
     ("lift.position", "'sofa'")),
    ("    sides: none\n", "    sides: left\n", "sides: left", 1, ("lift.sides", "none, both")),
    # dose
    ("    reps: 10\n", "    reps: 10\n    hold_seconds: 5\n", "reps: 10", 1,
     ("lift.reps", "both hold_seconds and reps")),
    ("    hold_seconds: 20\n", "", "- id: reach", 1, ("hold_seconds or reps",)),
    ("    tempo_seconds: 3\n", "", "- id: lift", 1, ("tempo_seconds",)),
    ("    sides: both\n", "    sides: both\n    tempo_seconds: 2\n", "tempo_seconds: 2", 1,
     ("reach.tempo_seconds", "only exercises done in reps")),
    ("      hold_seconds: 10\n", "      reps: 10\n", "      reps: 10", 1,
     ("reach.easier.reps", "a hold")),
    # non-positive numbers
    ("    sets: 2\n", "    sets: 0\n", "sets: 0", 1, ("reach.sets", "greater than 0")),
    ("    hold_seconds: 20\n", "    hold_seconds: -5\n", "hold_seconds: -5", 1,
     ("reach.hold_seconds", "greater than 0")),
    ("    tempo_seconds: 3\n", "    tempo_seconds: 0\n", "tempo_seconds: 0", 1,
     ("lift.tempo_seconds", "greater than 0")),
    ("    rest_seconds: 20\n", "    rest_seconds: -1\n", "rest_seconds: -1", 1,
     ("lift.rest_seconds",)),
    ("      reps: 6\n", "      reps: 0\n", "reps: 0", 1, ("lift.easier.reps", "greater than 0")),
    # missing fields
    ("    safety: Keep it small.\n", "", "- id: lift", 1, ("lift", "missing field", "safety")),
    ("      how: Reach longer.\n", "", "name: long reach", 1, ("reach.harder", "how")),
    ("    easier:\n      name: small lift\n      how: Lift a little.\n      reps: 6\n", "",
     "- id: lift", 1, ("missing field", "easier")),
    # empty lists
    ("    cues: [Reach up., Breathe.]\n", "    cues: []\n", "cues: []", 1,
     ("reach.cues", "must not be empty")),
    ("    mistakes: [Rolling back.]\n", "    mistakes: []\n", "mistakes: []", 1,
     ("lift.mistakes",)),
    # duplicates across exercises
    ("  - id: lift\n", "  - id: reach\n", "- id: reach", 2,
     ("duplicate id 'reach'", "first at line 3")),
    ("    aliases: [lifts]\n", "    aliases: [lifts,\n      big reach]\n", "      big reach]", 1,
     ("lift.aliases", "'big reach'", "'reach'")),
    ("    aliases: [lifts]\n", "    aliases: [lifts, Big-Reach]\n", "Big-Reach", 1,
     ("lift.aliases", "'Big-Reach'", "'reach'")),
    ("    name: leg lift\n", "    name: reach stretch\n", "name: reach stretch", 2,
     ("lift.name", "already a name of 'reach'")),
])
def test_validation_errors_name_file_line_and_field(tmp_path, old, new, needle, nth, fragments):
    text = replace(GOOD, old, new)
    err = load_error(tmp_path, text)
    check(err, line_of(text, needle, nth), *fragments)


def test_whole_file_problems(tmp_path):
    check(load_error(tmp_path, ""), None, "empty")
    check(load_error(tmp_path, "# only a comment\n"), None, "empty")
    check(load_error(tmp_path, "- id: reach\n"), 1, "mapping")
    check(load_error(tmp_path, "exercise:\n  - id: x\n"), 1, "unknown top-level field")
    check(load_error(tmp_path, "exercises: []\n"), 1, "non-empty list")
    check(load_error(tmp_path, "exercises:\n  - just text\n"), 2, "exercise 1", "mapping")
    check(load_error(tmp_path, "a: 1\n---\nb: 2\n"), 2, "not valid YAML")
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(DataFileError, match="nowhere.yaml: file not found"):
        load_catalog(missing)


def test_the_cli_turns_a_broken_catalog_into_one_line(tmp_path, monkeypatch, capsys):
    from voicecoach.cli import main

    broken = tmp_path / "exercises.yaml"
    broken.write_text(replace(GOOD, "    kind: stretch\n", "    kind: yoga\n"))
    monkeypatch.setattr(catalog_module, "DEFAULT_PATH", broken)
    catalog_module._load_default.cache_clear()
    try:
        assert main(["exercises"]) == 2
    finally:
        catalog_module._load_default.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{broken}:6: reach.kind:" in err


# ------------------------------------------------------------------------------- the CLI


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=30)


def test_cli_exercises_json_lists_everything(cat):
    result = run_cli("exercises", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == list(cat.ids())
    keys = {"id", "name", "kind", "aliases", "muscles", "position", "hold_seconds", "reps",
            "tempo_seconds", "sets", "sides", "rest_seconds", "setup", "cues", "breathing",
            "mistakes", "safety", "easier", "harder"}
    for d in data:
        assert keys <= set(d)
        assert {"name", "how", "hold_seconds", "reps"} <= set(d["easier"])
    bridge = next(d for d in data if d["id"] == "bridge")
    assert bridge["reps"] == 10 and bridge["hold_seconds"] is None
    assert bridge["kind"] == "strengthen" and isinstance(bridge["cues"], list)


def test_cli_exercises_table_and_explain(cat):
    table = run_cli("exercises")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "KIND", "POSITION", "DOSE"]
    assert len(lines) == len(cat.exercises) + 1
    assert any(l.startswith("plank ") and "hold 20 s, 3 sets" in l for l in lines)

    explain = run_cli("explain", "bird", "dog")
    assert explain.returncode == 0, explain.stderr
    ex = cat.get("bird-dog")
    out = " ".join(explain.stdout.split())
    for text in (ex.cues[0], ex.breathing, ex.mistakes[0], ex.safety, ex.easier.how,
                 ex.harder.how, ex.setup.split(".")[0]):
        assert " ".join(text.split()) in out
    assert out.startswith("Bird dog")


def test_cli_explain_unknown_name_is_one_line_exit_2():
    result = run_cli("explain", "the", "kitchen")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "voicecoach: no exercise called 'the kitchen'; try `voicecoach exercises`"]
