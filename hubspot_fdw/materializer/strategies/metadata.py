"""Owners, pipelines and pipeline stages: small tables re-read whole (metadata.py), as
the backfill and then again each ``metadata_interval``; one call a read.

Deliberately not here: the requests and writes (metadata.py).
"""

from __future__ import annotations

from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.materializer import metadata
from hubspot_fdw.materializer.context import Context, due, now_utc
from hubspot_fdw.materializer.planner import DAY, Planner
from hubspot_fdw.materializer.state import SyncState
from hubspot_fdw.materializer.strategies.base import Strategy


def read(ctx: Context, spec: TableSpec, state: SyncState) -> None:
    """Re-read the table whole; it is backfilled from then on."""
    started = now_utc()
    metadata.sync(ctx, spec.name, state)
    state.backfill_done = True
    state.backfill_finished_at = state.backfill_finished_at or now_utc()
    state.last_sweep_at = started


class MetadataTables(Strategy):
    order = 1
    live_after_backfill = False     # the backfill was a whole read

    def claims(self, name: str) -> bool:
        return name in metadata.TABLES

    def backfill(self, ctx: Context, spec: TableSpec, state: SyncState) -> bool:
        read(ctx, spec, state)
        return True

    def live(self, ctx: Context, spec: TableSpec, state: SyncState, planner: Planner | None) -> int | None:
        if due(state.last_sweep_at, ctx.config.metadata_interval):
            read(ctx, spec, state)
        return 0

    def daily_cost(self, ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
        return DAY / max(1.0, ctx.config.metadata_interval)
