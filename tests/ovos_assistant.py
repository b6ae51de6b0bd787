"""A stand-in assistant for the skill tests: ovos-utils' FakeBus with the voicecoach skill on it,
driven by the same bus messages ovos-core sends (the intent, converse requests, stop), and every
message the skill sends kept with the time it arrived. No ovos-core, no audio."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus

from voicecoach.core.prompts import load_default
from voicecoach.integrations.ovos.skill import VoiceCoachSkill

SKILL_ID = "skill-voicecoach.voicecoach"


def line(key: str, **data) -> str:
    """What the coach says for a prompt key (first variant): tests quote prompts/, not Python."""
    return load_default().render(key, **data)


@dataclass
class Assistant:
    speech_cache: object
    scale: float = 30.0
    settings: dict = field(default_factory=dict)

    def __post_init__(self):
        self.bus = FakeBus()
        self.log: list[tuple[float, Message]] = []
        self.bus.on("message", self._record)
        self.skill = VoiceCoachSkill(bus=self.bus, skill_id=SKILL_ID)
        self.skill.time_scale = self.scale
        self.skill.speech_cache = self.speech_cache
        self.skill.settings.update(self.settings)

    def _record(self, raw: str) -> None:
        self.log.append((time.monotonic(), Message.deserialize(raw)))

    # -- what the person does
    def start(self, utterance: str = "start my back workout", **slots) -> None:
        self.bus.emit(Message(f"{SKILL_ID}:start.intent", {"utterance": utterance, **slots}))

    def say(self, text: str) -> bool:
        """One turn through converse, as ovos-core sends it; True if the skill took it."""
        ping = self.bus.wait_for_response(
            Message(f"{SKILL_ID}.converse.ping", {"utterances": [text], "skill_id": SKILL_ID}),
            "skill.converse.pong")
        if not ping.data["can_handle"]:
            return False
        reply = self.bus.wait_for_response(
            Message(f"{SKILL_ID}.converse.request", {"utterances": [text], "lang": "en-US"}),
            "skill.converse.response")
        return bool(reply and reply.data["result"])

    def stop(self) -> bool:
        """The assistant's stop stage: ask whether the skill can stop, then stop it."""
        pong = self.bus.wait_for_response(Message(f"{SKILL_ID}.stop.ping"), "skill.stop.pong")
        if pong.data["can_handle"]:
            self.bus.emit(Message(f"{SKILL_ID}.stop"))
        return bool(pong.data["can_handle"])

    # -- what the assistant was asked to do
    def of_type(self, kind: str) -> list[tuple[float, Message]]:
        return [(t, m) for t, m in list(self.log) if m.msg_type == kind]

    def spoken(self) -> list[str]:
        return [m.data["utterance"] for _, m in self.of_type("speak")]

    def counts(self) -> list[tuple[str, float]]:
        """(text, session time) of every count played as a sound file."""
        run = self.skill.run
        if run is None or run.speaker is None:
            return []
        return [(text, played) for text, _due, played in run.speaker.played]

    def now(self) -> float:
        return self.skill.run.clock.now()

    def wait(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    def wait_spoken(self, text: str, timeout: float = 10.0) -> bool:
        return self.wait(lambda: text in self.spoken(), timeout)

    def wait_counts(self, n: int, timeout: float = 10.0) -> bool:
        return self.wait(lambda: len(self.counts()) >= n, timeout)

    def phase(self) -> str:
        run = self.skill.run
        return str(run.loop.state.phase) if run and run.loop else ""

    def close(self) -> None:
        if self.skill.running:
            self.skill.run.interrupt()
        self.skill.default_shutdown()
        # workshop calls it again from __del__, possibly at interpreter exit: once is enough
        self.skill.default_shutdown = lambda: None
