"""The one count of HTTP calls a transport made, and the daily figures HubSpot last sent.

Every attempt that got an HTTP answer counts (retries included), since HubSpot counts
each one against the portal's limits. The transport owns the count and updates it
itself, so nothing is hooked onto a shared ``requests`` session: counting never adds
per-call state to the process. Copies of a transport (``with_priority``) share it.
Readers that need "calls since X" keep their own starting point (``Tally``).

Deliberately not here: sending requests (transport.py), the daily plan (materializer).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Mapping


@dataclass
class CallCount:
    total: int = 0
    daily_limit: int | None = None        # X-HubSpot-RateLimit-Daily
    daily_remaining: int | None = None    # X-HubSpot-RateLimit-Daily-Remaining, when last seen
    remaining_seen: int | None = None     # ``total`` when daily_remaining arrived
    # answers arrive on several threads (the backfill's list and search sides)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def answered(self, headers: Mapping[str, str]) -> None:
        """One HTTP answer arrived (any status)."""
        limit = headers.get("X-HubSpot-RateLimit-Daily")
        remaining = headers.get("X-HubSpot-RateLimit-Daily-Remaining")
        with self.lock:
            self.total += 1
            if limit and str(limit).isdigit():
                self.daily_limit = int(limit)
            if remaining and str(remaining).isdigit():
                self.daily_remaining = int(remaining)
                self.remaining_seen = self.total


class Tally:
    """Calls of one ``CallCount`` since this tally was made, and since its last ``take``."""

    def __init__(self, calls: CallCount) -> None:
        self.calls = calls
        self._start = calls.total
        self._taken = calls.total

    @property
    def total(self) -> int:
        return self.calls.total - self._start

    @property
    def daily_limit(self) -> int | None:
        return self.calls.daily_limit

    @property
    def daily_remaining(self) -> int | None:
        return self.calls.daily_remaining

    @property
    def remaining_seen(self) -> int | None:
        seen = self.calls.remaining_seen
        return None if seen is None else seen - self._start

    def take(self) -> int:
        """Calls since the last take (or since the tally was made)."""
        with self.calls.lock:
            delta, self._taken = self.calls.total - self._taken, self.calls.total
        return delta
