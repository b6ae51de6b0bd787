"""Reading the history: the sessions up to a day, oldest first, and the days practised."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

_ONE_DAY = timedelta(days=1)


def _sessions_until(sessions: Iterable, today: date) -> list:
    return sorted((s for s in sessions if s.day <= today),
                  key=lambda s: (s.started.replace(tzinfo=None), s.id))


def _practice_days(sessions: Iterable, before: date) -> list[date]:
    return sorted({s.day for s in sessions if s.practised and s.day < before})
