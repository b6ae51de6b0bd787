"""The "how am I doing?" answer: the practice streak and the pain trend, as prompt keys and
their data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from voicecoach.core.adaptation.rules import Rules, load_rules
from voicecoach.core.adaptation.sessions import _ONE_DAY, _practice_days, _sessions_until


def streak(sessions: Iterable, today: date, rules: Rules | None = None) -> int:
    """Practice days in the current run: one rest day between them is fine (rules.yaml)."""
    rules = rules or load_rules()
    gap = rules("streak", "rest_days_allowed") + 1
    days = _practice_days(sessions, today + _ONE_DAY)
    if not days or (today - days[-1]).days > gap:
        return 0
    count = 1
    for prev, cur in zip(reversed(days[:-1]), reversed(days[1:])):
        if (cur - prev).days > gap:
            break
        count += 1
    return count


def _fmt(a: float, b: float) -> tuple[str, str]:
    """Whole numbers when they differ, else one decimal (avoid "from about 4 to about 4")."""
    if round(a) != round(b) or a == b:
        return str(round(a)), str(round(b))
    return f"{a:.1f}", f"{b:.1f}"


def pain_trend(sessions: Iterable, today: date, rules: Rules | None = None) -> tuple[str, dict]:
    """(prompt key, data) for the pain trend: "down", "up", "steady" or "unknown".

    The ratings given at the beginning of sessions in the last `window_days`: the first few
    against the last few (up to `sessions` each), so a month of progress still shows after
    the pain has settled at its new level."""
    rules = rules or load_rules()
    n = rules("pain_trend", "sessions")
    since = today - timedelta(days=rules("pain_trend", "window_days"))
    ratings = [s.pain_before for s in _sessions_until(sessions, today)
               if s.pain_before is not None and s.day > since]
    if len(ratings) < 2:
        return rules("pain_trend", "notice_unknown"), {"trend": "unknown"}
    k = min(n, len(ratings) // 2)
    earlier, recent = ratings[:k], ratings[-k:]
    before = sum(earlier) / len(earlier)
    now = sum(recent) / len(recent)
    change = now - before
    trend = "steady"
    if change <= -rules("pain_trend", "min_change"):
        trend = "down"
    elif change >= rules("pain_trend", "min_change"):
        trend = "up"
    b, a = _fmt(before, now) if trend != "steady" else (str(round(before)), str(round(now)))
    return rules("pain_trend", f"notice_{trend}"), {"trend": trend, "before": b, "now": a,
                                                   "change": round(change, 2)}


def progress_summary(sessions: Iterable, today: date, rules: Rules | None = None) -> list[tuple[str, dict]]:
    """The two sentences for "how am I doing?": the streak, then the pain trend."""
    rules = rules or load_rules()
    past = _sessions_until(sessions, today)
    total = sum(1 for s in past if s.practised)
    n = streak(past, today, rules)
    if total == 0:
        key = "notice_first"
    else:
        key = {0: "notice_none", 1: "notice_one"}.get(n, "notice_many")
    return [(rules("streak", key), {"streak": n, "total": total}), pain_trend(past, today, rules)]
