"""voicecoach as an OpenVoiceOS skill: "Hey Mycroft, start my back workout".

Only a mapping between the assistant's bus and the coach (run.py does the rest):
  - the start intent (locale/en-us/start.intent)  -> a CoachRun, whose dialogue gets Began
  - converse (every utterance while we are active) -> the coach's own parser -> Heard
  - the assistant's stop ("stop" never reaches converse) -> Heard(stop): "end the workout?"
  - Say / counts / stop speech -> speak / play_audio(instant) / mycroft.audio.speech.stop
  - End -> deactivate; history and profile in the user's voicecoach files, as usual
  - a long workout re-activates the skill well inside the converse timeout (300 s by default)

Settings (settingsmeta.json, the assistant's settings UI): minutes, cause, counts.
"""

from __future__ import annotations

import json
from pathlib import Path

from ovos_number_parser import extract_number
from ovos_utils import classproperty
from ovos_utils.process_utils import ProcessState, RuntimeRequirements
from ovos_workshop.decorators import intent_handler
from ovos_workshop.skills.converse import ConversationalSkill

from voicecoach.core.plan import CAUSES, COUNTS, MINUTES_RANGE
from voicecoach.integrations.ovos.run import CoachRun, RunOptions

SETTINGS_META = Path(__file__).with_name("settingsmeta.json")
KEEPALIVE_MAX = 60.0  # seconds between re-activations at most; a fifth of the timeout if shorter


def setting_defaults() -> dict[str, str]:
    """The defaults the settings UI shows (settingsmeta.json is the one place they live)."""
    meta = json.loads(SETTINGS_META.read_text(encoding="utf-8"))
    return {f["name"]: f["value"] for section in meta["skillMetadata"]["sections"]
            for f in section["fields"] if "name" in f}


class BusVoice:
    """The assistant's voice for one workout. Every message is forwarded from the one that
    started the workout: made from scratch in our threads it would lose the person's session.
    (ovos-workshop finds that message by looking for a `message` argument up the stack.)"""

    def __init__(self, skill: "VoiceCoachSkill", message):
        self.skill = skill
        self.message = message

    def speak(self, text: str, expect_response: bool = False) -> None:
        self._speak(text, expect_response, self.message)

    def play(self, path: str) -> None:
        self._play(path, self.message)

    def stop_speech(self) -> None:
        self.skill.bus.emit(self.message.forward("mycroft.audio.speech.stop",
                                                 {"skill_id": self.skill.skill_id}))

    def volume(self, up: bool) -> None:
        kind = "mycroft.volume.increase" if up else "mycroft.volume.decrease"
        self.skill.bus.emit(self.message.forward(kind, {"play_sound": False}))

    def activate(self) -> None:
        self._activate(self.message)

    def deactivate(self) -> None:
        self._deactivate(self.message)

    # `message` is an argument in each of these on purpose (see the class docstring).
    def _speak(self, text: str, expect_response: bool, message) -> None:
        self.skill.speak(text, expect_response=expect_response)

    def _play(self, path: str, message) -> None:
        self.skill.play_audio(path, instant=True)

    def _activate(self, message) -> None:
        self.skill.activate()

    def _deactivate(self, message) -> None:
        self.skill.deactivate()


class VoiceCoachSkill(ConversationalSkill):
    time_scale: float = 1.0  # tests and the benchmark run the session clock faster
    speech_cache: Path | None = None  # tests share one cache of rendered counts

    def __init__(self, *args, **kwargs):
        self.run: CoachRun | None = None
        super().__init__(*args, **kwargs)

    @classproperty
    def runtime_requirements(self):
        # Fully offline: nothing of ours needs a network, before loading or after.
        return RuntimeRequirements(internet_before_load=False, network_before_load=False,
                                   requires_internet=False, requires_network=False,
                                   no_internet_fallback=True, no_network_fallback=True)

    # ------------------------------------------------------------------ starting

    @intent_handler("start.intent")
    def handle_start(self, message):
        if self.running:  # "start my back workout" again: what "start" means inside it
            self.run.start_asked()
            return
        voice = BusVoice(self, message)
        self.run = CoachRun(voice, self._options(message), keepalive=voice.activate,
                            on_end=lambda outcome, error: self._ended(voice, error))
        self.run.start()

    def _options(self, message) -> RunOptions:
        defaults = setting_defaults()
        spoken = message.data.get("minutes")
        minutes = extract_number(spoken, lang="en-us") if spoken else 0
        minutes = int(minutes or self.settings.get("minutes", defaults["minutes"]) or 0)
        cause = str(self.settings.get("cause", defaults["cause"]))
        counts = str(self.settings.get("counts", defaults["counts"]))
        return RunOptions(
            minutes=min(max(minutes, MINUTES_RANGE[0]), MINUTES_RANGE[1]) if minutes else None,
            # "ask": the profile's cause, or the first-run questions when there is no profile
            cause=cause if cause in CAUSES else None,
            counts=counts if counts in COUNTS else "voice",
            time_scale=self.time_scale,
            keepalive_every=min(KEEPALIVE_MAX, self._converse_timeout() / 5),
            speech_cache=self.speech_cache,
        )

    def _converse_timeout(self) -> float:
        """Seconds the assistant keeps an active skill without a turn (as ovos-core reads it)."""
        core = self.config_core
        cfg = core.get("skills", {}).get("converse") or core.get("converse") or {}
        return float((cfg.get("skill_timeouts") or {}).get(self.skill_id, cfg.get("timeout", 300)))

    def _ended(self, voice: BusVoice, error: Exception | None) -> None:
        if error is not None:
            from voicecoach.core.prompts import load_default

            voice.speak(load_default().render("assistant_cannot_start"))
        voice.deactivate()

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.running

    # ------------------------------------------------------------------ during the workout

    def can_converse(self, message) -> bool:
        return self.running and self.run.wants(message.data.get("utterances") or [])

    def converse(self, message) -> bool:
        return self.running and self.run.hear(message.data.get("utterances") or [])

    def can_stop(self, message) -> bool:
        return self.running

    def stop(self) -> bool:
        if self.running and self.status.state != ProcessState.STOPPING:  # not the unload's stop
            self.run.stop_asked()
        # Nothing is stopped yet: the coach asks first. (True would make ovos-core cut the
        # speech that is playing, which may already be that question.)
        return False

    def shutdown(self) -> None:
        if self.running:
            self.run.interrupt()
