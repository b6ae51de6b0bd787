"""Warning signs in any wording (voicecoach/understanding/safety.py, data/safety.yaml).

Concepts, not sentences: a sensation, a sensation word said of a body part, pain that travels,
weak legs, legs that fail, trouble with the bladder, bowels or toilet; negation and resolution
cancel a sign, questions do not; an urgent region or function makes it urgent. The phrasings
are our own, and each goes through the whole parser in every listening context too.
"""

from __future__ import annotations

import pytest
import yaml

from voicecoach.core.errors import DataFileError
from voicecoach.understanding import safety
from voicecoach.understanding.parser import parse
from voicecoach.understanding.templates import listening_contexts

RED = {"intent": "red_flag", "slots": {"urgent": False}}
URGENT = {"intent": "red_flag", "slots": {"urgent": True}}
PAIN = {"intent": "pain", "slots": {}}

RED_FLAGS = [
    # sensations anywhere
    "my calf has gone numb", "I've got tingling in my heel", "pins and needles down my shin",
    "there's a prickly feeling along my foot", "I keep losing feeling in my leg",
    "it's gone a bit numb", "tinglng in my toes",  # a slip of the finger
    # sensation words said of a body part
    "my foot feels kind of dead", "my thigh is buzzing", "my ankle feels fuzzy",
    "my toes have fallen asleep", "weird electric zaps in my knee",
    "my leg feels odd, sort of burning",
    # pain that travels
    "the pain shoots down the back of my leg", "a burning pain running down my calf",
    "my sciatica is back", "it's radiating into my foot",
    # weak legs, legs that fail
    "my right leg feels really weak", "my knee buckled", "my legs feel like jelly",
    "I'm dragging my foot", "I can hardly walk", "I'm having difficulty standing up",
    "my leg gave way on me", "my legs won't hold me up",
    # questions and hedges count
    "is it normal that my foot feels fuzzy?", "should I worry if my leg goes numb",
    "not much numbness, just a little", "the tingling hasn't gone",
    # no means nothing when it answers something else
    "no, my foot is numb", "no my foot is numb", "I don't know why my leg is numb",
]

URGENT_SIGNS = [
    "my groin has gone numb", "there's no feeling between my legs", "my bum feels dead",
    "tingling around my privates", "my inner thigh is numb", "I can't feel down below",
    "pins and needles in my saddle area", "numb where I sit on a bike",
    "I can't pee", "I haven't managed to wee since breakfast", "I've wet myself",
    "I couldn't hold my bladder", "I didn't feel myself going to the toilet",
    "I've lost control of my bowels", "something's not right with my bladder",
    "is it normal that I can't tell when I need the loo?", "my genitals feel numb",
]

PAIN_SIGNS = [
    "it hurts", "ow ow ow", "my back's killing me", "that really aches", "my hip is sore",
    "I felt something twinge", "that's making my back worse", "I think I pulled something",
    "is it meant to hurt like this?",
]

NOT_SIGNS = [
    # denied or passed
    "no numbness at all", "I don't have any tingling", "there's no pins and needles",
    "the tingling has gone", "the numbness went away", "my leg isn't weak",
    "I have no trouble walking", "no problems with my bladder", "it doesn't hurt",
    # ordinary words that look like signs
    "let's do the dead bug", "the baby is asleep", "I nearly fell asleep", "what number is it",
    "the radiator is hot", "my core is weak", "I can't feel the stretch",
    "I need the loo, hang on", "I'm playing bowls tomorrow", "I can't stand this song",
    "the bottom of the page", "I'm painting the fence",
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flags_in_any_wording(text):
    sign = safety.check(text)
    assert sign is not None and (sign.intent, sign.urgent) == ("red_flag", False), (text, sign)


@pytest.mark.parametrize("text", URGENT_SIGNS)
def test_urgent_regions_and_functions_make_it_urgent(text):
    sign = safety.check(text)
    assert sign is not None and (sign.intent, sign.urgent) == ("red_flag", True), (text, sign)


@pytest.mark.parametrize("text", PAIN_SIGNS)
def test_pain_in_any_wording(text):
    sign = safety.check(text)
    assert sign is not None and sign.intent == "pain", (text, sign)


@pytest.mark.parametrize("text", NOT_SIGNS)
def test_denied_passed_and_look_alike_words_are_no_sign(text):
    assert safety.check(text) is None, text


def test_a_sign_with_a_bare_no_in_front_is_still_a_sign():
    # "no" answers the question; the sentence after it reports numbness.
    assert safety.check("no, my leg is tingling").intent == "red_flag"


def test_pain_that_travels_from_the_buttock_down_the_leg_is_a_red_flag_not_urgent():
    assert safety.check("a shooting pain from my buttock down to my ankle").urgent is False
    assert safety.check("my buttock is numb").urgent is True


@pytest.mark.parametrize("context", (None, *listening_contexts()))
def test_safety_wins_in_every_listening_context(context):
    for text in ("my toes feel dead", "seven, and my foot is tingling", "yes"
                 " but I can't feel my groin", "ouch, that hurts"):
        got = parse(text, context=context).to_json()
        want = PAIN if "hurts" in text else URGENT if "groin" in text else RED
        assert got == want, (context, text, got)


def test_the_parser_gives_the_public_shapes():
    assert parse("my calf has gone numb").to_json() == RED
    assert parse("I can't pee").to_json() == URGENT
    assert parse("my back's killing me").to_json() == PAIN
    assert parse("my calf has gone numb").confidence == 1.0  # never confirmed first


def test_the_expanded_copy_read_at_start_up_matches_the_lists():
    cache = safety.CACHE_PATH.read_text()
    assert cache == safety.compiled(), "run `python scripts/train_nlu.py` after editing safety.yaml"
    assert safety.load_concepts() == safety.parse_concepts(
        yaml.safe_load(safety.SAFETY_PATH.read_text()), "safety.yaml")


def test_every_group_needs_a_reason(tmp_path):
    data = yaml.safe_load(safety.SAFETY_PATH.read_text())
    data["groups"]["sensation"]["reason"] = ""
    with pytest.raises(DataFileError, match="group sensation: needs a 'reason'"):
        safety.parse_concepts(data, "safety.yaml")
    del data["groups"]["toilet"]
    with pytest.raises(DataFileError, match="groups missing: toilet"):
        safety.parse_concepts(data, "safety.yaml")
    bad = tmp_path / "safety.yaml"
    bad.write_text("groups: [")
    with pytest.raises(DataFileError, match="not valid YAML"):
        safety.load_concepts(bad)
