"""The one retry rule of the client.

Retried: HTTP 429, 423, 477 and 5xx answers, and connection failures, with capped
exponential backoff and full jitter; a ``Retry-After`` header (seconds, or an HTTP
date) is honoured, capped at ``max_delay``. A write that is not idempotent (object
create, batch create) is retried only when HubSpot certainly did not apply it: a
connect failure (nothing sent), 429 (rejected before processing), or 503. A read
timeout or a connection reset after the request was sent is never retried for such
a write: the caller gets ``HubSpotWriteUncertainError`` instead of a possible duplicate.

Deliberately not here: sending requests (transport.py) and rate pacing (budget.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from enum import Enum
from typing import Callable, Mapping

RETRY_STATUSES = frozenset({423, 429, 477, 500, 502, 503, 504, 520, 521, 522, 523, 524})
# Statuses that prove a write was not applied, so even a create may be re-sent.
SAFE_WRITE_RETRY_STATUSES = frozenset({423, 429, 477, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. Delays in seconds."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    rate_limit_delay: float = 1.0  # minimum wait after a 429 without Retry-After
    jitter: Callable[[float], float] = field(default=lambda upper: random.uniform(0, upper), repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based): full jitter over a capped exponential."""
        upper = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.jitter(upper)

    def delay_for_status(self, attempt: int, status: int, headers: Mapping[str, str]) -> float:
        """Delay before retrying an answer with ``status``; Retry-After wins when present."""
        after = parse_retry_after(headers.get("Retry-After"))
        if after is not None:
            return min(self.max_delay, after)
        delay = self.backoff(attempt)
        if status == 429:
            delay = max(delay, self.rate_limit_delay)
        if status == 423:
            delay = max(delay, 2.0)
        return min(self.max_delay, delay)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def status_is_retryable(status: int, *, idempotent: bool) -> bool:
    """True when an answer with ``status`` may be retried for this kind of request."""
    if idempotent:
        return status in RETRY_STATUSES
    return status in SAFE_WRITE_RETRY_STATUSES


class Action(str, Enum):
    RETRY = "retry"            # send again after ``delay`` seconds
    FAIL = "fail"              # raise the error this outcome maps to
    UNCERTAIN = "uncertain"    # raise HubSpotWriteUncertainError: the write may have been applied


class Failure(str, Enum):
    """What went wrong with one attempt, when it was not a plain HTTP answer."""

    NEVER_SENT = "never sent"        # connect failed: HubSpot certainly did not get it
    LOST = "lost"                    # sent, then timeout / reset / body cut off: no answer
    UNREADABLE = "unreadable"        # a 2xx answer whose body is not JSON


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0


def decide(policy: RetryPolicy, *, method: str, write: bool, idempotent: bool, attempt: int,
           status: int | None = None, failure: Failure | None = None,
           headers: Mapping[str, str] | None = None, daily_limit: bool = False) -> Decision:
    """The outcome of attempt ``attempt`` (1-based) of one request, decided once for all
    paths. ``write``: the request changes HubSpot; ``idempotent``: sending it twice has the
    effect of sending it once. Give either ``status`` (an HTTP answer that is not a
    readable 2xx) or ``failure``."""
    last = attempt >= policy.max_attempts
    write = write and method.upper() not in ("GET", "HEAD", "OPTIONS")   # a safe method changes nothing
    if failure is Failure.NEVER_SENT:
        return Decision(Action.FAIL) if last else Decision(Action.RETRY, policy.backoff(attempt))
    if failure is Failure.UNREADABLE:
        # HubSpot accepted the request: a write was applied, only its answer is lost.
        if write:
            return Decision(Action.UNCERTAIN)
        return Decision(Action.FAIL) if last else Decision(Action.RETRY, policy.backoff(attempt))
    if failure is Failure.LOST:
        if write and (not idempotent or last):
            return Decision(Action.UNCERTAIN)
        return Decision(Action.FAIL) if last else Decision(Action.RETRY, policy.backoff(attempt))
    if status is None:
        raise ValueError("decide() needs a status or a failure")
    if daily_limit or last or not status_is_retryable(status, idempotent=idempotent):
        if write and status >= 500 and status != 503:
            return Decision(Action.UNCERTAIN)
        return Decision(Action.FAIL)
    return Decision(Action.RETRY, policy.delay_for_status(attempt, status, headers or {}))
