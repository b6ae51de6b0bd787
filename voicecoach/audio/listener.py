"""The microphone on its own thread: capture -> endpointing -> recognizer -> Heard on the queue.

    Microphone (SpeechRecognition/PyAudio, 16 kHz mono, 32 ms reads)
        └─► endpointer: Silero VAD (voicecoach/audio/vad.py; speech ends after ~0.2 s of
            non-speech), or pocketsphinx's Endpointer when Silero is not installed
              └─► recognizer.decode(segment, grammar) ─► Heard(intent, "voice")

- Silero, because in noise the pocketsphinx Endpointer often never ends a segment: at 6 dB
  SNR 40 of 60 commands ran on to the 6 s cut, Silero none (scripts/bench_vad.py).

- SpeechRecognition's own `listen()` waits 0.8 s of silence, can hang, and is slow to stop
  (DESIGN.md §2): we only borrow its Microphone and read the stream ourselves.
- `set_grammar(name)` follows the dialogue (the loop calls it on `Listen` actions).
- Barge-in: while the coach is speaking (speaker.is_speaking()), an utterance is decoded
  with the "safety" grammar only, at the stricter threshold, so the coach's own voice
  leaking into the microphone does not become a command, while "stop" and "it hurts" still
  get through.
- A lost microphone posts DeviceChanged("microphone", False) once, prints one line, and the
  thread keeps trying to reopen it every few seconds (DeviceChanged(..., True) when back).
- Idle cost: one blocking read every 30 ms and a VAD call per frame.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from typing import Callable


from dataclasses import replace

from voicecoach.session.console import notice as _notice
from voicecoach.core.events import DeviceChanged, Event, Heard
from voicecoach.core.intents import Intent

RATE = 16000
SAFETY_GRAMMAR = "safety"
MAX_UTTERANCE_S = 6.0  # longer stretches are chatter or a TV: cut and decoded as they are
ENDPOINT_WINDOW_S = 0.21  # 0.3 s measured 520 ms end-of-speech -> Heard, 0.21 s 415 ms (median)
ENDPOINT_RATIO = 0.9
VAD_MODE = 2  # 0 loosest .. 3 strictest; 2 ignores fans and room tone better than 0
PREROLL_S = 0.15  # audio kept from before the VAD's speech start (measured: live "stop" -> "ow"
#                   without it, "stop" with it)
SPEAKING_TAIL_S = 0.3  # the room still echoes the coach this long after the last sample




class Listener:
    """Listen on the default (or given) microphone and post what was heard.

    `post` receives events (a `queue.Queue` is accepted too). `speaker` is anything with
    `is_speaking()`; None means the coach never speaks over the microphone."""

    def __init__(self, post: Callable[[Event], None] | queue.Queue, recognizer, *,
                 speaker=None, grammar: str = "command", device_index: int | None = None,
                 notice: Callable[[str], None] = _notice, retry_seconds: float = 3.0,
                 on_result: Callable[[object], None] | None = None,
                 endpoint_window: float = ENDPOINT_WINDOW_S, endpointer: str | None = None):
        self._post = post.put if isinstance(post, queue.Queue) else post
        self.recognizer = recognizer
        self.speaker = speaker
        self.device_index = device_index
        self.notice = notice
        self.retry_seconds = retry_seconds
        self.on_result = on_result  # every Recognition, accepted or not (tests, benchmarks)
        self._grammar = grammar
        self.endpoint_window = endpoint_window
        self.endpointer = endpointer  # "silero", "sphinx", or None: Silero when installed
        self._said_vad = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.has_device: bool | None = None
        self.ready = threading.Event()  # set once the microphone is open (or failed once)
        self.last_speech_end: float | None = None  # monotonic time the last segment ended

    # ------------------------------------------------------------------ control

    @property
    def grammar(self) -> str:
        return self._grammar

    def set_grammar(self, name: str) -> None:
        known = getattr(self.recognizer, "grammars", None)
        if known is not None and name not in known:
            name = "command"
        self._grammar = name

    def start(self) -> "Listener":
        self._thread = threading.Thread(target=self._run, name="listener", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def cpu_seconds(self) -> float | None:
        """CPU time used by the capture thread so far (Linux), for the idle-cost benchmark."""
        tid = getattr(self._thread, "native_id", None)
        try:
            fields = open(f"/proc/self/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            import os

            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, TypeError):
            return None

    def __enter__(self) -> "Listener":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ capture thread

    def _open(self):
        import speech_recognition as sr

        from voicecoach.audio.player import alsa_errors, quiet_stderr

        alsa_errors()
        with quiet_stderr():
            mic = sr.Microphone(device_index=self.device_index, sample_rate=RATE,
                                chunk_size=512)
            mic.__enter__()
        if getattr(mic, "stream", None) is None:  # SpeechRecognition swallowed the open error
            with quiet_stderr():
                try:
                    mic.__exit__(None, None, None)
                except Exception:
                    pass
            raise OSError("no input device")
        return mic

    def _set_device(self, ok: bool, why: str = "") -> None:
        if self.has_device is ok:
            return
        first = self.has_device is None
        self.has_device = ok
        if not ok:
            self.notice(f"microphone lost ({why}); type commands instead" if why else
                        "microphone lost; type commands instead")
        elif not first:
            self.notice("microphone is back")
        if not first:  # lost, or back after a loss (not the state at start)
            self._post(DeviceChanged("microphone", ok))

    def _endpointer(self):
        if self.endpointer in ("silero", None):
            try:
                from voicecoach.audio.vad import SileroEndpointer

                return SileroEndpointer(window=self.endpoint_window)
            except Exception as err:  # no silero-vad: the light fallback, said once
                if self.endpointer == "silero":
                    raise
                if not self._said_vad:
                    self._said_vad = True
                    self.notice(f"Silero VAD unavailable ({err}); using pocketsphinx's")
        from pocketsphinx import Endpointer

        return Endpointer(window=self.endpoint_window, ratio=ENDPOINT_RATIO, vad_mode=VAD_MODE,
                          sample_rate=RATE)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                mic = self._open()
            except Exception as err:  # no device, PortAudio errors: all mean "no mic"
                self._set_device(False, str(err).strip().splitlines()[0] if str(err).strip()
                                 else type(err).__name__)
                self.ready.set()
                self._stop.wait(self.retry_seconds)
                continue
            self._set_device(True)
            self.ready.set()
            try:
                self._loop(mic.stream, self._endpointer())
            except Exception as err:  # read failed: the device went away
                if not self._stop.is_set():
                    self._set_device(False, str(err).strip().splitlines()[0] if str(err).strip()
                                     else type(err).__name__)
            finally:
                try:
                    from voicecoach.audio.player import quiet_stderr

                    with quiet_stderr():
                        mic.__exit__(None, None, None)
                except Exception:
                    pass
            if not self._stop.is_set():
                self._stop.wait(self.retry_seconds)

    def _speaking(self) -> bool:
        try:
            return bool(self.speaker is not None and self.speaker.is_speaking())
        except Exception:
            return False

    def _loop(self, stream, ep) -> None:
        n = ep.frame_bytes // 2
        segment: list[bytes] = []
        spoke_over = False
        last_speaking = -1e9
        max_frames = int(MAX_UTTERANCE_S / ep.frame_length)
        # The raw frames of the last second or so: the VAD notices a word late, after its
        # quiet start ("st-" of "stop"), so the frames just before the speech start go in front.
        history: collections.deque[tuple[int, bytes]] = collections.deque(
            maxlen=int((self.endpoint_window + PREROLL_S) / ep.frame_length) + 40)
        index = 0
        while not self._stop.is_set():
            frame = stream.read(n)  # SpeechRecognition ignores overflows itself
            if len(frame) < ep.frame_bytes:
                continue
            history.append((index, frame))
            index += 1
            now = time.monotonic()
            if self._speaking():
                last_speaking = now
            speech = ep.process(frame)
            if speech is not None:
                if not segment:
                    first = int(round(ep.speech_start / ep.frame_length))
                    lead = int(PREROLL_S / ep.frame_length)
                    segment.extend(f for i, f in history if first - lead <= i < first)
                segment.append(speech)
                # Any overlap with the coach's voice (or its echo) makes it a barge-in.
                if now - last_speaking < SPEAKING_TAIL_S + self.endpoint_window * (not segment[1:]):
                    spoke_over = True
            if segment and (not ep.in_speech or len(segment) >= max_frames):
                self.last_speech_end = now
                pcm = b"".join(segment)
                began = now - len(pcm) / 2 / RATE - self.endpoint_window
                segment = []
                self._decode(pcm, spoke_over, began, now)
                spoke_over = False

    def _decode(self, pcm: bytes, spoke_over: bool, began: float = 0.0,
                ended: float = 0.0) -> None:
        grammar = SAFETY_GRAMMAR if spoke_over else self._grammar
        known = getattr(self.recognizer, "grammars", None)
        if known is not None and grammar not in known:
            grammar = "command"
        # Over the coach's voice: when we know what it said (our own speaker), an echo is caught
        # by comparing words, so the person's "stop" keeps the normal threshold; without that
        # knowledge, fall back to the stricter threshold.
        coach_lines = self._coach_said(began, ended + SPEAKING_TAIL_S) if spoke_over else None
        strict = spoke_over and coach_lines is None
        try:
            result = self.recognizer.decode(pcm, RATE, grammar, strict=strict)
        except Exception as err:  # a decoder problem must not kill the microphone thread
            self.notice(f"recognizer error: {err}")
            return
        if result.accepted and coach_lines and is_echo(result.text, coach_lines):
            result = replace(result, intent=Intent("none", {}, result.text, 0.0), confidence=0.0)
        if self.on_result is not None:
            self.on_result(result)
        if result.accepted:
            self._post(Heard(result.intent, source="voice"))

    def _coach_said(self, t_from: float, t_to: float) -> list[str] | None:
        said = getattr(self.speaker, "said_between", None)
        if not callable(said):
            return None
        try:
            return list(said(t_from, t_to))
        except Exception:
            return None

    close = stop


def is_echo(heard: str, coach_lines: list[str]) -> bool:
    """True when every word heard was in what the coach was saying at that moment: the
    microphone picked up the coach, not the person."""
    words = [w for w in heard.lower().replace("'", "").split() if w]
    spoken = set(" ".join(coach_lines).lower().replace("'", "").replace(",", " ")
                 .replace(".", " ").replace("?", " ").split())
    return bool(words) and all(w in spoken for w in words)


class _LoopSpeaker:
    """The loop's speaker, looked up at each call (the loop may make it after the listener)."""

    def __init__(self, loop):
        self._loop = loop

    def is_speaking(self) -> bool:
        speaker = getattr(self._loop, "speaker", None)
        check = getattr(speaker, "is_speaking", None)
        return bool(check()) if callable(check) else False

    def said_between(self, t_from: float, t_to: float) -> list[str]:
        speaker = getattr(self._loop, "speaker", None)
        said = getattr(speaker, "said_between", None)
        if not callable(said):
            raise AttributeError("no said_between")
        return said(t_from, t_to)


def start_listener(loop, *, catalog=None, engine: str | None = None, model: str | None = None,
                   online: bool = False, speaker=None, device_index: int | None = None,
                   wait: float = 3.0, recognizer=None) -> Listener | None:
    """Make the recognizer, open the microphone and start listening for `loop` (anything with
    `post(event)`). Returns None when no microphone can be opened (the loop falls back to the
    keyboard); UserError when the engine cannot be had. `listener.online` tells the loop to
    warn, aloud, that audio leaves the machine."""
    from voicecoach.audio.recognizer import DEFAULT_ENGINE, GRAMMAR_ENGINES, make_recognizer

    engine = (engine or DEFAULT_ENGINE).lower()
    options = {"catalog": catalog} if engine in GRAMMAR_ENGINES else {}
    if engine == "moonshine":
        options["notice"] = _notice  # "preparing the speech model" on the first run
    if recognizer is None:  # (a caller may pass one it already loaded)
        recognizer = make_recognizer(engine, model, online, **options)
    listener = Listener(loop.post, recognizer,
                        speaker=speaker if speaker is not None else _LoopSpeaker(loop),
                        device_index=device_index, notice=lambda text: None)
    listener.online = bool(getattr(recognizer, "online", False))
    listener.start()
    listener.ready.wait(wait)
    if not listener.has_device:
        listener.stop()
        return None
    listener.notice = _notice
    return listener
