"""The coach's voice: utterances in, sound out, on the session clock.
Why one file: the interface (say/stop) and the player thread's timeline (_fill, _start_next)
share one queue under one lock; apart, that lock and its invariants would span two files.

`AudioSpeaker.say()` only queues. Rendering happens on the renderer's thread (pyttsx3 in a
worker process, cached on disk); the player thread asks `_fill()` for 10 ms of samples at a
time, together with the exact time those samples will sound, and `_fill()` lays the queue out
on that timeline:

  - an utterance with `due` starts on the sample whose play time is `due` (counts on the grid);
  - one without starts a short pause after the previous one ends (or at once);
  - a count (or any `interrupt` utterance with `due`) cuts whatever still plays at its due time,
    and a line that would run into it is dropped before it starts — counts never drift;
  - a count that cannot start within `late_ok` of its due time is dropped, not played late.

Every utterance gets `SpeechDone` (cut=True when cut or dropped); those that sounded get
`SpeechStarted` first, with the session time of their first sample.
"""

from __future__ import annotations

import collections
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from voicecoach.session.console import notice as _notice
from voicecoach.audio.player import Player, make_tick, resample
from voicecoach.audio.render import RenderError, Renderer
from voicecoach.core.events import DeviceChanged, Event, SpeechDone, SpeechStarted, Utterance

FADE_S = 0.003  # fade-out when a sound is cut: no click, still well inside 50 ms
LATE_OK = 0.25  # a count later than this is dropped (a late count breaks the rhythm)
GAP_S = 0.3  # pause between two lines that have no due time (session seconds)
RATE_LIMITS = (0.5, 2.0)  # speech-rate factor range
VOLUME_LIMITS = (0.05, 1.4)  # software gain range (renders peak at 0.7 of full scale)




def print_line(utt: Utterance) -> None:
    """An `on_unheard` for callers that do not print every line themselves."""
    print(utt.text, flush=True)


def _is_number(text: str) -> bool:
    """A plain count ("17"), as opposed to a counting line with words in it."""
    return any(c.isdigit() for c in text) and not any(c.isalpha() for c in text)


@dataclass(eq=False)
class _Item:
    utt: Utterance
    due: float | None  # monotonic
    samples: np.ndarray | None = None  # at the player's rate, once rendered
    error: str | None = None
    pos: int = 0  # next sample to play
    start: float = 0.0  # monotonic time of the first sample
    end: float = 0.0  # monotonic time after the last sample (planned)
    cut_at: float | None = None  # monotonic time the sound must stop (a count due then)
    fading: bool = False  # cut now: play FADE_S more with a fade, then stop
    unheard: bool = False
    done_event: SpeechDone | None = None  # posted once the last sample has sounded

    @property
    def anchored(self) -> bool:
        return self.due is not None and (self.utt.kind == "count" or self.utt.interrupt)

    @property
    def ready(self) -> bool:
        return self.samples is not None or self.error is not None


@dataclass
class _Stats:
    played: int = 0
    cut: int = 0
    dropped: int = 0
    onset_late: list = field(default_factory=list)  # planned start - due (s), counts


class AudioSpeaker:
    """Speaks utterances through the default output device; see the module docstring."""

    def __init__(self, post: Callable[[Event], None], clock, *, voice: str | None = None,
                 rate: int | None = None, volume: float = 1.0, counts: str = "voice",
                 prerender: Iterable[str] = (), cache_dir=None,
                 notice: Callable[[str], None] = _notice,
                 on_unheard: Callable[[Utterance], None] | None = None,
                 late_ok: float = LATE_OK, gap: float = GAP_S, chunk_ms: float = 10.0):
        if counts not in ("voice", "tick"):
            raise ValueError("counts must be 'voice' or 'tick'")
        self._post = post
        self._clock = clock
        self._t0 = clock.to_monotonic(0.0)
        self._scale = float(clock.scale)
        self.counts = counts
        self._notice = notice
        self._on_unheard = on_unheard
        self._late_ok = late_ok
        self._gap = gap / self._scale
        self._rate_factor = 1.0
        self._volume = min(max(volume, VOLUME_LIMITS[0]), VOLUME_LIMITS[1])
        self._renderer = Renderer(voice=voice, rate=rate, cache_dir=cache_dir)
        self._prerender_texts = [t for t in dict.fromkeys(prerender) if t and t.strip()]
        self._lock = threading.RLock()
        self._queue: collections.deque[_Item] = collections.deque()
        self._current: _Item | None = None
        self._audible: list[_Item] = []  # started, last sample not yet sounded
        # (start, end, text) of the last lines that sounded: the listener's echo filter
        self._recent: collections.deque[tuple[float, float, str]] = collections.deque(maxlen=16)
        self._last_end = 0.0  # monotonic end of the last sound (for the pause between lines)
        self._tts_failed = False
        self._closed = False
        self.stats = _Stats()
        self._player = Player(self._fill, volume=self._volume, notice=notice,
                              on_device=self._device_changed, chunk_ms=chunk_ms)
        self._tick = make_tick(self._player.rate)
        if self._prerender_texts:
            self._renderer.prerender(self._prerender_texts, rate=self._render_rate())
        # Start the engine in the background even when everything is cached: a line not in
        # the cache, or a rate change, should not wait for it to start.
        self._renderer.engine_rate()
        self._player.start()

    # ------------------------------------------------------------------ the interface

    def say(self, utt: Utterance) -> None:
        item = _Item(utt, None if utt.due is None else self._clock.to_monotonic(utt.due))
        if self.counts == "tick" and utt.kind == "count" and _is_number(utt.text):
            item.samples = self._tick  # "halfway", "and relax" are still spoken
        else:
            fut = self._renderer.submit(utt.text, rate=self._render_rate())
            fut.add_done_callback(lambda f, it=item: self._rendered(it, f))
        events: list[Event] = []
        with self._lock:
            if utt.interrupt and utt.due is None:
                events += self._cut_all()
            self._queue.append(item)
        self._emit(events)

    def stop(self) -> None:
        with self._lock:
            events = self._cut_all()
        self._emit(events)

    def adjust(self, rate: float = 1.0, volume: float = 1.0) -> None:
        if rate != 1.0:
            f = min(max(self._rate_factor * rate, RATE_LIMITS[0]), RATE_LIMITS[1])
            if f != self._rate_factor:
                self._rate_factor = f
                threading.Thread(target=self._prerender_at_new_rate, daemon=True).start()
        if volume != 1.0:
            self._volume = min(max(self._volume * volume, VOLUME_LIMITS[0]), VOLUME_LIMITS[1])
            self._player.volume = self._volume

    def is_speaking(self) -> bool:
        """True while a sound is audible (or started and about to be)."""
        now = time.monotonic()
        with self._lock:
            return self._current is not None or any(it.end > now for it in self._audible)

    def playing(self) -> tuple[int, float, float] | None:
        """(utterance id, start, end) in session time of what sounds now, else None."""
        now = time.monotonic()
        with self._lock:
            for it in [self._current, *self._audible]:
                if it is not None and it.start <= now < self._planned_end(it):
                    return it.utt.id, self._session(it.start), self._session(self._planned_end(it))
        return None

    def said_between(self, t_from: float, t_to: float) -> list[str]:
        """Texts of the lines that sounded between two time.monotonic() values: what the
        microphone may have heard of the coach itself."""
        with self._lock:
            return [text for start, end, text in self._recent if start < t_to and end > t_from]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop()
        self._player.close()
        self._renderer.close()

    # extras for the loop, the benchmark and the doctor

    @property
    def has_device(self) -> bool | None:
        return self._player.has_device

    @property
    def lead_time(self) -> float:
        """How early (real seconds) a `due` utterance must be said to start exactly on time."""
        return self._player.latency + 2 * self._player.chunk / self._player.rate

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Wait until the output device was tried (opened or found missing)."""
        return self._player.ready.wait(timeout)

    def prerendered(self, timeout: float | None = None) -> bool:
        """Wait until every pre-render phrase is cached at the current rate."""
        futs = self._renderer.prerender(self._prerender_texts, rate=self._render_rate())
        end = None if timeout is None else time.monotonic() + timeout
        for f in futs:
            try:
                f.result(None if end is None else max(0.0, end - time.monotonic()))
            except Exception:  # noqa: BLE001 — a failed phrase is not "waiting"
                continue
        return all(f.done() for f in futs)

    @property
    def renderer(self) -> Renderer:
        return self._renderer

    # ------------------------------------------------------------------ internals

    def _render_rate(self) -> int | None:
        if self._rate_factor == 1.0:
            return self._renderer.rate
        base = self._renderer.rate or self._renderer.engine_rate()
        if base is None:  # only until the engine has answered once (it starts with us)
            try:
                base = self._renderer.default_rate()
            except Exception:  # noqa: BLE001 — no engine: the rate does not matter
                return None
        return int(round(base * self._rate_factor))

    def _prerender_at_new_rate(self) -> None:
        """Counts at the new rate, before they are needed (learns the engine's base rate)."""
        try:
            self._renderer.default_rate()
        except Exception:  # noqa: BLE001 — no engine: lines are printed anyway
            return
        if self._prerender_texts:
            self._renderer.prerender(self._prerender_texts, rate=self._render_rate())

    def _session(self, mono: float) -> float:
        return (mono - self._t0) * self._scale

    def _rendered(self, item: _Item, fut: Future) -> None:
        try:
            r = fut.result()
            samples = resample(r.samples, r.rate, self._player.rate)
            with self._lock:
                item.samples = samples
        except Exception as err:  # noqa: BLE001 — speech fails, the session goes on
            msg = str(err) if isinstance(err, RenderError) else f"{type(err).__name__}: {err}"
            if not self._tts_failed:
                self._tts_failed = True
                self._notice(f"speech engine failed ({msg}); going on without speech")
            # Keep the timeline honest: a silent stand-in as long as the line would take.
            from voicecoach.core.timing import LINE_GAP, speech_seconds

            secs = max(0.2, speech_seconds(item.utt.text) - LINE_GAP)
            with self._lock:
                item.error = msg
                item.unheard = True
                item.samples = np.zeros(int(secs * self._player.rate / self._scale), np.int16)

    def _device_changed(self, ok: bool) -> None:
        self._post(DeviceChanged("speaker", ok))

    def _emit(self, events: list) -> None:
        for ev in events:
            if isinstance(ev, Utterance):
                if self._on_unheard:
                    try:
                        self._on_unheard(ev)
                    except Exception:  # noqa: BLE001
                        pass
            else:
                self._post(ev)

    def _planned_end(self, it: _Item) -> float:
        return it.end if it.cut_at is None else min(it.end, it.cut_at)

    def _cut_all(self) -> list[Event]:
        """Stop the current sound (after a few ms of fade) and drop the queue. Lock held."""
        events: list[Event] = []
        cur = self._current
        if cur is not None and not cur.fading:
            cur.fading = True  # _fill plays FADE_S more, fading out, then ends it
            events.append(SpeechDone(cur.utt.id, cut=True))
            self.stats.cut += 1
            cur.end = min(cur.end, time.monotonic() + self._player.latency + 0.02)
        while self._queue:
            it = self._queue.popleft()
            self.stats.dropped += 1
            events.append(SpeechDone(it.utt.id, cut=True))
        return events

    def _next_anchor(self, after: _Item | None) -> _Item | None:
        """The first queued item with a due time that may cut earlier ones."""
        for it in self._queue:
            if it is after:
                continue
            if it.anchored:
                return it
        return None

    def _fill(self, n: int, t_play: float) -> np.ndarray | None:
        """Samples for frames [0, n) whose first sounds at monotonic `t_play` (player thread)."""
        rate = self._player.rate
        out: np.ndarray | None = None
        events: list = []
        now = time.monotonic()
        with self._lock:
            pos = 0
            while pos < n:
                cur = self._current
                if cur is None:
                    cur = self._start_next(t_play, pos, n, events)
                    if cur is None:
                        break
                    pos = int(round((cur.start - t_play) * rate))
                    pos = min(max(pos, 0), n)
                    if pos >= n:
                        break
                # A count due while this still plays cuts it at its due time.
                anchor = self._next_anchor(after=None)
                if anchor is not None and anchor.due < cur.end and cur.cut_at is None:
                    cur.cut_at = max(anchor.due, t_play + pos / rate)
                left = len(cur.samples) - cur.pos
                room = n - pos
                stop_here = left <= room
                take = min(left, room)
                fade_len = 0
                if cur.fading:
                    fade_len = int(FADE_S * rate)
                    take = min(take, fade_len)
                    stop_here = True
                    fade_len = take
                elif cur.cut_at is not None:
                    until = int(round((cur.cut_at - t_play) * rate))
                    if until <= pos + take:
                        take = max(0, until - pos)
                        stop_here = True
                        fade_len = min(take, int(FADE_S * rate))
                if take > 0:
                    if out is None:
                        out = np.zeros(n, np.int16)
                    seg = cur.samples[cur.pos:cur.pos + take]
                    if fade_len:
                        seg = (seg[-fade_len:].astype(np.float32)
                               * np.linspace(1.0, 0.0, fade_len, dtype=np.float32))
                        seg = np.concatenate([cur.samples[cur.pos:cur.pos + take - fade_len],
                                              seg.astype(np.int16)])
                    out[pos:pos + take] = seg
                    cur.pos += take
                    pos += take
                if stop_here:
                    cur.end = t_play + pos / rate
                    self._last_end = cur.end
                    self._current = None
                    if not cur.fading:  # stop() / an interruption already reported the cut
                        was_cut = cur.pos < len(cur.samples)
                        self.stats.cut += was_cut
                        cur.done_event = SpeechDone(cur.utt.id, cut=was_cut)
            # Report what has finished sounding by now.
            still = []
            for it in self._audible:
                if self._current is it or it.end > now:
                    still.append(it)
                elif getattr(it, "done_event", None) is not None:
                    events.append(it.done_event)
            self._audible = still
        self._emit(events)
        return out

    def _start_next(self, t_play: float, pos: int, n: int, events: list) -> _Item | None:
        """Pick the next queued item that should start in this chunk; lock held."""
        rate = self._player.rate
        t_pos = t_play + pos / rate
        t_end = t_play + n / rate
        while self._queue:
            it = self._queue[0]
            if it.due is not None:
                start = it.due
            elif it.utt.interrupt:  # it just cut what was playing: no pause first
                start = t_pos
            else:
                start = max(t_pos, self._last_end + self._gap)
            if not it.ready:
                if it.utt.kind == "count" and it.due is not None and t_pos - it.due > self._late_ok:
                    self._drop(events)
                    continue
                return None  # still rendering: wait for it
            if start >= t_end:
                return None
            if start < t_pos:
                late = t_pos - start
                if it.anchored and it.utt.kind == "count" and late > self._late_ok:
                    self._drop(events)
                    continue
                start = t_pos
            dur = len(it.samples) / rate
            if not it.anchored:
                anchor = self._next_anchor(after=it)
                if anchor is not None and start + dur > anchor.due:
                    self._drop(events)  # would run into a count: drop it whole
                    continue
            self._queue.popleft()
            it.start = start
            it.end = start + dur
            self._current = it
            self._audible.append(it)
            self._recent.append((start, it.end, it.utt.text))
            self.stats.played += 1
            if it.due is not None:
                self.stats.onset_late.append(start - it.due)
            events.append(SpeechStarted(it.utt.id, played=self._session(start)))
            if it.unheard or self._player.has_device is False:
                events.append(it.utt)  # printed instead of heard
            return it
        return None

    def _drop(self, events: list) -> None:
        it = self._queue.popleft()
        self.stats.dropped += 1
        events.append(SpeechDone(it.utt.id, cut=True))
