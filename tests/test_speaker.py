"""Voice out, for real: espeak-ng through pyttsx3, PortAudio into a PulseAudio null sink, and
every timing judged from the sound recorded off the sink's monitor."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

from audio_env import THRESHOLD, envelope, onsets, silent_from, start_pulse
from voicecoach.audio.render import LEAD_MS, TAIL_MS, Renderer, trim_and_normalise
from voicecoach.audio.speaker import AudioSpeaker
from voicecoach.session.clock import MonotonicClock
from voicecoach.core.events import DeviceChanged, SpeechDone, SpeechStarted, Utterance

ROOT = Path(__file__).resolve().parents[1]
# Test material (not coach lines): counts are spoken as their digits, as prompts' `count` does.
LONG = " ".join(str(n) for n in range(21, 40))  # ~8 s of speech with short gaps between words


def _events(q: queue.Queue) -> list:
    out = []
    while not q.empty():
        out.append(q.get())
    return out


def _speaker(q, cache, **kw):
    sp = AudioSpeaker(q.put, MonotonicClock(), cache_dir=cache, notice=lambda s: None, **kw)
    assert sp.wait_ready(5)
    return sp


def _first_loud(samples: np.ndarray, volume: float = 1.0) -> float:
    idx = np.flatnonzero(np.abs(samples.astype(np.int32)) * volume >= THRESHOLD)
    return float(idx[0]) if len(idx) else 0.0


# ---------------------------------------------------------------- rendering


def test_render_trims_silence_and_second_render_is_a_cache_hit(tmp_path):
    r = Renderer(cache_dir=tmp_path)
    try:
        t = time.monotonic()
        first = r.render("seven")
        cold = time.monotonic() - t
    finally:
        r.close()
    x = np.abs(first.samples.astype(np.int32))
    assert first.rate > 8000 and first.samples.dtype == np.int16
    # Starts speaking at once and stops when the word does: espeak's padding is gone.
    loud = np.flatnonzero(x >= 0.02 * x.max())
    assert loud[0] / first.rate <= (LEAD_MS + 1) / 1000
    assert (len(x) - loud[-1]) / first.rate <= (TAIL_MS + 1) / 1000
    assert 0.15 < first.seconds < 0.7
    assert not first.cached
    files = list(tmp_path.iterdir())
    assert [f.suffix for f in files] == [".wav"]  # one cache entry, no temp files left over

    again = Renderer(cache_dir=tmp_path)  # a new process would see the same: disk only
    try:
        t = time.monotonic()
        second = again.render("seven")
        warm = time.monotonic() - t
        faster = again.render("seven", rate=260)  # another rate is another cache entry
    finally:
        again.close()
    assert second.cached and np.array_equal(second.samples, first.samples)
    assert warm < cold / 10
    assert faster.seconds < first.seconds
    assert len(list(tmp_path.glob("*.wav"))) == 2


def test_trim_keeps_quiet_input_quiet():
    assert len(trim_and_normalise(np.zeros(22050, np.int16), 22050)) == 0


# ---------------------------------------------------------------- counts on the clock


def test_thirty_second_hold_counts_land_on_the_one_second_grid(pulse, speech_cache):
    q: queue.Queue = queue.Queue()
    counts = [str(n) for n in range(1, 31)]
    sp = _speaker(q, speech_cache, prerender=counts)
    assert sp.prerendered(timeout=30)
    clock = sp._clock
    lead = {c: _first_loud(sp.renderer.cached(c).samples) / sp.renderer.cached(c).rate
            for c in counts}
    rec = pulse.start_recording()
    t0 = clock.now() + 0.5
    dues = [t0 + i for i in range(1, 31)]

    def loop():  # like the session loop: each count said a little before it is due
        for i, due in enumerate(dues, start=1):
            time.sleep(max(0.0, clock.to_monotonic(due - 0.3) - time.monotonic()))
            sp.say(Utterance(i, str(i), kind="count", due=due, interrupt=True))

    feeder = threading.Thread(target=loop)
    feeder.start()
    feeder.join()
    time.sleep(max(0.0, clock.to_monotonic(dues[-1] + 1.2) - time.monotonic()))
    r = rec.stop()
    sp.close()

    heard = [r.time_of(o * r.rate) for o in onsets(r.samples, r.rate)]
    errors = []
    for i, due in enumerate(dues, start=1):
        expect = clock.to_monotonic(due) + lead[str(i)]
        nearest = min(heard, key=lambda o: abs(o - expect))
        errors.append(nearest - expect)
    assert len(heard) == 30, f"expected 30 separate counts in the recording, heard {len(heard)}"
    assert max(abs(e) for e in errors) < 0.080, [round(e * 1000) for e in errors]
    gaps = np.diff(heard)
    assert np.all(np.abs(gaps - 1.0) < 0.040), np.round(gaps, 3)
    # no drift: the last counts are as punctual as the first
    assert abs(np.mean(errors[-5:]) - np.mean(errors[:5])) < 0.010

    evs = _events(q)
    started = {e.utterance_id: e.played for e in evs if isinstance(e, SpeechStarted)}
    done = {e.utterance_id: e.cut for e in evs if isinstance(e, SpeechDone)}
    assert sorted(started) == list(range(1, 31)) and sorted(done) == list(range(1, 31))
    assert not any(done.values())
    assert all(abs(started[i] - dues[i - 1]) < 0.005 for i in started)


def test_a_sentence_running_into_a_count_is_cut_at_the_count(pulse, speech_cache):
    q: queue.Queue = queue.Queue()
    sp = _speaker(q, speech_cache, prerender=["1"])
    sp.prerendered(timeout=20)
    sp.renderer.render(LONG)
    rec = pulse.start_recording()
    sp.say(Utterance(1, LONG, kind="cue"))
    time.sleep(0.3)  # the sentence is playing when the count comes in
    due = sp._clock.now() + 0.9
    sp.say(Utterance(2, "1", kind="count", due=due, interrupt=True))
    sp.say(Utterance(3, LONG, kind="cue"))  # would run into the next count: dropped whole
    sp.say(Utterance(4, "1", kind="count", due=due + 1.0, interrupt=True))
    time.sleep(max(0.0, sp._clock.to_monotonic(due + 2.0) - time.monotonic()))
    r = rec.stop()
    sp.close()
    evs = _events(q)
    done = {e.utterance_id: e.cut for e in evs if isinstance(e, SpeechDone)}
    started = {e.utterance_id for e in evs if isinstance(e, SpeechStarted)}
    assert done == {1: True, 2: False, 3: True, 4: False}
    assert started == {1, 2, 4}
    # The count sounded on time even though the sentence had not finished: the recording goes
    # quiet just before the count's due time, then the count starts within a few ms of it.
    due_at = sp._clock.to_monotonic(due) - r.t0
    env, _ = envelope(r.samples, r.rate)
    ms = int(due_at * 1000)
    assert env[ms - 150:ms - 10].max() >= THRESHOLD  # still speaking 150 ms before the count
    count_onsets = [o for o in onsets(r.samples, r.rate, min_silence=0.001) if abs(o - due_at) < 0.08]
    assert count_onsets, "the count did not start at its due time"


# ---------------------------------------------------------------- interrupting


def test_stop_silences_the_speaker_quickly_and_drops_the_queue(pulse, speech_cache):
    q: queue.Queue = queue.Queue()
    sp = _speaker(q, speech_cache)
    sp.renderer.render(LONG)
    rec = pulse.start_recording()
    sp.say(Utterance(1, LONG))
    sp.say(Utterance(2, LONG))
    # Stop while a word is sounding (not in a pause between words).
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if time.monotonic() > deadline - 2.0 and _loud_now(rec):
            break
    t_stop = time.monotonic()
    sp.stop()
    assert not sp.is_speaking() or time.monotonic() - t_stop < 0.06
    time.sleep(1.2)
    r = rec.stop()
    sp.close()
    at = t_stop - r.t0
    quiet = silent_from(r.samples, r.rate, at, hold=1.0)
    assert quiet is not None, "still sounding a second after stop()"
    assert quiet - at < 0.150, f"{(quiet - at) * 1000:.0f} ms from stop() to silence"
    done = {e.utterance_id: e.cut for e in _events(q) if isinstance(e, SpeechDone)}
    assert done == {1: True, 2: True}
    assert sp.playing() is None


def _loud_now(rec) -> bool:
    """Was the last 20 ms of what the recorder got so far loud?"""
    chunks = rec._chunks[-3:]
    if not chunks:
        return False
    x = np.frombuffer(b"".join(chunks)[-1920:], dtype="<i2")
    return len(x) > 0 and int(np.abs(x.astype(np.int32)).max()) >= 3 * THRESHOLD


def test_tick_counts_and_volume_and_rate_changes_are_heard(pulse, speech_cache):
    q: queue.Queue = queue.Queue()
    sp = _speaker(q, speech_cache, counts="tick", prerender=["8"])
    sp.prerendered(timeout=20)
    rec = pulse.start_recording()
    t0 = sp._clock.now() + 0.3
    for i in range(3):
        sp.say(Utterance(i, "8", kind="count", due=t0 + 0.5 * i))
    time.sleep(1.6)
    sp.say(Utterance(10, "8 and 9", kind="count"))  # a counting line with words: spoken
    time.sleep(0.8)
    sp.adjust(volume=0.5)
    sp.say(Utterance(11, "8", kind="cue"))
    time.sleep(0.8)
    r = rec.stop()
    slow = sp.renderer.render(LONG).seconds
    sp.adjust(rate=1.5)
    sp.prerendered(timeout=20)  # also learns the engine's rate
    fut = sp.renderer.submit(LONG, rate=sp._render_rate())
    fast = fut.result(timeout=20).seconds
    sp.close()
    ons = onsets(r.samples, r.rate)
    assert len(ons) == 5, ons
    ticks = ons[:3]
    assert np.all(np.abs(np.diff(ticks) - 0.5) < 0.02)
    # a tick is short: quiet again within 60 ms of its onset
    for o in ticks:
        assert silent_from(r.samples, r.rate, o + 0.001, hold=0.1) - o < 0.06
    # the line with words was spoken, not ticked: it lasts
    assert silent_from(r.samples, r.rate, ons[3] + 0.001, hold=0.1) - ons[3] > 0.3
    # "quieter" halves the level (every rendering is normalised to the same peak)
    peaks = [np.abs(r.samples[int(o * r.rate):int((o + 0.5) * r.rate)].astype(np.int32)).max()
             for o in ons[3:]]
    assert 0.4 < peaks[1] / peaks[0] < 0.6
    # "faster" speaks faster
    assert fast < 0.8 * slow


# ---------------------------------------------------------------- faults


NO_DEVICE_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from voicecoach.audio.speaker import AudioSpeaker, print_line
    from voicecoach.session.clock import MonotonicClock
    from voicecoach.core.events import Utterance
    events = []
    sp = AudioSpeaker(events.append, MonotonicClock(), cache_dir=sys.argv[1],
                      on_unheard=print_line)
    sp.say(Utterance(1, "3"))
    sp.say(Utterance(2, "2"))
    sp.say(Utterance(3, "1", kind="count", due=1.5))
    time.sleep(2.5)
    sp.close()
    print(json.dumps([type(e).__name__ + ":" + str(getattr(e, "utterance_id", getattr(e, "ok", "")))
                      for e in events]))
""")


def test_without_an_output_device_one_notice_and_lines_are_printed(speech_cache, tmp_path):
    env = dict(os.environ, PULSE_SERVER=f"unix:{tmp_path}/nobody-here", PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", NO_DEVICE_SCRIPT, str(speech_cache)], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    err = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("voicecoach: no sound output"), p.stderr
    out = p.stdout.splitlines()
    assert out[:3] == ["3", "2", "1"]  # each line printed instead of heard
    events = json.loads(out[-1])
    assert events[0] == "DeviceChanged:False"
    for uid in (1, 2, 3):  # the session still gets its events, in order
        assert events.index(f"SpeechStarted:{uid}") < events.index(f"SpeechDone:{uid}")


def test_a_failing_speech_engine_gives_one_notice_and_the_session_goes_on(pulse, tmp_path):
    q: queue.Queue = queue.Queue()
    notices: list[str] = []
    unheard: list[str] = []
    sp = AudioSpeaker(q.put, MonotonicClock(), voice="no-such-voice", cache_dir=tmp_path,
                      notice=notices.append, on_unheard=lambda u: unheard.append(u.text))
    try:
        sp.say(Utterance(1, "4"))
        sp.say(Utterance(2, "5"))
        deadline = time.monotonic() + 15
        while len([e for e in _events_peek(q) if isinstance(e, SpeechDone)]) < 2:
            assert time.monotonic() < deadline, notices
            time.sleep(0.05)
    finally:
        sp.close()
    assert len(notices) == 1 and notices[0].startswith("speech engine failed"), notices
    assert unheard == ["4", "5"]
    evs = _events(q)
    assert [type(e).__name__ for e in evs] == ["SpeechStarted", "SpeechDone"] * 2


def _events_peek(q: queue.Queue) -> list:
    with q.mutex:
        return list(q.queue)


def test_output_lost_mid_session_comes_back(tmp_path, speech_cache, monkeypatch):
    """Kill the sound server while speaking: one notice, the speaker carries on silently, and
    once a server is back it speaks again (retry every 3 s)."""
    root = tmp_path / "p2"
    pe = start_pulse(root, noise_dbfs=None, set_environ=False)
    monkeypatch.setenv("PULSE_SERVER", pe.server)
    q: queue.Queue = queue.Queue()
    notices: list[str] = []
    sp = AudioSpeaker(q.put, MonotonicClock(), cache_dir=speech_cache, notice=notices.append,
                      on_unheard=None)
    try:
        assert sp.wait_ready(5) and sp.has_device
        sp.say(Utterance(1, LONG))
        time.sleep(0.5)
        pe.proc.kill()
        pe.proc.wait()
        time.sleep(0.5)
        assert sp.has_device is False
        sp.say(Utterance(2, "5"))
        pe2 = start_pulse(root, noise_dbfs=None, set_environ=False)
        try:
            deadline = time.monotonic() + 8
            while not sp.has_device and time.monotonic() < deadline:
                time.sleep(0.1)
            assert sp.has_device, notices
            rec = pe2.start_recording()
            sp.say(Utterance(3, "6"))
            time.sleep(1.0)
            r = rec.stop()
        finally:
            sp.close()
            pe2.stop()
    finally:
        sp.close()
        pe.stop()
    assert len(onsets(r.samples, r.rate)) == 1  # heard again
    assert notices[0].startswith("sound output lost") and notices[1] == "sound output is back"
    evs = _events(q)
    changes = [e.ok for e in evs if isinstance(e, DeviceChanged)]
    assert changes == [False, True]
    done = {e.utterance_id for e in evs if isinstance(e, SpeechDone)}
    assert done >= {1, 2, 3}


# ---------------------------------------------------------------- voices


def test_voices_lists_installed_voices_as_json():
    p = subprocess.run([sys.executable, "-m", "voicecoach", "voices", "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    voices = [json.loads(line) for line in p.stdout.splitlines()]
    assert voices and all({"id", "name", "languages"} <= set(v) for v in voices)
    assert any(lang.startswith("en") for v in voices for lang in v["languages"])
