"""The skill inside the real ovos-core pipeline: ovoscope's MiniCroft runs ovos-core's intent
service (stop, converse, padacioso and fallback stages) on a FakeBus, and loads our skill from its
`opm.skill` entry point as an installed assistant would. Utterances go in as the listener sends
them; message names are read off the bus (ovos-core releases rename them), not assumed."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("ovoscope", reason="the test extra (ovos-core, ovoscope) is not installed")

from ovos_bus_client.message import Message  # noqa: E402
from ovos_bus_client.session import SessionManager  # noqa: E402
from ovos_config import Configuration  # noqa: E402

from ovos_assistant import SKILL_ID, line  # noqa: E402

XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
SCALE = 20
TIMEOUT = 1.0  # the assistant forgets an active skill after this many seconds without a turn


@pytest.fixture
def croft(tmp_path, monkeypatch, speech_cache):
    for name in XDG:
        monkeypatch.setenv(name, str(tmp_path / name))
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "voicecoach"))
    from ovoscope import get_minicroft

    croft = get_minicroft([SKILL_ID])
    monkeypatch.setitem(Configuration()["skills"]["converse"], "timeout", TIMEOUT)
    skill = croft.plugin_skills[SKILL_ID].instance
    skill.time_scale, skill.speech_cache = SCALE, speech_cache
    skill.settings["cause"] = "tight"
    yield croft
    if skill.running:
        skill.run.interrupt()
    croft.stop()
    skill.default_shutdown = lambda: None  # done by croft.stop(); not again from __del__


def test_a_workout_through_the_real_pipeline(croft):
    log: list[Message] = []
    croft.bus.on("message", lambda raw: log.append(Message.deserialize(raw)))
    skill = croft.plugin_skills[SKILL_ID].instance

    def utter(text: str) -> None:
        croft.bus.emit(Message("recognizer_loop:utterance",
                               {"utterances": [text], "lang": "en-US"}))

    def spoken() -> list[str]:
        return [m.data["utterance"] for m in list(log) if "utterance" in m.data
                and m.msg_type.endswith("speak") and m.context.get("skill_id") == SKILL_ID]

    def wait(predicate, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.02)
        return predicate()

    utter("start a five minute back session")
    assert wait(lambda: line("say_start") in spoken()), [m.msg_type for m in log]
    assert any(m.msg_type.startswith(SKILL_ID) and m.msg_type.endswith("start.intent") for m in log)
    assert skill.run.loop.dialogue.ctx.plan.minutes == 5
    utter("start")
    assert wait(lambda: line("pain_before_question") in spoken())
    utter("four")
    assert wait(lambda: len(skill.run.speaker.played) >= 5)
    assert any(m.msg_type == "mycroft.audio.play_sound" for m in log)

    # Long past the converse timeout since the last turn: still ours (the skill re-activated).
    time.sleep(2.5 * TIMEOUT)
    utter("pause")
    assert wait(lambda: line("paused") in spoken())

    # "stop" is the pipeline's stop stage, never converse: the coach asks first.
    utter("stop")
    assert wait(lambda: line("confirm_stop") in spoken())
    assert any(m.msg_type == f"{SKILL_ID}.stop" for m in log)
    assert skill.running
    utter("yes")
    assert wait(lambda: not skill.running)
    assert SKILL_ID not in [s for s, _ in SessionManager.default_session.active_skills]
