"""Typed text -> intent: every sentence the templates generate, free phrasings with fillers,
typos and punctuation, the listening context, slots, things that are not commands, and
`voicecoach parse`. The phrasings here are our own (none from ../shared/nlu/dev.tsv)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from voicecoach.core.catalog import load_catalog
from voicecoach.understanding.templates import sample_sentences
from voicecoach.core.intents import COMMANDS
from voicecoach.understanding.parser import parse


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_generated_sentence_parses_to_its_intent(catalog):
    generated = sample_sentences(catalog=catalog)
    counts = Counter(i.name for _, i in generated)
    wrong = []
    start = time.perf_counter()
    for sentence, want in generated:
        got = parse(sentence, catalog)
        if got.to_json() != want.to_json():
            wrong.append(f"{sentence!r}: want {want.to_json()}, got {got.to_json()}")
    took = time.perf_counter() - start
    assert not wrong, f"{len(wrong)} of {len(generated)} wrong:\n" + "\n".join(wrong[:40])
    assert len(generated) > 3000 and set(counts) == set(COMMANDS) | {"cause", "level"}
    assert took / len(generated) < 0.002  # exact sentences are a dict lookup


def test_generated_sentences_survive_shouting_punctuation_and_fillers(catalog):
    wrong = []
    for sentence, want in sample_sentences(catalog=catalog, limit=600):
        for variant in (sentence.upper() + "!", f"um, {sentence}, please.",
                        f"Hey coach... {sentence}?", sentence.replace("'", "")):
            got = parse(variant, catalog)
            if got.to_json() != want.to_json():
                wrong.append(f"{variant!r}: want {want.to_json()}, got {got.to_json()}")
    assert not wrong, "\n".join(wrong[:40])


def test_typed_digits_are_numbers(catalog):
    for n in range(11):
        for text in (str(n), f"about {n}", f"it's a {n}", f"{n} out of 10", f"{n}/10"):
            assert parse(text, catalog).to_json() == {"intent": "number",
                                                      "slots": {"value": n}}, text


G, E = "goto", "explain"

# (text, intent, slots): how people actually type or say things.
NATURAL = [
    ("do the child's pose", G, {"exercise": "childs-pose"}),
    ("Do the childs pose", G, {"exercise": "childs-pose"}),
    ("do the child pose please", G, {"exercise": "childs-pose"}),
    ("child pose", G, {"exercise": "childs-pose"}),
    ("um, do the brige", G, {"exercise": "bridge"}),
    ("let's do the plank now", G, {"exercise": "plank"}),
    ("can we do the superman?", G, {"exercise": "superman"}),
    ("i wnat to do the plnak", G, {"exercise": "plank"}),
    ("switch to cat cow", G, {"exercise": "cat-cow"}),
    ("Go to the hamstring stretch.", G, {"exercise": "hamstring-stretch"}),
    ("skip to the dead bug", G, {"exercise": "dead-bug"}),
    ("do the figure 4 stretch", G, {"exercise": "figure-4-stretch"}),
    ("do the bird-dog", G, {"exercise": "bird-dog"}),
    ("I'd like to do the knee to chest", G, {"exercise": "knee-to-chest"}),
    ("how do i do a bird dog?", E, {"exercise": "bird-dog"}),
    ("How do I do the bridge??", E, {"exercise": "bridge"}),
    ("explain the cat-cow", E, {"exercise": "cat-cow"}),
    ("what is a superman", E, {"exercise": "superman"}),
    ("what's a dead bug?", E, {"exercise": "dead-bug"}),
    ("tell me about the side plank", E, {"exercise": "side-plank"}),
    ("how do you do a pelvic tilt", E, {"exercise": "pelvic-tilt"}),
    ("how do i do the hamstrng strech", E, {"exercise": "hamstring-stretch"}),
    ("how do I do this one?", E, {}),
    ("explain this", E, {}),
    ("Hey coach, PAUSE!", "pause", {}),
    ("hold on a sec", "pause", {}),
    ("wait wait", "pause", {}),
    ("pasue", "pause", {}),
    ("give me a minute", "pause", {}),
    ("stpo", "stop", {}),
    ("STOP!!!", "stop", {}),
    ("I'm done for today", "stop", {}),
    ("ok let's go", "start", {}),
    ("I'm ready.", "start", {}),
    ("okay, carry on", "resume", {}),
    ("contiue", "resume", {}),
    ("skip this one", "next", {}),
    ("next exercise please", "next", {}),
    ("go to the next one", "next", {}),
    ("go back", "previous", {}),
    ("say that again?", "repeat", {}),
    ("could you repeat that", "repeat", {}),
    ("what can I say?", "help", {}),
    ("how long is left?", "time_left", {}),
    ("how much longer", "time_left", {}),
    ("How many minutes left?", "time_left", {}),
    ("slow down please", "slower", {}),
    ("speed up a bit", "faster", {}),
    ("yes, do the bridge", G, {"exercise": "bridge"}),
    ("no, skip it", "next", {}),
    ("the pain is gone", "number", {"value": 0}),
    ("I'm not in pain", "number", {"value": 0}),
    ("faster!", "faster", {}),
    ("yeah", "yes", {}),
    ("Yep.", "yes", {}),
    ("sure", "yes", {}),
    ("nope", "no", {}),
    ("no thanks", "no", {}),
    ("not now", "no", {}),
    ("4", "number", {"value": 4}),
    ("four", "number", {"value": 4}),
    ("about a 6", "number", {"value": 6}),
    ("it's a 3 out of 10", "number", {"value": 3}),
    ("7/10", "number", {"value": 7}),
    ("my pain is about a five", "number", {"value": 5}),
    ("no pain at all", "number", {"value": 0}),
    ("it hurts", "pain", {}),
    ("ouch!", "pain", {}),
    ("ow ow ow", "pain", {}),
    ("No, it hurts", "pain", {}),
    ("my back is killing me", "pain", {}),
    ("that's really painful", "pain", {}),
    ("this is sore", "pain", {}),
    ("pause, it hurts", "pain", {}),
    ("my leg is going numb", "red_flag", {"urgent": False}),
    ("I've got pins and needles in my foot", "red_flag", {"urgent": False}),
    ("there's a tingling feeling in my toes", "red_flag", {"urgent": False}),
    ("pain shooting down my leg", "red_flag", {"urgent": False}),
    ("I can't feel my foot!", "red_flag", {"urgent": False}),
    ("do the bridge, my leg is numb", "red_flag", {"urgent": False}),
    ("I can't control my bladder", "red_flag", {"urgent": True}),
    ("um I think I wet myself", "red_flag", {"urgent": True}),
    ("numbness between my legs", "red_flag", {"urgent": True}),
    ("my groin feels numb", "red_flag", {"urgent": True}),
    ("something's wrong with my bowels", "red_flag", {"urgent": True}),
    ("it doesn't hurt anymore", "number", {"value": 0}),
    ("do it", "yes", {}),
    ("louder please", "louder", {}),
    ("I can't hear you", "louder", {}),
    ("too loud", "quieter", {}),
    ("that was too easy", "easy", {}),
    ("make it harder", "easy", {}),
    # easier: the easier variant now; easy: harder next time.
    ("this one is far too difficult for me", "easier", {}),
    ("could I try a gentler version of this", "easier", {}),
    ("I'm really struggling, can we make it simpler", "easier", {}),
    ("way too easy, give me something tougher", "easy", {}),
    # Wording seen in free phrasing for the newer commands.
    ("I can barely make out your voice", "louder", {}),
    ("could you turn the sound down a touch", "quieter", {}),
    ("how are my pain scores looking lately", "progress", {}),
    ("what can I tell you to do", "help", {}),
    ("how many exercises have we got left", "time_left", {}),
    ("How am I doing?", "progress", {}),
    ("I sit all day", "cause", {"cause": "tight"}),
    ("weak core", "cause", {"cause": "weak"}),
    ("bad posture", "cause", {"cause": "posture"}),
    ("I'm not sure", "cause", {"cause": "general"}),
    ("I'm a beginner", "level", {"level": "beginner"}),
    ("advanced", "level", {"level": "advanced"}),
]


@pytest.mark.parametrize("text, intent, slots", NATURAL)
def test_natural_phrasings(catalog, text, intent, slots):
    assert parse(text, catalog).to_json() == {"intent": intent, "slots": slots}


NOT_COMMANDS = [
    "I need some water",
    "the dog is barking",
    "what's for dinner",
    "what is the time",
    "what time is it",
    "do the dishes",
    "the phone is ringing",
    "turn off the oven",
    "is it raining outside",
    "I love this song",
    "where are my keys",
    "call mum later",
    "the cat wants feeding",
    "I'm painting the wall",
    "what number is that",
    "the radiator is hot",
    "I can't feel the stretch much",
    "that's not painful",
    "the post is here",
    "my sister is coming round",
    "have you seen the remote",
    "pass me the towel",
    "let's order pizza",
    "what a lovely day",
    "hello",
    "thank you",
    "the kettle has boiled",
    "I forgot my glasses",
    "who is at the door",
    "shut the window",
    "blah blah blah",
    "",
    "   ",
    "!!!",
    "1234",
    "eleven out of ten",
    "about for",
]


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_things_that_are_not_commands_give_none(catalog, text):
    assert parse(text, catalog).to_json() == {"intent": "none", "slots": {}}


def test_slots_have_exactly_the_public_shapes(catalog):
    for sentence, _ in sample_sentences(catalog=catalog, limit=2000):
        got = parse(sentence, catalog)
        if got.name in ("goto", "explain") and got.slots:
            assert set(got.slots) == {"exercise"} and got.slots["exercise"] in catalog
        elif got.name == "number":
            assert set(got.slots) == {"value"} and type(got.slots["value"]) is int
        elif got.name == "red_flag":
            assert set(got.slots) == {"urgent"} and type(got.slots["urgent"]) is bool
        elif got.name in ("cause", "level"):
            assert set(got.slots) == {got.name}
        elif got.name != "goto":
            assert got.slots == {}, sentence


def test_fuzzy_and_fallback_answers_are_less_sure_than_exact_ones(catalog):
    assert parse("stop", catalog).confidence == 1.0
    assert parse("um stop", catalog).confidence < 1.0
    assert parse("do the brige", catalog).confidence < parse("do the bridge", catalog).confidence
    assert parse("my knee aches", catalog).confidence == 1.0  # safety is never confirmed
    assert parse("blah", catalog).confidence == 0.0
    assert parse("Do The Bridge", catalog).text == "Do The Bridge"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voicecoach", "parse", *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_json_prints_one_line_per_text():
    done = run_cli("--json", "do the child's pose", "my leg is going numb", "I can't control "
                   "my bladder", "four", "what's for dinner")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines == [
        {"intent": "goto", "slots": {"exercise": "childs-pose"}},
        {"intent": "red_flag", "slots": {"urgent": False}},
        {"intent": "red_flag", "slots": {"urgent": True}},
        {"intent": "number", "slots": {"value": 4}},
        {"intent": "none", "slots": {}},
    ]
    assert done.stdout.splitlines()[0] == '{"intent": "goto", "slots": {"exercise": "childs-pose"}}'
    assert done.stderr == ""


def test_cli_readable_output_and_stdin():
    done = run_cli("how do i do a bird dog?")
    assert done.returncode == 0
    assert done.stdout == "'how do i do a bird dog?' -> explain exercise=bird-dog\n"
    piped = subprocess.run([sys.executable, "-m", "voicecoach", "parse", "--json", "-"],
                           input="stop\nseven out of ten\n", capture_output=True, text=True,
                           timeout=60)
    assert [json.loads(x)["intent"] for x in piped.stdout.splitlines()] == ["stop", "number"]


# --- numbers: a number-parsing library, not a table -------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("nought", 0), ("a solid seven", 7), ("six out of ten", 6), ("it's a 3", 3),
    ("eight-ish", 8), ("ten out of ten", 10), ("I reckon about a four today", 4),
    ("zero, nothing at all", 0), ("no pain whatsoever", 0),
])
def test_number_words_in_free_phrasing(catalog, text, value):
    assert parse(text, catalog).to_json() == {"intent": "number", "slots": {"value": value}}


# --- the listening context ----------------------------------------------------------------------

@pytest.mark.parametrize("text, context, want", [
    ("three I guess", "number", {"intent": "number", "slots": {"value": 3}}),
    ("hmm maybe a two", "number", {"intent": "number", "slots": {"value": 2}}),
    ("yeah I think so", "yes_no", {"intent": "yes", "slots": {}}),
    ("mm, I suppose so", "yes_no", {"intent": "yes", "slots": {}}),
    ("nah keep going", "yes_no", {"intent": "no", "slots": {}}),
    ("not today thanks", "yes_no", {"intent": "no", "slots": {}}),
    # Always-on commands and safety still win inside a question's context.
    ("hang on a sec", "yes_no", {"intent": "pause", "slots": {}}),
    ("stop the workout", "number", {"intent": "stop", "slots": {}}),
    ("four, and my foot is tingling", "number", {"intent": "red_flag", "slots": {"urgent": False}}),
    ("yes but my groin feels numb", "yes_no", {"intent": "red_flag", "slots": {"urgent": True}}),
    ("ouch", "yes_no", {"intent": "pain", "slots": {}}),
    # A clear command still means itself while a question waits.
    ("do the plank", "number", {"intent": "goto", "slots": {"exercise": "plank"}}),
    ("start", "cause", {"intent": "start", "slots": {}}),
    ("skip this one", "yes_no", {"intent": "next", "slots": {}}),
])
def test_the_listening_context_decides_what_an_answer_means(catalog, text, context, want):
    assert parse(text, catalog, context=context).to_json() == want


def test_without_a_context_answers_still_parse(catalog):
    assert parse("three I guess", catalog).to_json() == {"intent": "number",
                                                        "slots": {"value": 3}}
    assert parse("yes please", catalog).name == "yes"
    assert parse("do the plank", catalog, context="command").slots == {"exercise": "plank"}


def test_an_unknown_context_means_anything_may_be_said(catalog):
    assert parse("do the plank", catalog, context="warming_up").slots == {"exercise": "plank"}


# --- every intent reaches the dialogue -----------------------------------------------------------

SAID = {
    "start": "right, let's get cracking", "stop": "I'm finished for today",
    "pause": "give me a sec", "resume": "okay carry on", "next": "skip this one please",
    "previous": "take me back one exercise", "repeat": "sorry, say that again",
    "help": "what can I say to you", "time_left": "how long have I got left",
    "slower": "slow down a bit", "faster": "can you go a bit quicker",
    "goto": "let's do the bridge", "explain": "how do I do a dead bug",
    "yes": "yeah sure", "no": "nah", "number": "about a six",
    "pain": "ow, that hurts", "red_flag": "my leg has gone numb",
    "louder": "speak up a bit", "quieter": "too loud, turn it down",
    "easy": "that was way too easy", "easier": "this is too hard for me",
    "progress": "how am I getting on",
}


@pytest.mark.parametrize("name", sorted(SAID))
def test_every_command_comes_out_of_the_parser_and_reaches_the_dialogue(catalog, name):
    """Each command of core/intents.py comes from a free phrasing, and the dialogue, mid-hold,
    answers it with something the person notices."""
    from test_dialogue import reach, said  # the dialogue's own test driver
    from voicecoach.core.events import AdjustVoice, End, Heard

    assert set(SAID) == set(COMMANDS)
    got = parse(SAID[name], catalog)
    assert got.name == name, (SAID[name], got)
    drv = reach("holding")
    actions = drv.send(Heard(got, "text"))
    assert said(actions) or any(isinstance(a, (AdjustVoice, End)) for a in actions), name


def test_cli_parses_in_a_listening_context():
    done = run_cli("--json", "--context", "yes_no", "if you must")
    assert done.returncode == 0 and json.loads(done.stdout) == {"intent": "yes", "slots": {}}
    bad = run_cli("--context", "shouting", "stop")
    assert bad.returncode == 2 and "unknown context 'shouting'" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("text, meant", [
    ("yeah nah mate", "no"), ("yeah, no", "no"), ("nah yeah", "yes"), ("nah, yeah, okay", "yes"),
    ("nuh-uh", "no"), ("mm-mm", "no"), ("mhm", "yes"), ("uh huh", "yes"),
])
def test_mixed_and_hummed_answers_are_read_by_their_last_word(text, meant):
    # After "end the workout?", "yeah nah" taken as yes would end a session the person wanted.
    for context in (None, "yes_no"):
        assert parse(text, context=context).name == meant


def test_a_mixed_answer_never_hides_a_warning_sign():
    assert parse("yeah no, my foot has gone numb").name == "red_flag"
