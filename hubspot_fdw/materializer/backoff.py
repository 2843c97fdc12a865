"""Back-off after failures, for a table's passes and for the sync worker itself: the
wait doubles with each failure in a row, from ``BASE_SECONDS`` up to ``CAP_SECONDS``.
A table's count and time are its ``sync_state`` row (consecutive_failures,
last_error_at), the worker's are ``hubspot_fdw.sync_worker_backoff``: both survive
restarts, so a restarted worker waits as long as the one before would have.

Deliberately not here: deciding what failed (engine.py, worker.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

BASE_SECONDS = 5.0
CAP_SECONDS = 1800.0


def delay(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row (0 when none)."""
    if failures <= 0:
        return 0.0
    return min(CAP_SECONDS, BASE_SECONDS * 2.0 ** min(failures - 1, 32))


def retry_at(failures: int, failed_at: datetime | None) -> datetime | None:
    """When a table that failed ``failures`` times in a row, last at ``failed_at``, is tried again."""
    if failures <= 0 or failed_at is None:
        return None
    return failed_at + timedelta(seconds=delay(failures))


def describe(failures: int, when: datetime) -> str:
    """The reason shown after an error: "failure N in a row; next attempt at …"."""
    return (f" (failure {failures} in a row; next attempt at "
            f"{when.strftime('%Y-%m-%d %H:%M:%S UTC')}, backing off up to {CAP_SECONDS:.0f} s)")
