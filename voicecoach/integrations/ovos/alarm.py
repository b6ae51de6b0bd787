"""One timer thread for many timers, on time.monotonic(): what the skill uses instead of the
assistant's event scheduler, which only looks every 0.5 s (a count could land 0.5 s late)."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable


class Alarm:
    """`at(t, fn)` runs `fn()` on the alarm thread at monotonic time `t` (at once if past)."""

    def __init__(self, name: str = "voicecoach-alarm"):
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def at(self, t: float, fn: Callable[[], None]) -> int:
        handle = next(self._ids)
        with self._cond:
            heapq.heappush(self._heap, (t, handle, fn))
            self._cond.notify()
        return handle

    def cancel(self, handle: int) -> None:
        with self._cond:
            self._cancelled.add(handle)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    while self._heap and self._heap[0][1] in self._cancelled:
                        self._cancelled.discard(heapq.heappop(self._heap)[1])
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        break
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._closed:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                fn()
            except Exception:  # noqa: BLE001 — one failing callback must not stop the clock
                logging.getLogger(__name__).exception("alarm callback failed")
