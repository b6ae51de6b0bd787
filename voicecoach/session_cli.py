"""`voicecoach workout`: build today's plan, wire the adapters, run the loop."""

from __future__ import annotations

import contextlib
import signal
import sys
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from voicecoach.catalog import load_catalog
from voicecoach.clock import MonotonicClock
from voicecoach.dialogue import Context, Dialogue
from voicecoach.errors import UserError
from voicecoach.plan import Adaptation, Profile
from voicecoach.prompts import load_default
from voicecoach.session import MutedSpeaker, SessionLoop, print_line, read_keyboard


class SessionStore:
    """The loop's view of the history: one session, written as it goes."""

    def __init__(self, history, session_id: int):
        self.history = history
        self.session_id = session_id

    def record(self, kind: str, data: dict, t: float) -> None:
        self.history.record(self.session_id, kind, data, t)

    def end(self, finished: bool, minutes: float) -> None:
        self.history.end_session(self.session_id, finished, minutes)


def notice(text: str) -> None:
    """A one-line message for the person at the console (not spoken)."""
    print(f"voicecoach: {text}", file=sys.stderr, flush=True)


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


def _make_speaker_factory(args, settings, clock):
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
                prerender=load_default().prerender_lines() if hasattr(load_default(), "prerender_lines") else (),
            )
        except Exception as err:
            notice(f"speech output unavailable ({err}); lines are printed instead")
            return MutedSpeaker(scheduler, clock)

    return factory


def workout(args) -> int:
    from voicecoach import history as history_mod
    from voicecoach import profile as profile_mod
    from voicecoach.parser import parse
    from voicecoach.planner import plan_session

    catalog = load_catalog()
    prompts = load_default()
    settings = profile_mod.load()
    profile = _profile(args, settings)
    only = _only(args)

    history = history_mod.NullHistory() if args.no_history else history_mod.History.open()
    past = history.sessions()
    adaptation = Adaptation()
    notices: tuple[str, ...] = ()
    progress: tuple[str, ...] = ()
    try:
        from voicecoach import adaptation as adapt_mod
    except ImportError:
        adapt_mod = None
    if adapt_mod is not None and only is None:
        adaptation = adapt_mod.adapt(profile, past, date.today(), catalog)
        if args.minutes:  # asked for explicitly today: that wins over the weekly growth
            adaptation = replace(adaptation, minutes=args.minutes)
        notices = tuple(prompts.render(key, **dict(data)) for key, data in adaptation.notices)
    if adapt_mod is not None and hasattr(adapt_mod, "progress_summary"):
        progress = tuple(prompts.render(key, **dict(data))
                         for key, data in adapt_mod.progress_summary(past, date.today()))

    plan = plan_session(catalog, profile, adaptation, only=only)
    first = not past
    brief = bool(past) and (date.today() - past[0].day).days >= 7 if past else False
    ctx = Context(plan=plan, catalog=catalog, prompts=prompts, first_session=first,
                  brief_safety=brief, notices=notices, progress=progress, only=only is not None)
    dialogue = Dialogue(ctx)
    clock = MonotonicClock(args.time_scale)

    session_id = history.begin_session(datetime.now().astimezone(), [i.exercise_id for i in plan.items],
                                       profile, plan.minutes)
    store = SessionStore(history, session_id)
    transcript = open(args.transcript, "w", encoding="utf-8") if args.transcript else None
    listener = None
    loop = SessionLoop(
        dialogue, clock,
        speaker_factory=_make_speaker_factory(args, settings, clock),
        transcript_out=transcript, store=store, listener=None,
        echo=print_line(sys.stdout),
    )
    if args.text:
        read_keyboard(loop, sys.stdin, lambda text: parse(text, catalog))
    else:
        listener = _start_listener(args, loop, catalog)
        loop.listener = listener
        if listener is None:
            notice("no microphone: type commands instead (one per line)")
            read_keyboard(loop, sys.stdin, lambda text: parse(text, catalog))

    # SIGTERM (e.g. the machine shutting down) ends the session like Ctrl-C: everything is kept.
    def _term(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _term)
    try:
        outcome = loop.run()
    finally:
        if listener is not None:
            with contextlib.suppress(Exception):
                listener.close()
        if transcript is not None:
            transcript.close()
        history.close()
    if outcome.reason == "interrupted":
        notice("stopped; the session so far is saved")
        return 130
    return 0


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
