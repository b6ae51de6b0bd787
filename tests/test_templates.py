"""The command templates (voicecoach/data/commands.yaml, hassil's format): loading,
validation, sentence samples, and the pocketsphinx grammars made from them — checked with the
real pocketsphinx model and a real decode of audio spoken by espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
import wave

import numpy as np
import pytest
import yaml

from voicecoach.audio import jsgf
from voicecoach.core.catalog import load_catalog
from voicecoach.core.errors import DataFileError, UserError
from voicecoach.core.intents import COMMANDS
from voicecoach.understanding import expand as ex
from voicecoach.understanding import templates as g

ALWAYS_ON = {"stop", "pause", "help", "repeat", "pain", "red_flag"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


# --- hassil templates, expanded with their slot values ----------------------------------------

def sentences(template: str, **lists) -> set[str]:
    return {t for t, _ in ex.expand_text(template, lists)}


def test_alternatives_options_and_nesting_expand_to_every_sentence():
    assert sentences("(go|move) on [to the next [one|exercise]]") == {
        "go on", "move on", "go on to the next", "move on to the next",
        "go on to the next one", "go on to the next exercise",
        "move on to the next one", "move on to the next exercise"}


def test_lists_give_their_values_to_the_slots():
    lists = {"exercise": [("bird dog", "bird-dog"), ("plank", "plank")]}
    got = set(ex.expand_text("do the {exercise}", lists))
    assert got == {("do the bird dog", (("exercise", "bird-dog"),)),
                   ("do the plank", (("exercise", "plank"),))}
    kept = ex.expand_text("do the {exercise}", keep_lists=frozenset({"exercise"}))
    assert kept == [("do the {exercise}", ())]


@pytest.mark.parametrize("template, problem", [
    ("(a|b", "a|b"),
    ("do the {exrcise}", "unknown list {exrcise}"),
    ("say <nothing>", "unknown rule <nothing>"),
])
def test_template_errors_say_what_is_wrong(template, problem):
    with pytest.raises(ex.TemplateError) as err:
        ex.expand_text(template, {"exercise": []})
    assert problem in str(err.value)


# --- the shipped templates --------------------------------------------------------------------

def test_every_intent_has_sentences_and_the_contexts_are_named():
    t = g.load_templates()
    assert {x.intent for x in t.templates} == set(COMMANDS) | {"cause", "level"}
    assert g.listening_contexts() == ("command", "yes_no", "number", "safety", "cause", "level")
    assert set(t.context("command")) == set(COMMANDS)
    assert set(t.context("safety")) == {"stop", "pause", "pain", "red_flag"}
    for name in ("yes_no", "number", "cause", "level"):
        assert ALWAYS_ON <= set(t.context(name)), name
    with pytest.raises(UserError, match="unknown grammar"):
        t.context("shouting")


def test_sample_sentences_cover_every_intent_and_every_exercise(catalog):
    everything = g.sample_sentences(catalog=catalog)
    assert len(everything) > 3000
    by_intent: dict[str, int] = {}
    for _, intent in everything:
        by_intent[intent.name] = by_intent.get(intent.name, 0) + 1
    assert set(by_intent) == set(COMMANDS) | {"cause", "level"}
    for name in ("start", "stop", "pause", "pain", "red_flag", "yes", "no", "easier"):
        assert by_intent[name] >= 5, name
    for kind in ("goto", "explain"):
        ids = {i.slots["exercise"] for _, i in g.sample_sentences(kind, catalog=catalog)
               if "exercise" in i.slots}  # "how do i do this one": the current exercise
        assert ids == set(catalog.ids()), kind
    values = {i.slots["value"] for _, i in g.sample_sentences("number", catalog=catalog)}
    assert values == set(range(11))
    urgent = {i.slots["urgent"] for _, i in g.sample_sentences("red_flag", catalog=catalog)}
    assert urgent == {True, False}
    # Sentences are as a person says them: numbers in words, apostrophes kept.
    texts = {s for s, _ in everything}
    assert "do the child's pose" in texts and "seven out of ten" in texts
    assert not any(ch.isdigit() for s in texts for ch in s)


def test_sample_sentences_limit_spreads_over_the_list(catalog):
    some = g.sample_sentences("goto", limit=10, catalog=catalog)
    assert len(some) == 10
    assert len({i.slots["exercise"] for _, i in some}) >= 5  # not the first 10 of one name
    assert g.sample_sentences(limit=7, catalog=catalog) == g.sample_sentences(limit=7,
                                                                             catalog=catalog)
    with pytest.raises(UserError):
        g.sample_sentences("dance")


# --- validation: an edit that breaks the file gets one clear line ---------------------------

def shipped() -> dict:
    return yaml.safe_load(g.COMMANDS_PATH.read_text())


def broken(**change) -> dict:
    data = shipped()
    for path, value in change.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        if value is None:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return data


@pytest.mark.parametrize("data, problem", [
    (None, "file is empty"),
    (broken(intents__stop={"data": [{"sentences": ["(stop|halt"]}]}), "hassil cannot read"),
    (broken(intents__red_flag={"data": [{"sentences": ["my leg is numb"]}]}),
     "must fill slot 'urgent'"),
    (broken(intents__red_flag={"data": [{"sentences": ["numb"], "slots": {"urgent": "maybe"}}]}),
     "urgent must be one of true, false"),
    (broken(intents__goto={"data": [{"sentences": ["do [the {exercise}]"]}]}),
     "must fill slot 'exercise'"),
    (broken(intents__goto={"data": [{"sentences": ["do the {exrcise}"]}]}), "unknown list"),
    (broken(intents__dance={"data": [{"sentences": ["let's dance"]}]}), "unknown intent 'dance'"),
    (broken(contexts__command=["stopp"]), "unknown intent 'stopp'"),
    (broken(intents__stop=None), "no sentences for intent(s): stop"),
    (broken(lists__number__values=[{"in": "zero", "out": 0}]), "zero to ten"),
])
def test_malformed_files_name_the_file_and_the_problem(data, problem):
    with pytest.raises(DataFileError) as err:
        g.parse_templates(data, "commands.yaml")
    assert problem in str(err.value)
    assert str(err.value).startswith("commands.yaml")


def test_a_sentence_with_two_meanings_is_an_error(catalog):
    data = broken(intents__pause={"data": [{"sentences": ["stop"]}]})
    templates = g.parse_templates(data, "commands.yaml")
    with pytest.raises(DataFileError, match="'stop' means both stop"):
        g.build_phrasebook(templates, catalog)


def test_a_missing_file_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileError, match="cannot read"):
        g.load_templates(tmp_path / "nope.yaml")


# --- pocketsphinx ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def decoder():
    from pocketsphinx import Decoder

    d = Decoder(lm=None, loglevel="FATAL", bestpath=False)
    for word, phones in jsgf.extra_pronunciations().items():
        d.add_word(word, phones, False)
    for name in g.listening_contexts():
        d.add_jsgf_string(name, jsgf.to_jsgf(name))
    return d


def test_every_word_of_every_grammar_is_one_the_recognizer_knows(catalog):
    known = jsgf.dictionary_words()
    extra = jsgf.extra_pronunciations()
    for name in g.listening_contexts():
        built = jsgf.build_jsgf(name, catalog)
        missing = sorted(w for w in built.words if w not in known and w not in extra)
        assert not missing, f"{name}: not in the en-us dictionary nor pronunciations: {missing}"
        # And the text itself has nothing else: every token is a word, an operator or a rule.
        body = "\n".join(line for line in built.text.splitlines()[1:]
                         if not line.startswith(("//", "grammar ")))
        for token in body.replace("(", " ").replace(")", " ").replace("[", " ").replace(
                "]", " ").replace("|", " ").replace(";", " ").replace("=", " ").split():
            if token.startswith("<") or token in ("public",) or token.startswith("//"):
                continue
            assert token in known or token in extra, (name, token)
    # Our extra pronunciations are only for words the dictionary really lacks.
    assert set(extra) == {w for w, _ in g.load_templates().pronunciations}


def test_every_exercise_can_be_named_by_voice(catalog):
    built = jsgf.build_jsgf("command", catalog)
    spoken = {w for w, _ in g.exercise_values(catalog)} - set(built.dropped_names)
    reachable = {ex_id for w, ex_id in g.exercise_values(catalog) if w in spoken}
    assert reachable == set(catalog.ids())


def test_all_grammars_load_in_pocketsphinx_and_accept_exactly_their_sentences(decoder, catalog):
    grammar = g.load_templates()
    dropped = set(jsgf.build_jsgf("command", catalog).dropped_names)
    for name in g.listening_contexts():
        fsg = decoder.get_fsg(name)
        allowed = set(grammar.context(name))
        for sentence, intent in g.sample_sentences(catalog=catalog):
            if any(d in sentence for d in dropped):
                continue
            if intent.name in allowed:
                assert fsg.accept(sentence), f"{name} grammar refuses {sentence!r}"
        for sentence in ("do the", "i need some water", "stop stop", "the dog is barking"):
            assert not fsg.accept(sentence), f"{name} grammar accepts {sentence!r}"
    safety = decoder.get_fsg("safety")
    assert not safety.accept("next") and not safety.accept("yes") and safety.accept("stop")
    number = decoder.get_fsg("number")
    assert number.accept("seven out of ten") and not number.accept("next")


def test_decoded_words_map_back_to_intents_exactly(catalog):
    for sentence, intent in g.sample_sentences(catalog=catalog, limit=800):
        assert g.jsgf_phrase_to_intent(sentence, catalog).to_json() == intent.to_json()
    assert g.jsgf_phrase_to_intent("do the", catalog).is_none
    assert g.jsgf_phrase_to_intent("", catalog).is_none
    # A partial hypothesis of one meaning only, when asked for.
    stop = g.jsgf_phrase_to_intent("stop the", catalog, partial=True)
    assert stop.name == "stop" and stop.confidence == 0.5
    assert g.jsgf_phrase_to_intent("do the", catalog, partial=True).is_none


def speech(text: str, tmp_path) -> bytes:
    """espeak-ng's voice as 16 kHz mono 16-bit samples, with a little room noise around it:
    pocketsphinx falls apart on exact digital silence (DESIGN.md §2)."""
    path = tmp_path / "say.wav"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64)
    x = np.interp(np.arange(0, len(x), rate / 16000), np.arange(len(x)), x)  # resample
    pad = np.zeros(4800)
    x = np.concatenate([pad, x, pad])
    x += np.random.default_rng(1).normal(0, 33, x.size)  # about -60 dBFS
    return np.clip(x, -32768, 32767).astype(np.int16).tobytes()


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
@pytest.mark.parametrize("context, said, intent, slots", [
    ("command", "do the child's pose", "goto", {"exercise": "childs-pose"}),
    ("command", "how much time is left", "time_left", {}),
    ("safety", "my leg is going numb", "red_flag", {"urgent": False}),
    ("safety", "it hurts", "pain", {}),
])
def test_a_real_decode_of_spoken_audio_gives_the_right_command(decoder, tmp_path, context,
                                                               said, intent, slots):
    decoder.activate_search(context)
    decoder.start_utt()
    decoder.process_raw(speech(said, tmp_path), full_utt=True)
    decoder.end_utt()
    heard = decoder.hyp().hypstr if decoder.hyp() else ""
    got = g.jsgf_phrase_to_intent(heard)
    assert got.to_json() == {"intent": intent, "slots": slots}, f"heard {heard!r}"


def test_expected_phrases_per_listening_context():
    from voicecoach.understanding.phrases import expected_phrases, listening_contexts

    assert "yes_no" in listening_contexts() and "number" in listening_contexts()
    yes_no = {text: intent.name for text, intent in expected_phrases("yes_no")}
    assert yes_no["yes"] == "yes" and yes_no["no"] == "no"
    assert "stop" in yes_no  # stop and safety work in every state
    numbers = {text: intent.slots.get("value") for text, intent in expected_phrases("number")
               if intent.name == "number"}
    assert numbers["seven"] == 7 and numbers["zero"] == 0
