"""HubSpot rate limits (hubspot-api.md §8): the rolling 10-second burst budget, the
per-second share of it HubSpot advertises (``Secondly``, a tenth of the burst) and
enforces, the daily budget, and the per-second search budget, with the
X-HubSpot-RateLimit-* headers (none on search; no Daily ones when ``daily_headers`` is
off, as for an OAuth app's calls) and the 429 bodies. `time_scale` multiplies the burst and
search windows. The daily budget resets, as HubSpot's does, at midnight in the
portal's time zone, on the portal's clock (``day``: the date now there; the admin API
moves that clock forward).

Uses the monotonic clock for windows; does not decide which routes count as search (server.py).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import date
from typing import Callable

from hubspot_fdw.simulator import errors


class RateLimiter:
    def __init__(self, burst_max: int, daily_max: int, search_per_second: int,
                 time_scale: float = 1.0, enabled: bool = True,
                 day: Callable[[], date] | None = None, daily_headers: bool = True) -> None:
        self.lock = threading.Lock()
        self.day = day or date.today
        self.configure(burst_max, daily_max, search_per_second, time_scale, enabled, daily_headers)

    def configure(self, burst_max: int, daily_max: int, search_per_second: int,
                  time_scale: float, enabled: bool, daily_headers: bool = True) -> None:
        with self.lock:
            self.daily_headers = daily_headers
            self.burst_max = burst_max
            self.daily_max = daily_max
            self.search_per_second = search_per_second
            self.time_scale = time_scale
            self.enabled = enabled
            self.reset_locked()

    def reset(self) -> None:
        with self.lock:
            self.reset_locked()

    def reset_locked(self) -> None:
        self.burst: deque[float] = deque()
        self.search: deque[float] = deque()
        self.daily_used = 0
        self.daily_day = self.day()

    @property
    def window_s(self) -> float:
        return 10.0 * self.time_scale

    def _trim(self, q: deque[float], now: float, window: float) -> None:
        while q and q[0] <= now - window:
            q.popleft()

    def standard(self) -> dict[str, str]:
        """Count one standard request; returns headers; raises 429 when over budget."""
        if not self.enabled:
            return {}
        with self.lock:
            now = time.monotonic()
            today = self.day()
            if today != self.daily_day:
                self.daily_used, self.daily_day = 0, today
            self._trim(self.burst, now, self.window_s)
            secondly = self.secondly
            headers = {
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window_s * 1000)),
                "X-HubSpot-RateLimit-Max": str(self.burst_max),
                "X-HubSpot-RateLimit-Secondly": str(secondly),
            }
            if self.daily_headers:
                headers["X-HubSpot-RateLimit-Daily"] = str(self.daily_max)
            if self.daily_used >= self.daily_max:
                headers.update(self._remaining(now, secondly))
                err = errors.rate_limited("DAILY", "You have reached your daily limit.")
                err.headers.update(headers)
                raise err
            if len(self.burst) >= self.burst_max:
                headers.update(self._remaining(now, secondly))
                err = errors.rate_limited("TEN_SECONDLY_ROLLING",
                                          "You have reached your ten_secondly_rolling limit.")
                err.headers.update(headers)
                raise err
            if secondly > 0 and self._in_second(now) >= secondly:
                headers.update(self._remaining(now, secondly))
                err = errors.rate_limited("SECONDLY", "You have reached your secondly limit.")
                err.headers.update(headers)
                raise err
            self.burst.append(now)
            self.daily_used += 1
            headers.update(self._remaining(now, secondly))
            return headers

    @property
    def secondly(self) -> int:
        """Requests per second: HubSpot advertises and enforces a tenth of the burst (a
        burst below 10, only set by tests, has no per-second limit)."""
        return self.burst_max // 10

    def _in_second(self, now: float) -> int:
        return sum(1 for t in self.burst if t > now - self.time_scale)

    def _remaining(self, now: float, secondly: int) -> dict[str, str]:
        out = {
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.burst_max - len(self.burst))),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - self._in_second(now))),
        }
        if self.daily_headers:
            out["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, self.daily_max - self.daily_used))
        return out

    def search_request(self) -> None:
        """Count one search request (no headers); raises 429 SECONDLY when over budget."""
        if not self.enabled:
            return
        with self.lock:
            now = time.monotonic()
            self._trim(self.search, now, self.time_scale)
            if len(self.search) >= self.search_per_second:
                raise errors.rate_limited("SECONDLY", "You have reached your secondly limit.")
            self.search.append(now)
