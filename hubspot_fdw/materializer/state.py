"""``hubspot_fdw.sync_state`` rows as a dataclass: load (creating the row) and save.

A row recorded for another cache schema (the server's ``cache_schema`` changed) is reset:
the new schema is backfilled afresh. Also the server's daily counters (``sync_budget``).
Deliberately not here: deciding phases (engine.py), committing (the runner's owner).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from hubspot_fdw.cache.runner import SqlRunner

STATE_TABLE = "hubspot_fdw.sync_state"
log = logging.getLogger("hubspot_fdw.materializer.state")


@dataclass
class SyncState:
    server_name: str
    table_name: str
    cache_schema: str = "hubspot_cache"
    phase: str = "pending"
    backfill_done: bool = False
    backfill_after: str | None = None
    backfill_started_at: datetime | None = None
    backfill_finished_at: datetime | None = None
    backfill_total: int | None = None
    high_water_ms: int | None = None
    cursors: dict[str, Any] = field(default_factory=dict)
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    synced_through: datetime | None = None
    last_sweep_at: datetime | None = None
    records_stored: int = 0
    rows_written: int = 0
    rows_deleted: int = 0
    api_calls_day: date | None = None
    api_calls_today: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    poll_interval: float | None = None
    projected_per_day: int | None = None

    def finish_backfill(self, at: datetime) -> None:
        """The backfill read its last page: the table is live from ``at`` on."""
        self.backfill_done = True
        self.backfill_finished_at = at
        self.phase = "live"

    def add_calls(self, n: int, today: date) -> None:
        if self.api_calls_day != today:
            self.api_calls_day, self.api_calls_today = today, 0
        self.api_calls_today += n


_COLUMNS = [f.name for f in fields(SyncState)]
_KEYS = ("server_name", "table_name")


def load_state(runner: SqlRunner, server: str, table: str, cache_schema: str) -> SyncState:
    runner.execute(f"INSERT INTO {STATE_TABLE} (server_name, table_name, cache_schema) VALUES ($1, $2, $3) "
                   "ON CONFLICT (server_name, table_name) DO NOTHING", [server, table, cache_schema])
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    row = runner.execute(f"SELECT {cols} FROM {STATE_TABLE} WHERE server_name = $1 AND table_name = $2",
                         [server, table])[0]
    if isinstance(row.get("cursors"), str):
        row["cursors"] = json.loads(row["cursors"])
    row["cursors"] = dict(row.get("cursors") or {})
    if row.get("cache_schema") != cache_schema:
        # the server's cache schema changed (option, or the 0.2 per-server default): the
        # progress recorded belongs to the old schema; start over in the new one
        log.warning("%s: cache schema changed from %s to %s; backfilling it afresh", table,
                    row.get("cache_schema"), cache_schema)
        runner.execute(f"DELETE FROM {STATE_TABLE} WHERE server_name = $1 AND table_name = $2", [server, table])
        return load_state(runner, server, table, cache_schema)
    return SyncState(**row)


def save_state(runner: SqlRunner, state: SyncState) -> None:
    names = [c for c in _COLUMNS if c not in _KEYS]
    sets = ", ".join(f'"{c}" = ${i}' + ("::jsonb" if c == "cursors" else "") for i, c in enumerate(names, 1))
    n = len(names)
    params: list[Any] = [getattr(state, c) if c != "cursors" else json.dumps(state.cursors) for c in names]
    runner.execute(f"UPDATE {STATE_TABLE} SET {sets}, updated_at = now() "
                   f"WHERE server_name = ${n + 1} AND table_name = ${n + 2}",
                   params + [state.server_name, state.table_name])


def record_server_calls(runner: SqlRunner, server: str, calls: int, today: date, daily_limit: int | None,
                        daily_remaining: int | None, share: float, zone: str = "UTC") -> None:
    """Add ``calls`` to the server's calls today (``hubspot_fdw.sync_budget``) and keep
    HubSpot's daily figures; ``today`` is the budget day in time zone ``zone``."""
    runner.execute(
        "INSERT INTO hubspot_fdw.sync_budget AS b (server_name, daily_limit, daily_remaining, daily_share, "
        "calls_day, calls_today, budget_zone) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (server_name) DO UPDATE SET "
        "daily_limit = coalesce(EXCLUDED.daily_limit, b.daily_limit), "
        "daily_remaining = coalesce(EXCLUDED.daily_remaining, b.daily_remaining), "
        "daily_share = EXCLUDED.daily_share, calls_day = EXCLUDED.calls_day, "
        "calls_today = CASE WHEN b.calls_day = EXCLUDED.calls_day THEN b.calls_today ELSE 0 END "
        "+ EXCLUDED.calls_today, budget_zone = EXCLUDED.budget_zone, updated_at = now()",
        [server, daily_limit, daily_remaining, share, today, calls, zone])


def server_budget(runner: SqlRunner, server: str, today: date) -> tuple[int, int | None]:
    """(calls spent today, daily limit last seen) of a server."""
    rows = runner.execute("SELECT calls_day, calls_today, daily_limit FROM hubspot_fdw.sync_budget "
                          "WHERE server_name = $1", [server])
    if not rows:
        return 0, None
    row = rows[0]
    spent = int(row["calls_today"]) if row["calls_day"] == today else 0
    return spent, (int(row["daily_limit"]) if row["daily_limit"] is not None else None)


def record_plan(runner: SqlRunner, server: str, projected: int, allowed: int, steady: int, share: float) -> None:
    """The server's plan in ``sync_budget``: paced calls per day, the allowed share, the steady state."""
    runner.execute("INSERT INTO hubspot_fdw.sync_budget AS b (server_name, daily_share, projected_per_day, "
                   "allowed_per_day, steady_per_day) VALUES ($1, $2, $3, $4, $5) "
                   "ON CONFLICT (server_name) DO UPDATE SET projected_per_day = EXCLUDED.projected_per_day, "
                   "allowed_per_day = EXCLUDED.allowed_per_day, steady_per_day = EXCLUDED.steady_per_day, "
                   "updated_at = now()", [server, share, projected, allowed, steady])
