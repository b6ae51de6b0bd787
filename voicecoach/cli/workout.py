"""`voicecoach workout`: build today's plan, wire the adapters, run the loop."""

from __future__ import annotations

import contextlib
import signal
import sys
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from voicecoach.cli.options import open_output
from voicecoach.cli.voices import check_voice
from voicecoach.session.console import StatusLine, above_status, notice
from voicecoach.core.catalog import load_catalog
from voicecoach.session.clock import MonotonicClock
from voicecoach.core.dialogue import Context, Dialogue
from voicecoach.core.errors import UserError
from voicecoach.core.plan import Adaptation, Profile
from voicecoach.core.prompts import load_default
from voicecoach.session.loop import MutedSpeaker, SessionLoop, print_line, read_keyboard


ONLINE_ENGINES = ("google",)  # recognizers that send audio off the machine


class SessionStore:
    """The loop's view of the history: one session, planned when the workout is planned (after
    any first-run questions) and written event by event as it goes. Its row is written with
    the first event worth keeping, so a run that fails or is stopped before anything happened
    leaves no empty session behind."""

    def __init__(self, history):
        self.history = history
        self.session_id: int | None = None
        self._planned: tuple | None = None

    def begin(self, plan, profile) -> None:
        self._planned = (datetime.now().astimezone(), [i.exercise_id for i in plan.items],
                         profile, plan.minutes)

    def record(self, kind: str, data: dict, t: float) -> None:
        if self.session_id is None and self._planned is not None:
            self.session_id = self.history.begin_session(*self._planned)
        if self.session_id is not None:
            self.history.record(self.session_id, kind, data, t)

    def end(self, finished: bool, minutes: float) -> None:
        if self.session_id is not None:
            self.history.end_session(self.session_id, finished, minutes)




def _profile(args, settings) -> Profile:
    base = settings.profile if settings is not None else Profile()
    changes: dict[str, Any] = {}
    if args.cause:
        changes["cause"] = args.cause
    if getattr(args, "level", None):
        changes["level"] = args.level
    if args.minutes:
        changes["minutes"] = args.minutes
    return replace(base, **changes)


def _only(args) -> list[str] | None:
    if not args.only:
        return None
    return [part.strip() for part in args.only.split(",") if part.strip()]


def _make_speaker_factory(args, settings, clock, prerender=()):
    """Real speech unless muted; with no usable output, a notice and printed lines."""
    if args.mute:
        return lambda scheduler: MutedSpeaker(scheduler, clock)
    try:
        from voicecoach.audio.speaker import AudioSpeaker
    except Exception as err:  # speech output missing entirely: go on in text
        notice(f"speech output unavailable ({err}); lines are printed instead")
        return lambda scheduler: MutedSpeaker(scheduler, clock)

    def factory(scheduler):
        try:
            return AudioSpeaker(
                scheduler.post, clock,
                voice=args.voice or (settings.voice if settings else None),
                rate=args.rate or (settings.rate if settings else None),
                volume=args.volume if args.volume is not None else (
                    settings.volume if settings and settings.volume is not None else 1.0),
                counts=args.counts or (settings.counts if settings else "voice"),
                prerender=prerender,
            )
        except Exception as err:
            notice(f"speech output unavailable ({err}); lines are printed instead")
            return MutedSpeaker(scheduler, clock)

    return factory


def _check_engine(name: str) -> str:
    """The recognizer named on the command line, checked before anything runs (with --text
    too, where it is not used: a typo is a typo). The names are the recognizer factory's."""
    from voicecoach.audio.recognizer import ENGINES

    engine = name.strip().lower()
    if engine not in ENGINES:
        raise UserError(f"--engine must be one of: {', '.join(ENGINES)} (got {name!r})")
    return engine


def _status_feed(args, catalog, prompts):
    """The status line, in audio mode on a terminal unless --quiet. Not with --text: every
    line is printed there and typing shares the terminal line the status would redraw."""
    if args.text or getattr(args, "quiet", False) or not sys.stdout.isatty():
        return None
    from voicecoach.session.status import StatusFeed

    return StatusFeed(catalog, prompts, StatusLine(sys.stdout))


def workout(args) -> int:
    from voicecoach.store import history as history_mod
    from voicecoach.store import profile as profile_mod
    from voicecoach.understanding.parser import parse

    # Everything a person typed is checked before anything is saved, said or written.
    args.engine = _check_engine(args.engine)
    if args.voice:
        check_voice(args.voice)
    catalog = load_catalog()
    prompts = load_default()
    settings = profile_mod.load()
    only = _only(args)
    history = history_mod.NullHistory() if args.no_history else history_mod.History.open()
    store = SessionStore(history)
    dialogue = plan_today(args, catalog, prompts, history, store, settings, only)

    clock = MonotonicClock(args.time_scale)
    transcript = open_output(args.transcript, "--transcript")
    loop = SessionLoop(
        dialogue, clock,
        speaker_factory=_make_speaker_factory(args, settings, clock, _prerender(dialogue, prompts)),
        transcript_out=transcript, store=store, echo=above_status(print_line(sys.stdout)),
    )
    loop.on_state = status = _status_feed(args, catalog, prompts)
    listener = None
    keyboard: list = []

    def use_keyboard() -> None:
        if not keyboard:
            if status is not None and sys.stdin.isatty():  # it would redraw over what is typed
                loop.on_state = None
                status.close()
            keyboard.append(read_keyboard(
                loop, sys.stdin, lambda text, context: parse(text, catalog, context=context)))

    if args.text:
        use_keyboard()
    else:
        try:
            listener = _start_listener(args, loop, catalog)
        except BaseException:
            loop.speaker.close()  # its audio thread must not outlive (or swallow) the message
            raise
        loop.listener = listener
        if listener is None:
            notice("no microphone: type commands instead (one per line)")
            use_keyboard()
        else:
            # Lost mid-session: the coach says so, and typed commands work from then on.
            loop.on_device = lambda ev: use_keyboard() if ev.device == "microphone" and not ev.ok else None

    # SIGTERM (e.g. the machine shutting down) ends the session like Ctrl-C: everything is kept.
    def _term(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _term)
    try:
        outcome = loop.run()
    finally:
        if status is not None:
            status.close()
        if listener is not None:
            with contextlib.suppress(Exception):
                listener.stop()
        if transcript is not None:
            transcript.close()
        history.close()
    if outcome.reason == "interrupted":
        notice("stopped; the session so far is saved")
        return 130
    return 0


def plan_today(args, catalog, prompts, history, store: SessionStore, settings, only) -> Dialogue:
    """Today's dialogue: the first-run questions first when there is no profile yet (`settings`
    None), else the workout planned from the profile and `args` (cause, level, minutes) and
    `only`. Also used by the assistant skills (integrations/)."""
    from voicecoach.store import profile as profile_mod

    today = date.today()

    def build(profile: Profile, current, greeted: bool = False) -> Dialogue:
        """Today's plan and the workout dialogue for it (history session begun here)."""
        dialogue = build_workout(args, catalog, prompts, profile, current, history.sessions(),
                                 only, today, greeted=greeted,
                                 history_kept=not getattr(args, "no_history", False))
        store.begin(dialogue.ctx.plan, profile)
        if not current.disclaimer_heard:  # the workout's welcome says it now: once is enough
            profile_mod.save(replace(current, disclaimer_heard=True))
        return dialogue

    if settings is None and only is None and not args.cause:
        return _first_run(args, prompts, build, profile_mod)
    current = settings or profile_mod.Settings(created=today)
    if settings is None:  # saved by build() once the plan is made (e.g. --only checked)
        current = replace(current, cause=args.cause or current.cause)
    return build(_profile(args, current), current)


RECENT_DAYS = 14  # an exercise done within this many days gets the short instructions
BRIEF_SAFETY_AFTER = 2  # sessions practised before the safety statement is said in short


def build_workout(args, catalog, prompts, profile: Profile, settings, past, only, today, *,
                  greeted: bool = False, history_kept: bool = True) -> Dialogue:
    """Adapt to the history, plan, and make the workout dialogue."""
    from voicecoach.core import adaptation as adapt_mod
    from voicecoach.core.planner import plan_session

    adaptation = Adaptation()
    if only is None:
        adaptation = adapt_mod.adapt(profile, past, today, catalog)
        if args.minutes:  # asked for explicitly today: that wins over the weekly growth
            adaptation = replace(adaptation, minutes=args.minutes)
    plan = plan_session(catalog, profile, adaptation, only=only)
    said = adapt_mod.notices_for_plan(adaptation, [i.exercise_id for i in plan.items])
    # A red flag last time is checked before anything else; the other notices follow the
    # safety statement.
    checks = tuple(prompts.render(k, **dict(d)) for k, d in said if adapt_mod.is_check(k))
    notices = tuple(prompts.render(k, **dict(d)) for k, d in said if not adapt_mod.is_check(k))
    progress = tuple(prompts.render(key, **dict(data))
                     for key, data in adapt_mod.progress_summary(past, today)) if past else ()
    first_day = min((s.day for s in past), default=today)
    practised = [s for s in past if s.practised]
    recent = frozenset(e for s in practised if (today - s.day).days <= RECENT_DAYS
                       for e in s.exercises)
    ctx = Context(plan=plan, catalog=catalog, prompts=prompts,
                  first_session=not settings.disclaimer_heard,
                  brief_safety=len(practised) >= BRIEF_SAFETY_AFTER or (today - first_day).days >= 7,
                  notices=notices, progress=progress, only=only is not None,
                  online=not args.text and args.online and args.engine in ONLINE_ENGINES,
                  greeted=greeted, sessions_before=len(past), recent=recent, checks=checks,
                  history_kept=history_kept)
    return Dialogue(ctx)


def _first_run(args, prompts, build, profile_mod):
    """The first-run questions, then the workout planned from the answers."""
    from voicecoach.core.firstrun import FirstRun
    from voicecoach.core.onboarding import Onboarding, OnboardingContext, settings_after

    today = date.today()
    ob = Onboarding(OnboardingContext(prompts, minutes=args.minutes or 15))

    def after(state):
        settings = settings_after(state, None, today)
        profile_mod.save(settings)
        profile = _profile(args, settings)
        return build(profile, settings, greeted=True)

    return FirstRun(ob, after, on_stopped=lambda s: profile_mod.save(settings_after(s, None, today)))


def _prerender(dialogue, prompts) -> list[str]:
    from voicecoach.core.dialogue import counting_lines

    return dialogue.prerender() if hasattr(dialogue, "prerender") else counting_lines(prompts)


def _start_listener(args, loop, catalog):
    """The microphone listener, or None (with a notice) when there is no microphone."""
    try:
        from voicecoach.audio.listener import start_listener
    except ImportError as err:
        notice(f"voice input unavailable ({err})")
        return None
    try:
        return start_listener(loop, catalog=catalog, engine=args.engine, model=args.engine_model,
                              online=args.online, speaker=loop.speaker)
    except UserError:
        raise
    except Exception as err:
        notice(f"microphone unavailable ({err})")
        return None
