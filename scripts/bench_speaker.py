"""Benchmark the coach's voice from the RECORDED sound, and write BENCHMARKS.md's speaker section.
Why one file: report() reads the keys each measurement returns; in one script (run by hand,
imported by nothing) the measurements and the table stay in step.

Everything is measured on what reached a PulseAudio null sink (recorded from its monitor with
parec), never from the speaker's own timestamps: count onsets vs their due times over a hold,
drift, stop-to-silence, time from creating the speaker to the first sound (warm and cold
cache), and the cache hit rate over a whole session's lines.

    .venv/bin/python scripts/bench_speaker.py            # about 3 minutes
    .venv/bin/python scripts/bench_speaker.py --hold 20  # quicker, less precise
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.analysis import THRESHOLD, envelope, onsets, silent_from  # noqa: E402
from voicecoach.audio.pulse_env import private_pulse  # noqa: E402
from voicecoach.audio.render import Renderer  # noqa: E402
from voicecoach.audio.speaker import AudioSpeaker  # noqa: E402
from voicecoach.session.clock import MonotonicClock  # noqa: E402
from voicecoach.core.events import SpeechStarted, Utterance  # noqa: E402

BEGIN, END = "<!-- speaker:begin -->", "<!-- speaker:end -->"
COUNTS = [str(n) for n in range(0, 61)]  # what the prompts speak for a count: the number


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def pct(values, q):
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def prompt_texts() -> list[str]:
    """Spoken lines from prompts/*.yaml (no placeholders): the coach's own sentences."""
    import yaml

    out: list[str] = []
    for path in sorted((ROOT / "prompts").glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except Exception:  # noqa: BLE001
            continue
        for value in data.values():
            for s in value if isinstance(value, list) else [value]:
                if isinstance(s, str) and "{" not in s:
                    out.append(s)
    return out


def first_loud(samples: np.ndarray, volume: float = 1.0) -> float:
    """Seconds from a rendering's first sample to its first sample the onset detector sees."""
    idx = np.flatnonzero(np.abs(samples.astype(np.int32)) * volume >= THRESHOLD)
    return float(idx[0]) if len(idx) else 0.0


# ---------------------------------------------------------------- the measurements


def hold(pe, cache: Path, seconds: int, ahead: float) -> dict:
    """Counts 1..N one second apart, each said `ahead` s before its due time (as a loop would),
    recorded; onsets from the recording are matched to the due times."""
    events: queue.Queue = queue.Queue()
    clock = MonotonicClock()
    sp = AudioSpeaker(events.put, clock, prerender=COUNTS, cache_dir=cache, notice=lambda s: None)
    sp.wait_ready()
    sp.prerendered(60)
    lead = {t: first_loud(sp.renderer.cached(t).samples) / sp.renderer.cached(t).rate
            for t in COUNTS}
    rec = pe.start_recording()
    t_start = clock.now() + 1.0
    dues = [t_start + i for i in range(1, seconds + 1)]

    def feed():
        for i, due in enumerate(dues, start=1):
            wait = clock.to_monotonic(due - ahead) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            sp.say(Utterance(i, str(i), kind="count", due=due, interrupt=True))

    th = threading.Thread(target=feed)
    th.start()
    th.join()
    time.sleep(max(0.0, clock.to_monotonic(dues[-1] + 1.5) - time.monotonic()))
    r = rec.stop()
    sp.close()
    found = [r.time_of(x * r.rate) for x in onsets(r.samples, r.rate)]
    errs, times, missing = [], [], 0
    for i, due in enumerate(dues, start=1):
        expect = clock.to_monotonic(due) + lead[str(i)]
        near = [o for o in found if abs(o - expect) < 0.3]
        if not near:
            missing += 1
            continue
        errs.append((min(near, key=lambda o: abs(o - expect)) - expect) * 1000)
        times.append(due - dues[0])
    errs_a = np.array(errs)
    slope = float(np.polyfit(times, errs_a, 1)[0] * 60) if len(errs) > 2 else float("nan")
    jitter = errs_a - np.median(errs_a)
    return {
        "n": len(dues), "missing": missing, "ahead_s": ahead,
        "abs_p50": pct(np.abs(errs_a), 50), "abs_p95": pct(np.abs(errs_a), 95),
        "abs_max": float(np.abs(errs_a).max()), "mean": float(errs_a.mean()),
        "grid_p50": pct(np.abs(jitter), 50), "grid_p95": pct(np.abs(jitter), 95),
        "grid_max": float(np.abs(jitter).max()),
        "drift_ms_per_min": slope,
        "first_vs_last_10_ms": float(np.mean(errs_a[-10:]) - np.mean(errs_a[:10])),
        "dropped": sp.stats.dropped, "underruns": sp._player.underruns,
    }


def stops(pe, cache: Path, n: int, line: str) -> dict:
    """stop() at moments when the sentence is loud and would stay loud for 80 ms more (chosen
    from the rendering), then the time until the recording goes quiet."""
    events: queue.Queue = queue.Queue()
    clock = MonotonicClock()
    sp = AudioSpeaker(events.put, clock, cache_dir=cache, notice=lambda s: None)
    sp.wait_ready()
    rendered = sp.renderer.render(line)
    env, block = envelope(rendered.samples, rendered.rate, block_ms=10.0)
    loud = env >= 3 * THRESHOLD
    spots = [i * 0.01 for i in range(50, len(loud) - 8) if loud[i:i + 8].all()]
    if not spots:
        return {"n": 0, "p50": None, "max": None, "all": []}
    picks = [spots[int(k * (len(spots) - 1) / max(1, n - 1))] for k in range(n)]
    rec = pe.start_recording()
    marks = []
    for i, offset in enumerate(picks):
        sp.say(Utterance(1000 + i, line))
        started = None
        while started is None:
            ev = events.get(timeout=10)
            if isinstance(ev, SpeechStarted) and ev.utterance_id == 1000 + i:
                started = clock.to_monotonic(ev.played)
        time.sleep(max(0.0, started + offset - time.monotonic()))
        t = time.monotonic()
        sp.stop()
        marks.append(t)
        time.sleep(0.5)
    r = rec.stop()
    sp.close()
    lat = []
    for t in marks:
        at = r.index_of(t) / r.rate
        s = silent_from(r.samples, r.rate, at, hold=0.15)
        if s is not None:
            lat.append((s - at) * 1000)
    return {"n": len(lat), "p50": pct(lat, 50), "max": max(lat) if lat else None,
            "all": [round(x, 1) for x in lat]}


def first_sound(pe, cache: Path, line: str, cold: bool, runs: int) -> dict:
    """Creating the speaker and saying the first line, to that line's first recorded sound."""
    out = []
    for _ in range(runs):
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
        rec = pe.start_recording()
        time.sleep(0.3)
        t0 = time.monotonic()
        clock = MonotonicClock()
        sp = AudioSpeaker(lambda e: None, clock, cache_dir=cache, notice=lambda s: None,
                          prerender=COUNTS)
        sp.say(Utterance(1, line))
        time.sleep(3.0)
        r = rec.stop()
        sp.close()
        ons = [r.time_of(x * r.rate) for x in onsets(r.samples, r.rate)]
        after = [o for o in ons if o >= t0]
        if after:
            out.append(after[0] - t0)
    return {"median_s": statistics.median(out) if out else None, "all": [round(x, 3) for x in out]}


def cli_first_sound(pe, tmp: Path, runs: int) -> dict:
    """Launching `voicecoach workout --text` (warm cache, profile exists) to its first recorded
    sound: what a person waits for. Two unmeasured runs first create the profile and fill the
    cache."""
    env = dict(pe.env, PYTHONPATH=str(ROOT))
    for var in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp / "cli" / var.lower())
    out = []
    for i in range(2 + runs):
        rec = pe.start_recording()
        time.sleep(0.3)
        t0 = time.monotonic()
        try:
            p = subprocess.Popen([sys.executable, "-m", "voicecoach", "workout", "--text",
                                  "--no-history", "--minutes", "5"], env=env, cwd=tmp,
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, text=True)
        except OSError:
            rec.stop()
            break
        time.sleep(6.0 if i < 2 else 3.0)
        p.send_signal(2)  # Ctrl-C: the session ends as a person would end it
        try:
            p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        r = rec.stop()
        if i >= 2:
            after = [t for t in (r.time_of(x * r.rate) for x in onsets(r.samples, r.rate))
                     if t >= t0]
            if after:
                out.append(after[0] - t0)
    return {"median_s": statistics.median(out) if out else None,
            "all": [round(x, 3) for x in out]}


def session_lines(tmp: Path) -> tuple[list[str], list[str], str]:
    """The lines (and exercise ids) of one whole session: `voicecoach workout --mute` on a fast
    clock with a scripted person; the prompt files if that does not work."""
    env = dict(os.environ)
    for var in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp / var.lower())
    env["PYTHONPATH"] = str(ROOT)
    out = tmp / "session.jsonl"
    try:
        subprocess.run([sys.executable, "-m", "voicecoach", "workout", "--mute", "--text",
                        "--time-scale", "1000", "--no-history", "--transcript", str(out)],
                       input="start\n3\n", text=True, env=env, capture_output=True, timeout=300)
        rows = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
        if len(rows) > 20:
            exercises = list(dict.fromkeys(r["exercise"] for r in rows if r.get("exercise")))
            return ([r["text"] for r in rows], exercises,
                    "a 15-minute `voicecoach workout --mute` session")
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        pass
    lines = prompt_texts() + [str(n) for _ in range(8) for n in range(1, 31)]
    return lines, [], "prompt lines + 8 holds of 30 counts (workout run failed)"


def prerender_list(exercises: list[str]) -> list[str]:
    """What the session pre-renders at start (as Dialogue.prerender does): the counting
    vocabulary, then each of today's exercises' own lines."""
    try:
        from voicecoach.core.catalog import load_catalog
        from voicecoach.core.dialogue import counting_lines
        from voicecoach.core.prompts import load_default

        lines = counting_lines(load_default(), 60)
        catalog = load_catalog()
        for ex_id in exercises:
            ex = catalog.get(ex_id)
            lines += [ex.setup, *ex.cues, ex.breathing]
        return [t for t in dict.fromkeys(lines) if t]
    except Exception:  # noqa: BLE001 — the bench must run even if those modules change
        return COUNTS


def hit_rate(lines: list[str], pre: list[str], cache: Path) -> dict:
    """Replay a session's lines through the renderer: a first session on an empty cache (only
    the start-up pre-render list done), then the same session again."""
    shutil.rmtree(cache, ignore_errors=True)
    res = {}
    for name in ("first", "next"):
        r = Renderer(cache_dir=cache)
        for f in r.prerender(pre):
            f.result()
        r.hits = r.misses = 0
        for text in lines:
            r.render(text)
        res[name] = r.hit_rate
        r.close()
    res["lines"], res["unique"], res["prerender"] = len(lines), len(set(lines)), len(pre)
    return res


# ---------------------------------------------------------------- report


def fmt(x, nd=1):
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"


def report(m: dict) -> str:
    h, h0, s, w, c, hr = m["hold"], m["hold_at_due"], m["stop"], m["warm"], m["cold"], m["hits"]
    rows = [
        ("count onset error abs(onset − due), p50 / p95 / max", f"{fmt(h['abs_p50'])} / "
         f"{fmt(h['abs_p95'])} / {fmt(h['abs_max'])} ms", "p95 ≤ 30 ms"),
        ("  same, around the grid (constant offset removed)", f"{fmt(h['grid_p50'])} / "
         f"{fmt(h['grid_p95'])} / {fmt(h['grid_max'])} ms", ""),
        ("  mean offset (onset later than due)", f"{fmt(h['mean'])} ms", ""),
        ("drift over the hold (slope of error vs time)", f"{fmt(h['drift_ms_per_min'], 2)} ms/min"
         f" (last 10 − first 10: {fmt(h['first_vs_last_10_ms'], 2)} ms)", "no drift"),
        ("counts missing from the recording", f"{h['missing']} of {h['n']}", "0"),
        ("counts said AT their due time (no lead): p50 / p95 / max",
         f"{fmt(h0['abs_p50'])} / {fmt(h0['abs_p95'])} / {fmt(h0['abs_max'])} ms", ""),
        ("stop → silence, median / max", f"{fmt(s['p50'])} / {fmt(s['max'])} ms (n={s['n']})",
         "≤ 50 ms"),
        ("`voicecoach workout --text` launched → first sound, warm cache",
         f"{fmt(m['cli']['median_s'], 3)} s", "≤ 1.5 s"),
        ("speaker created → first sound, warm cache", f"{fmt(w['median_s'], 3)} s", ""),
        ("speaker created → first sound, cold cache", f"{fmt(c['median_s'], 3)} s", ""),
        ("cache hit rate, first session (empty cache + pre-render)",
         f"{hr['first'] * 100:.0f} %", ""),
        ("cache hit rate, next session", f"{hr['next'] * 100:.0f} %", ""),
    ]
    table = ["| measure | result | target |", "|---|---|---|"]
    table += [f"| {a} | {b} | {t} |" for a, b, t in rows]
    return "\n".join([
        "## Speaker (voice out)",
        "",
        f"Machine: {m['machine']}. Date: {m['date']}. Output: PulseAudio null sink (private "
        "daemon), PyAudio → ALSA pulse plugin, 10 ms chunks; espeak-ng via pyttsx3.",
        "All figures come from the sink's monitor recorded with parec, not from the speaker's "
        "own timestamps.",
        "",
        *table,
        "",
        f"Hold: {h['n']} counts one second apart, each said {h['ahead_s']} s before it is due "
        f"(underruns: {h['underruns']}, dropped: {h['dropped']}). Onset = first recorded sample "
        f"above {THRESHOLD} (≈ −41 dBFS) after 150 ms of quiet, compared with due time + the "
        "rendering's own lead-in. The absolute error includes the recorder's timing "
        "uncertainty (a few ms: monitor chunk arrival times map the recording onto the clock); "
        "the grid figures do not.",
        f"Stops: all {s['all']} ms, each made while a word was sounding and would have "
        "gone on for 80 ms more (moments picked from the rendering).",
        f"First sound: workout launch {m['cli']['all']} s (includes Python start-up, imports "
        f"and planning); speaker warm {w['all']} s, cold {c['all']} s (cold = empty cache: "
        "the pyttsx3 worker process starts and renders the line).",
        f"Session lines: {hr['lines']} lines ({hr['unique']} different) from "
        f"{m['session_source']}; pre-render list {hr['prerender']} phrases.",
        "",
    ])


def write_section(text: str, path: Path) -> None:
    body = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in body and END in body:
        body = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, body,
                      flags=re.S)
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(body)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hold", type=int, default=60, help="seconds of counts (default 60)")
    ap.add_argument("--stops", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3, help="first-sound runs per cache state")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    try:
        with private_pulse(tmp / "pulse", noise_dbfs=None) as pe:
            cache = tmp / "cache"
            texts = prompt_texts()
            long_line = max(texts, key=len) if texts else " ".join(COUNTS[1:30])
            first_line = texts[0] if texts else "1"
            m = {"machine": machine(), "date": dt.date.today().isoformat()}
            print("hold (counts said 0.2 s ahead) ...", flush=True)
            m["hold"] = hold(pe, cache, args.hold, ahead=0.2)
            print("hold (counts said at their due time) ...", flush=True)
            m["hold_at_due"] = hold(pe, cache, min(args.hold, 20), ahead=0.0)
            print("stops ...", flush=True)
            m["stop"] = stops(pe, cache, args.stops, long_line)
            print("first sound ...", flush=True)
            warm_up = Renderer(cache_dir=cache)
            warm_up.render(first_line)
            warm_up.close()
            m["warm"] = first_sound(pe, cache, first_line, cold=False, runs=args.runs)
            m["cold"] = first_sound(pe, tmp / "cold", first_line, cold=True, runs=args.runs)
            print("first sound of `voicecoach workout` ...", flush=True)
            m["cli"] = cli_first_sound(pe, tmp, args.runs)
            print("cache hit rate ...", flush=True)
            lines, exercises, m["session_source"] = session_lines(tmp)
            m["hits"] = hit_rate(lines, prerender_list(exercises), tmp / "hits")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(m)
    print(text)
    if not args.no_write:
        write_section(text, Path(args.out))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
