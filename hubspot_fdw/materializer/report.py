"""The daemon's words at the default log level: one line when a table's state changes
(first seen, backfilling, live, failing) and a periodic one-line summary of the server
(calls today, the paced and steady cost, tables per state, the largest lag).

Deliberately not here: counting or deciding anything (engine.py, planner.py); the
backfill's own progress lines (progress.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.report")


def percent(state: SyncState) -> str:
    if state.backfill_total:
        return f" ({min(99.9, 100.0 * state.records_stored / state.backfill_total):.0f}%)"
    return ""


def state_line(state: SyncState) -> str:
    """``contacts: backfilling, 1,200 of 5,000 records (24%)`` and the like."""
    name, phase = state.table_name, state.phase
    if phase == "backfilling":
        total = f" of {state.backfill_total:,}" if state.backfill_total is not None else ""
        return f"{name}: backfilling, {state.records_stored:,}{total} records{percent(state)}"
    if phase == "failing":
        return f"{name}: failing: {state.last_error or 'no message'}"
    if phase == "live":
        return f"{name}: live, {state.records_stored:,} records"
    return f"{name}: {phase}"


def note_phase(seen: dict[str, str], state: SyncState) -> None:
    """Log the table's state when it differs from the last one logged."""
    if seen.get(state.table_name) != state.phase:
        seen[state.table_name] = state.phase
        log.info("%s", state_line(state))


@dataclass(frozen=True)
class Summary:
    server: str
    calls_today: int
    allowed_per_day: int
    projected_per_day: int
    steady_per_day: int
    states: list[SyncState]
    now: datetime

    def line(self) -> str:
        by_phase: dict[str, int] = {}
        for s in self.states:
            by_phase[s.phase] = by_phase.get(s.phase, 0) + 1
        phases = ", ".join(f"{n} {p}" for p, n in sorted(by_phase.items()))
        filling = [f"{s.table_name}{percent(s)}" for s in self.states if s.phase == "backfilling"]
        lags = [((self.now - s.synced_through).total_seconds(), s.table_name)
                for s in self.states if s.phase == "live" and isinstance(s.synced_through, datetime)]
        lag = f"; lag up to {max(lags)[0]:,.0f} s ({max(lags)[1]})" if lags else ""
        backfill = f" [backfilling: {', '.join(filling)}]" if filling else ""
        return (f'server "{self.server}": {self.calls_today:,} calls today of {self.allowed_per_day:,} allowed, '
                f"projected {self.projected_per_day:,}/day (steady state {self.steady_per_day:,}/day); "
                f"tables: {phases}{backfill}{lag}")
