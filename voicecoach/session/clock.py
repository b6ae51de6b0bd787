"""Session clocks: seconds since the session began, optionally running faster than real time."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Session seconds since start."""

    def real_seconds(self, session_seconds: float) -> float:
        """How many real seconds a span of session time takes."""


class MonotonicClock:
    """Wall clock (time.monotonic), scaled: with scale=60 one real second is a session minute."""

    def __init__(self, scale: float = 1.0):
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.scale

    def real_seconds(self, session_seconds: float) -> float:
        return max(0.0, session_seconds / self.scale)

    def to_monotonic(self, session_time: float) -> float:
        """The time.monotonic() value at which the session clock reads `session_time`."""
        return self._t0 + session_time / self.scale


class FakeClock:
    """A clock that only moves when told to: for tests and whole-session simulations."""

    def __init__(self, start: float = 0.0):
        self.t = start
        self.scale = float("inf")

    def now(self) -> float:
        return self.t

    def advance_to(self, t: float) -> None:
        if t > self.t:
            self.t = t

    def real_seconds(self, session_seconds: float) -> float:
        return 0.0
