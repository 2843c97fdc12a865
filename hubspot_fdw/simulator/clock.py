"""The simulator's clock: wall time plus an adjustable offset, in epoch milliseconds.

Record timestamps (createdAt/updatedAt, history) come from here so tests can move
time forward through the admin API. Rate-limit windows use the monotonic clock
(see ratelimit.py) and are not affected by the offset.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class Clock:
    def __init__(self) -> None:
        self._offset_ms = 0
        self._last = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """Strictly increasing epoch ms (two writes never share a timestamp)."""
        with self._lock:
            now = int(time.time() * 1000) + self._offset_ms
            if now <= self._last:
                now = self._last + 1
            self._last = now
            return now

    def peek_ms(self) -> int:
        return max(int(time.time() * 1000) + self._offset_ms, self._last)

    def advance(self, ms: int) -> None:
        with self._lock:
            self._offset_ms += int(ms)

    @property
    def offset_ms(self) -> int:
        return self._offset_ms


def iso_ms(ms: int) -> str:
    """ISO-8601 UTC like Java Instant.toString(): millis only when non-zero."""
    secs, milli = divmod(int(ms), 1000)
    t = time.gmtime(secs)
    if milli:
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t[0], t[1], t[2], t[3], t[4], t[5], milli)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t[0], t[1], t[2], t[3], t[4], t[5])


def iso_date(ms: int) -> str:
    t = time.gmtime(int(ms) // 1000)
    return "%04d-%02d-%02d" % (t[0], t[1], t[2])


def parse_iso(text: str) -> int | None:
    """ISO-8601 datetime or date → epoch ms, None when unparseable."""
    t = text.strip()
    if not t:
        return None
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1000))
