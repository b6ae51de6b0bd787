"""`voicecoach history [--json] [--plot FILE.png]`: past sessions, the streak, the pain trend.

--json prints one object: {"sessions": [...], "streak": N}, each session with `started` (ISO
time), `minutes` (the workout's own), `finished`, `exercises` (ids done, each once), `done`
(what was done of each: exercise, variant, sets, sides, hold_seconds or reps, times),
`pain_before`, `pain_after`, `pain_reports` ([{exercise, t}]), `red_flags` ([{urgent, text,
exercise, t}]), plus `id`, `variants` and `minutes_planned`.
--plot draws pain before/after and minutes per day (matplotlib, no display needed).
Reading never creates the history file.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from voicecoach.store import paths
from voicecoach.core.errors import UserError


def _sessions(path: Path) -> list:
    if not path.exists():
        return []
    from voicecoach.store.history import History

    with History.open(path) as h:
        return h.sessions()


def session_json(s) -> dict[str, Any]:
    return {
        "id": s.id,
        "started": s.started.isoformat(timespec="seconds"),
        "minutes": round(s.minutes, 1),
        "minutes_planned": s.minutes_planned,
        "finished": s.finished,
        "exercises": list(s.exercises),
        "variants": dict(s.variants),
        "pain_before": s.pain_before,
        "pain_after": s.pain_after,
        "pain_reports": [{"exercise": p.exercise, "t": round(p.t, 1)} for p in s.pain_reports],
        "done": [dict(d) for d in s.done],
        "red_flags": [{"urgent": f.urgent, "text": f.text, "exercise": f.exercise,
                       "t": round(f.t, 1)} for f in s.red_flags],
    }


def history_json(sessions: Sequence, today: date) -> dict[str, Any]:
    from voicecoach.core.adaptation import streak

    return {"sessions": [session_json(s) for s in sessions], "streak": streak(sessions, today)}


def _pain(v: int | None) -> str:
    return "-" if v is None else str(v)


def _text(sessions: Sequence, today: date, path: Path) -> str:
    from voicecoach.core.adaptation import pain_trend, streak

    if not sessions:
        return f"No sessions yet ({path})."
    lines = [f"{'started':<17} {'min':>5}  {'done':<10} {'pain':<7} exercises"]
    for s in sessions:
        status = "finished" if s.finished else ("stopped" if s.ended else "unfinished")
        pain = f"{_pain(s.pain_before)}->{_pain(s.pain_after)}"
        hurt = f", hurt: {', '.join(p.exercise or '?' for p in s.pain_reports)}" if s.pain_reports else ""
        flag = ", RED FLAG" if s.red_flags else ""
        lines.append(f"{s.started.strftime('%Y-%m-%d %H:%M'):<17} {s.minutes:5.1f}  "
                     f"{status:<10} {pain:<7} {len(s.exercises)}{hurt}{flag}")
    n = streak(sessions, today)
    _key, trend = pain_trend(sessions, today)
    trend_text = {
        "down": f"pain before sessions down from about {trend.get('before')} to {trend.get('now')}",
        "up": f"pain before sessions up from about {trend.get('before')} to {trend.get('now')}",
        "steady": f"pain before sessions steady at about {trend.get('now')}",
        "unknown": "pain trend: not enough ratings yet",
    }[trend["trend"]]
    lines.append(f"streak: {n} practice day{'s' if n != 1 else ''}; {trend_text}")
    return "\n".join(lines)


def per_day(sessions: Sequence) -> "OrderedDict[date, dict]":
    """Day -> pain before (first rating of the day), pain after (last), minutes (sum) and the
    minutes of sessions that did not finish (stopped early or killed)."""
    days: OrderedDict[date, dict] = OrderedDict()
    for s in sorted(sessions, key=lambda s: (s.day, s.id)):
        d = days.setdefault(s.day, {"before": None, "after": None, "minutes": 0.0,
                                    "unfinished": 0.0, "pain_reports": 0})
        if d["before"] is None and s.pain_before is not None:
            d["before"] = s.pain_before
        if s.pain_after is not None:
            d["after"] = s.pain_after
        d["minutes"] += s.minutes
        if not s.finished:
            d["unfinished"] += s.minutes
        d["pain_reports"] += len(s.pain_reports)
    return days


def _with_gaps(points: list, max_gap_days: int = 2) -> list:
    """Break the line across a longer break (a NaN point), so it does not suggest ratings
    that were never given."""
    out: list = []
    for d, v in points:
        if out and (d - out[-1][0]).days > max_gap_days:
            out.append((out[-1][0] + (d - out[-1][0]) / 2, float("nan")))
        out.append((d, v))
    return out


def plot(sessions: Sequence, out: str | os.PathLike) -> Path:
    """Pain before/after (top) and minutes per day (bottom), dates along the bottom."""
    if not sessions:
        raise UserError("nothing to plot: no sessions yet")
    out = Path(out)
    if not out.parent.is_dir():
        raise UserError(f"{out}: folder {out.parent} does not exist")
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, works over ssh and in CI
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    days = per_day(sessions)
    x = list(days)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 6.5),
                                      gridspec_kw={"height_ratios": [3, 2]})
    try:
        for key, label, color, marker in (("before", "pain before", "tab:red", "o"),
                                          ("after", "pain after", "tab:blue", "s")):
            pts = _with_gaps([(d, v[key]) for d, v in days.items() if v[key] is not None])
            if pts:
                top.plot([p[0] for p in pts], [p[1] for p in pts], marker=marker, color=color,
                         label=label, linewidth=1.5)
        # Days on which an exercise hurt: a cross at that day's rating (after, else before).
        hurt = [(d, next((r for r in (v["after"], v["before"]) if r is not None), 0))
                for d, v in days.items() if v["pain_reports"]]
        if hurt:
            top.scatter([h[0] for h in hurt], [h[1] for h in hurt], marker="x", s=90,
                        color="black", zorder=3, label="an exercise hurt")
        top.set_ylim(-0.3, 10.3)
        top.set_yticks(range(0, 11, 2))
        top.set_ylabel("pain (0 = none, 10 = worst)")
        top.grid(True, alpha=0.3)
        top.legend(loc="upper right")
        top.set_title("voicecoach: pain and practice per day")
        done = [v["minutes"] - v["unfinished"] for v in days.values()]
        bottom.bar(x, done, width=0.7, color="tab:green", label="minutes, finished sessions")
        if any(v["unfinished"] for v in days.values()):
            bottom.bar(x, [v["unfinished"] for v in days.values()], bottom=done, width=0.7,
                       color="tab:orange", label="minutes, unfinished sessions")
        bottom.set_ylabel("minutes")
        bottom.set_xlabel("date")
        bottom.grid(True, axis="y", alpha=0.3)
        # Headroom above the tallest bar so the legend never hides one.
        bottom.set_ylim(0, max(v["minutes"] for v in days.values()) * 1.4 + 1)
        bottom.legend(loc="upper left", ncol=2)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if len(x) == 1:  # a single day would get a zero-width axis
            from datetime import timedelta

            bottom.set_xlim(x[0] - timedelta(days=1), x[0] + timedelta(days=1))
        fig.tight_layout()
        try:
            fig.savefig(out, dpi=110)
        except OSError as err:
            raise UserError(f"{out}: cannot write the plot ({err.strerror})") from None
    finally:
        plt.close(fig)
    return out


def cli_history(args) -> int:
    path = paths.history_path()
    sessions = _sessions(path)
    today = date.today()
    if getattr(args, "plot", None):
        out = plot(sessions, args.plot)
        if not args.json:
            print(f"Wrote {out} ({len(per_day(sessions))} days).")
    if args.json:
        print(json.dumps(history_json(sessions, today)))
    elif not getattr(args, "plot", None):
        print(_text(sessions, today, path))
    return 0
