"""What one materializer run shares: clients (backfill / incremental priority), the SQL
runner and cache store, settings, the synced table specs, progress, stop flag, the
API call counter, the budget day and the daily budget's gate (``may_spend``: asked
before each backfill page, sweep chunk and deletion listing); plus checkpointing
(save state + commit, and a log line when a table's state changed).

Deliberately not here: the sync logic (objects.py, associations.py, metadata.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.cache.runner import SqlRunner
from hubspot_fdw.catalog.build import Catalog
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.registry import ObjectType
from hubspot_fdw.materializer import clock
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.progress import Progress
from hubspot_fdw.materializer.report import note_phase
from hubspot_fdw.materializer.state import SyncState, load_state, record_server_calls, save_state
from hubspot_fdw.materializer.store import CacheStore


class CallCounter:
    """Counts HTTP responses of a client's session (retries included) and keeps the last
    daily figures HubSpot sent (``X-HubSpot-RateLimit-Daily`` / ``-Daily-Remaining``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()   # responses arrive on the backfill's two threads
        self.total = 0
        self._taken = 0
        self.daily_limit: int | None = None
        self.daily_remaining: int | None = None
        self.remaining_seen: int | None = None  # ``total`` when daily_remaining arrived

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._count(response)
        return response

    def _count(self, response: Any) -> None:
        self.total += 1
        headers = getattr(response, "headers", None) or {}
        limit, remaining = headers.get("X-HubSpot-RateLimit-Daily"), headers.get("X-HubSpot-RateLimit-Daily-Remaining")
        if limit and str(limit).isdigit():
            self.daily_limit = int(limit)
        if remaining and str(remaining).isdigit():
            self.daily_remaining = int(remaining)
            self.remaining_seen = self.total

    def take(self) -> int:
        delta, self._taken = self.total - self._taken, self.total
        return delta


def now_utc() -> datetime:
    return clock.CLOCK.now()


def now_ms() -> int:
    return int(clock.CLOCK.now().timestamp() * 1000)


@dataclass
class Context:
    client_backfill: HubSpotClient
    client_live: HubSpotClient
    runner: SqlRunner
    store: CacheStore
    server: str
    schema: str
    config: SyncConfig
    catalog: Catalog
    specs: dict[str, TableSpec]
    progress: Progress
    calls: CallCounter
    stop: threading.Event = field(default_factory=threading.Event)
    calls_pending: int = 0
    # the budget day's date (the portal's time zone; engine.py sets it once it is known)
    today: Callable[[], date] = field(default=lambda: now_utc().date())
    # the time zone of that day (written to sync_budget, so sync_status counts the same day)
    budget_zone: Callable[[], str] = field(default=lambda: "UTC")
    # may_spend(calls, backfill): False when the day's share cannot afford ``calls`` more
    may_spend: Callable[[float, bool], bool] = field(default=lambda calls, backfill: True)
    phases: dict[str, str] = field(default_factory=dict)  # the state last logged per table (report.py)

    def state(self, table: str) -> SyncState:
        return load_state(self.runner, self.server, table, self.schema)

    def checkpoint(self, state: SyncState) -> None:
        """Save the state with the data written since the last checkpoint, atomically."""
        calls = self.calls.take()
        today = self.today()
        state.add_calls(calls, today)
        self.calls_pending += calls
        save_state(self.runner, state)
        note_phase(self.phases, state)
        if self.calls_pending:
            record_server_calls(self.runner, self.server, self.calls_pending, today, self.calls.daily_limit,
                                self.calls.daily_remaining, self.config.daily_share, self.budget_zone())
            self.calls_pending = 0
        self.runner.commit()

    def association_specs(self, object_type: ObjectType) -> list[tuple[TableSpec, str]]:
        """Synced association tables involving a type, with the type's id column."""
        found = []
        for spec in self.specs.values():
            if spec.kind != "association" or spec.pair is None:
                continue
            if spec.pair.first.table == object_type.table:
                found.append((spec, spec.columns[0].name))
            elif spec.pair.second.table == object_type.table:
                found.append((spec, spec.columns[1].name))
        return found

    def drop_associations(self, object_type: ObjectType, ids: list[str]) -> None:
        for spec, column in self.association_specs(object_type):
            self.store.delete_associations_of(spec, column, ids)


def due(last: datetime | str | None, interval: float) -> bool:
    if last is None:
        return True
    if isinstance(last, str):
        last = datetime.fromisoformat(last)
    return (now_utc() - last).total_seconds() >= interval
