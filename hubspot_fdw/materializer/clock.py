"""The sync's clock: wall time for timestamps, monotonic time for intervals, and a
sleep that a stop event interrupts. One process-wide instance (``CLOCK``); a benchmark
may install a virtual clock whose sleep moves time forward instantly.

Deliberately not here: what is due when (planner.py).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable


class SyncClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        if seconds > 0:
            stop.wait(seconds)


class VirtualClock(SyncClock):
    """Real time plus an offset that ``sleep`` advances at once (benchmarks); ``on_advance``
    is told how far (e.g. to move the simulator's record clock along)."""

    def __init__(self, on_advance=None) -> None:
        self.offset = 0.0
        self.on_advance = on_advance

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        if seconds <= 0 or stop.is_set():
            return
        self.offset += seconds
        if self.on_advance is not None:
            self.on_advance(seconds)


class InMilliseconds:
    """An ``on_advance`` that hands whole milliseconds to ``send`` and keeps the remainder,
    so a clock moved along in ms (the simulator's) never falls behind the virtual one."""

    def __init__(self, send: Callable[[int], object]) -> None:
        self.send = send
        self.total = 0.0
        self.sent = 0

    def __call__(self, seconds: float) -> None:
        self.total += seconds
        ms = int(self.total * 1000) - self.sent
        if ms > 0:
            self.send(ms)
            self.sent += ms


CLOCK: SyncClock = SyncClock()


def use(clock: SyncClock) -> SyncClock:
    """Install ``clock`` process-wide; returns the previous one."""
    global CLOCK
    previous, CLOCK = CLOCK, clock
    return previous
