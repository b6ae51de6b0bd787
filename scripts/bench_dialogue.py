"""What a person hears, old dialogue (git `main`) and new side by side; writes BENCHMARKS.md's
dialogue section.

Both dialogues run in the real session loop on a fake clock. Lines take the time espeak-ng
really needs to say them (rendered once through the coach's own renderer, trimmed like the
speaker trims them, plus the speaker's 0.3 s gap; `--estimate` uses the word-count estimate
instead), counts at most 0.6 s. A scripted person acts on what has been *heard*: "start" one
second into the welcome (the impatient case), each answer two seconds after its question has
finished playing. Measured, per scenario:

- words and seconds of speech before the first count of the first exercise (first run with
  the questions, second session, a later session with the exercises done lately);
- lines handed to the speaker but cut or never played, in a session with replies during the
  counts (how long is left, louder, help, faster, how am I doing);
- answering time after an unanswered question has finished playing (nobody answers);
- how a 35 s hold and a set of reps are counted; count lines per 15-minute session;
- "repeat" in round 2 and "do the child's pose" during exercise 3: exercises redone;
- the workout's length for a 15-minute plan.

    .venv/bin/python scripts/bench_dialogue.py            # ~1 minute (renders ~400 lines)
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import types
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.core import timing  # noqa: E402
from voicecoach.core.catalog import load_catalog  # noqa: E402
from voicecoach.core.dialogue import Context, Dialogue, default_item  # noqa: E402
from voicecoach.core.events import Began, Heard, SpeechDone, SpeechStarted  # noqa: E402
from voicecoach.core.intents import Intent  # noqa: E402
from voicecoach.core.plan import Plan, Profile  # noqa: E402
from voicecoach.core.planner import plan_session  # noqa: E402
from voicecoach.core.prompts import Prompts  # noqa: E402
from voicecoach.session.clock import FakeClock  # noqa: E402
from voicecoach.session.loop import MutedSpeaker, SessionLoop  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speaker import machine  # noqa: E402  (one description of the machine)

BEGIN, END = "<!-- dialogue:begin -->", "<!-- dialogue:end -->"
CATALOG = load_catalog()
ANSWER_AFTER = 2.0  # a person answers this long after a question has finished playing


# ---------------------------------------------------------------------- the two dialogues


def old_rev() -> str:
    """The tree before this work: the parent of the commit that split the dialogue."""
    split = subprocess.run(["git", "log", "-1", "--format=%H", "--grep=^Dialogue split:", "HEAD"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return f"{split}^"


def old_modules(tmp: Path, rev: str):
    """The old dialogue, onboarding and first-run modules, and the old prompts folder."""
    def load(name: str, path: str, replace_imports: dict[str, str]):
        src = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        for a, b in replace_imports.items():
            src = src.replace(a, b)
        mod = types.ModuleType(name)
        mod.__file__ = str(tmp / f"{name}.py")
        sys.modules[name] = mod
        exec(compile(src, mod.__file__, "exec"), mod.__dict__)
        return mod

    prompts = tmp / "prompts"
    prompts.mkdir()
    names = subprocess.run(["git", "ls-tree", "--name-only", rev, "prompts/"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        (prompts / Path(name).name).write_text(subprocess.run(
            ["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True, text=True,
            check=True).stdout)
    dialogue = load("old_dialogue", "voicecoach/core/dialogue.py", {})
    onboarding = load("old_onboarding", "voicecoach/core/onboarding.py", {})
    firstrun = load("old_firstrun", "voicecoach/core/firstrun.py", {
        "voicecoach.core.dialogue": "old_dialogue", "voicecoach.core.onboarding": "old_onboarding"})
    return types.SimpleNamespace(Dialogue=dialogue.Dialogue, Context=dialogue.Context,
                                 Onboarding=onboarding.Onboarding,
                                 OnboardingContext=onboarding.OnboardingContext,
                                 FirstRun=firstrun.FirstRun, prompts=Prompts.load(prompts))


def new_modules():
    from voicecoach.core.firstrun import FirstRun
    from voicecoach.core.onboarding import Onboarding, OnboardingContext

    return types.SimpleNamespace(Dialogue=Dialogue, Context=Context, Onboarding=Onboarding,
                                 OnboardingContext=OnboardingContext, FirstRun=FirstRun,
                                 prompts=Prompts.load())


# ---------------------------------------------------------------------- speaking and hearing


class Durations:
    """Seconds each line takes aloud: espeak-ng's rendering, or the word-count estimate."""

    def __init__(self, estimate: bool, cache: Path):
        self.estimate = estimate
        self.memo: dict[str, float] = {}
        self.renderer = None
        if not estimate:
            from voicecoach.audio.render import Renderer

            self.renderer = Renderer(cache_dir=cache)

    def __call__(self, text: str) -> float:
        if text not in self.memo:
            if self.renderer is None:
                self.memo[text] = timing.speech_seconds(text)
            else:
                self.memo[text] = self.renderer.render(text).seconds + timing.LINE_GAP
        return self.memo[text]

    def close(self):
        if self.renderer is not None:
            self.renderer.close()


class AudioPolicySpeaker(MutedSpeaker):
    """The muted speaker with the real speaker's rule for counts (audio/speaker.py): a count
    cuts whatever still sounds at its due time, and a line not yet begun by then never
    sounds. (The muted speaker alone would let the line finish.)"""

    def say(self, utt):
        if utt.kind == "count" and utt.due is not None:
            for i, (uid, start, end, h1, h2) in enumerate(self._pending):
                if end > utt.due:
                    if start >= utt.due:
                        self.scheduler.cancel(h1)
                    self.scheduler.cancel(h2)
                    self.scheduler.post_at(SpeechDone(uid, cut=True), max(utt.due, start))
                    self._pending[i] = (uid, start, utt.due, h1, h2)
            self._busy_until = min(self._busy_until, utt.due)
        super().say(utt)


class Person:
    """Says "start" early, answers each question after hearing it, and at set moments after
    the first "Go." says the given commands."""

    def __init__(self, answers: list[Intent], during: list[tuple[float, Intent]] = (),
                 start_at: float | None = 1.0, nav: list[tuple[str, Intent]] = ()):
        self.answers = list(answers)
        self.during = list(during)
        self.start_at = start_at
        self.nav = list(nav)  # (transcript text prefix that triggers it, intent)


def run(mods, dialogue, durations: Durations, person: Person, limit: float = 4000.0):
    clock = FakeClock()
    questions: set[int] = set()
    lines: dict[int, str] = {}
    loop = SessionLoop(dialogue, clock,
                       speaker_factory=lambda s: AudioPolicySpeaker(s, clock, durations))
    if person.start_at is not None:
        loop.post_at(Heard(Intent("start", {}, "start")), person.start_at)
    loop.handle(Began())
    go_seen = False
    while loop.ended is None and clock.now() < limit:
        event = loop.next_event()
        if event is None:
            break
        loop.handle(event)
        for said in list(loop.transcript.said.values()):
            utt = said[0]
            lines[utt.id] = utt.text
            if utt.kind == "question":
                questions.add(utt.id)
        if isinstance(event, SpeechStarted):
            text = lines.get(event.utterance_id, "")
            if text == mods.prompts.render("go") and not go_seen:
                go_seen = True
                for after, intent in person.during:
                    loop.post_at(Heard(intent), clock.now() + after)
            for prefix, intent in list(person.nav):
                if text.startswith(prefix):
                    person.nav.remove((prefix, intent))
                    loop.post_at(Heard(intent), clock.now() + 3.0)
        if isinstance(event, SpeechDone) and event.utterance_id in questions and not event.cut:
            questions.discard(event.utterance_id)
            if person.answers:
                loop.post_at(Heard(person.answers.pop(0)), clock.now() + ANSWER_AFTER)
    loop._drain()
    loop.transcript.flush_pending()
    return loop


# ---------------------------------------------------------------------- measures


def before_first_count(transcript: list[dict], durations: Durations) -> tuple[int, float]:
    """(words, seconds of speech) before the first count of the first exercise."""
    words = seconds = 0.0
    seen_exercise = False
    for line in transcript:
        if line["kind"] == "count" and seen_exercise:
            break
        if line["exercise"]:
            seen_exercise = True
        if line["kind"] != "count" and line["played"] is not None:
            words += len(line["text"].split())
            seconds += durations(line["text"])
    return int(words), seconds


def lost(transcript: list[dict]) -> list[str]:
    return [l["text"] for l in transcript if l["played"] is None or l["cut"]]


def first_run(mods, durations, plan: Plan, person: Person):
    ob = mods.Onboarding(mods.OnboardingContext(mods.prompts))

    def after(state):
        return mods.Dialogue(mods.Context(plan=plan, catalog=CATALOG, prompts=mods.prompts,
                                          first_session=False, **(
                                              {"greeted": True} if mods.Dialogue is Dialogue else {})))

    return run(mods, mods.FirstRun(ob, after), durations, person)


def later(mods, durations, plan: Plan, person: Person, n_before: int, recent: bool):
    extra = {}
    if mods.Dialogue is Dialogue:
        extra = {"sessions_before": n_before,
                 "recent": frozenset(i.exercise_id for i in plan.items) if recent else frozenset()}
    ctx = mods.Context(plan=plan, catalog=CATALOG, prompts=mods.prompts, first_session=False,
                       brief_safety=n_before >= 2, **extra)
    return run(mods, mods.Dialogue(ctx), durations, person)


def hold_lines(transcript: list[dict], seconds: int) -> str:
    """The lines of the first hold of `seconds`, with their times from "Go."."""
    go = next(i for i, l in enumerate(transcript) if l["kind"] == "count" and l["text"] == "Go.")
    t0 = transcript[go]["played"]
    out = []
    for line in transcript[go:]:
        if line["kind"] != "count":
            continue
        out.append(f"{line['played'] - t0:.0f} s \"{line['text']}\"")
        if line["text"].startswith("and relax"):
            break
    return ", ".join(out)


def n(x):
    return f"{x:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--estimate", action="store_true", help="word-count durations, no espeak")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        durations = Durations(args.estimate, tmp / "cache")
        rev = old_rev()
        both = {"old": old_modules(tmp, rev), "new": new_modules()}
        plan = plan_session(CATALOG, Profile(minutes=15))
        num = lambda v: Intent("number", {"value": v}, str(v))  # noqa: E731
        rows: dict[str, dict[str, str]] = {}
        notes: dict[str, str] = {}
        for name, mods in both.items():
            r = rows.setdefault(name, {})
            # First run, "start" one second into the questions' welcome.
            fr = first_run(mods, durations, plan, Person([num(3), num(2)]))
            w, s = before_first_count(fr.transcript.lines, durations)
            r["first run: words / seconds before the first count"] = f"{w} / {n(s)} s"
            r["first run: lines cut or never played"] = str(len(lost(fr.transcript.lines)))
            # Second session and a later one (exercises done lately, short safety statement).
            for label, k, recent in (("second session", 1, False), ("later session", 6, True)):
                lt = later(mods, durations, plan, Person([num(3), num(2)]), k, recent)
                w, s = before_first_count(lt.transcript.lines, durations)
                r[f"{label}: words / seconds before the first count"] = f"{w} / {n(s)} s"
            # Replies during the counts.
            said = [(4.0, Intent("time_left")), (12.0, Intent("louder")), (16.0, Intent("help")),
                    (40.0, Intent("faster")), (60.0, Intent("progress"))]
            rp = later(mods, durations, plan, Person([num(3), num(2)], said), 3, False)
            gone = lost(rp.transcript.lines)
            r["replies during counts: lines cut or never played"] = str(len(gone))
            replies = [l for l in rp.transcript.lines if l["text"].startswith(
                ("About", "Louder", "You can say", "Okay, faster", "Okay. That speeds",
                 "This is your first"))]
            r["... of them replies to the person"] = str(sum(l["played"] is None or l["cut"]
                                                             for l in replies))
            # Nobody answers: answering time after each question has been heard.
            quiet = later(mods, durations, plan, Person([]), 3, False).transcript.lines
            gaps = []
            for i, line in enumerate(quiet[:-1]):
                if line["kind"] == "question" and line["played"] is not None:
                    end = line["played"] + durations(line["text"]) - timing.LINE_GAP
                    gaps.append(quiet[i + 1]["played"] - end)
            r["nobody answers: least time after a question ended"] = f"{min(gaps):.1f} s"
            # The whole session: counts, minutes.
            whole = later(mods, durations, plan, Person([num(3), num(2)]), 3, False)
            counts = [l for l in whole.transcript.lines if l["kind"] == "count"]
            r["count lines in the 15-minute session"] = str(len(counts))
            r["words in the whole session"] = str(sum(len(l["text"].split())
                                                      for l in whole.transcript.lines))
            minutes = (whole.ended.minutes if getattr(whole.ended, "minutes", None) is not None
                       else whole.clock.now() / 60)
            r["workout minutes, 15-minute plan"] = f"{minutes:.1f}"
            hold = Plan((replace(default_item(CATALOG.get("plank")), hold_seconds=35),), 5)
            hl = later(mods, durations, hold, Person([num(3)]), 3, False)
            notes[f"{name} 35 s hold"] = hold_lines(hl.transcript.lines, 35)
            reps = Plan((replace(default_item(CATALOG.get("bridge")), reps=3, sets=1),), 5)
            rl = later(mods, durations, reps, Person([num(3)]), 3, False).transcript.lines
            go = next(i for i, l in enumerate(rl) if l["kind"] == "count" and
                      l["text"] in ("one", "Go."))
            notes[f"{name} 3 bridge reps"] = ", ".join(
                f"\"{l['text']}\"" for l in rl[go + 1:] if l["kind"] == "count")
            # Navigation: "repeat" in round 2 of exercise 1, "do the child's pose" in exercise 3.
            nav = Person([num(3), num(2)], nav=[
                ("Round 2 of" if name == "new" else "Rest for 10 seconds. Then round 2",
                 Intent("repeat")),
                ("Exercise 3 of", Intent("goto", {"exercise": "childs-pose"}, "do the child's pose"))])
            nv = later(mods, durations, plan, nav, 3, False).transcript.lines
            intros = [l["exercise"] for l in nv if l["text"].startswith(("Exercise", "Last exercise"))]
            r["navigation: exercise intros / plan"] = f"{len(intros)} / {len(plan.items)}"
            r["navigation: 'Exercise 1 of' said again"] = str(
                sum(l["text"].startswith("Exercise 1 of") for l in nv) - 1)
        durations.close()
    table = ["| | old | new |", "|---|---|---|"]
    for key in rows["new"]:
        table.append(f"| {key} | {rows['old'].get(key, '-')} | {rows['new'][key]} |")
    how = "espeak-ng renderings" if not args.estimate else "word-count estimates"
    text = "\n".join([
        BEGIN, "## Dialogue (what a person hears)", "",
        f"`scripts/bench_dialogue.py`, {dt.date.today().isoformat()}, {machine()}. Both dialogues "
        f"in the real loop on a fake clock; lines as long as {how} (+0.3 s gap), counts cutting "
        "what still sounds at their due time as the audio speaker does. A scripted "
        "person says \"start\" 1 s into the welcome and answers 2 s after each question has "
        f"been heard. Old: the dialogue before this work (`{subprocess.run(['git', 'rev-parse', '--short', rev], cwd=ROOT, capture_output=True, text=True).stdout.strip()}`, "
        "the parent of \"Dialogue split\").", "",
        *table, "",
        *[f"- {k}: {v}" for k, v in notes.items()], "",
        "Cut lines in the old dialogue: replies and questions queued behind speech were dropped "
        "or cut by the counts, and \"start\" cut the welcome. The new one cuts only when the "
        "person changes course (stop, pause, next, pain).", END])
    print(text)
    if not args.no_write:
        path = ROOT / "BENCHMARKS.md"
        doc = path.read_text()
        if BEGIN in doc:
            doc = doc[:doc.index(BEGIN)] + text + doc[doc.index(END) + len(END):]
        else:
            doc = doc.rstrip() + "\n\n" + text + "\n"
        path.write_text(doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
