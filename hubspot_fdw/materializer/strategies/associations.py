"""Association tables (``associations_<first>_<second>``): the backfill walks the first
type's ids (associations.py); the live step is a sweep when it is due. Polls of the
object tables refresh the associations of the records that changed, so the sweep is a
safety net, paced by its cost: its interval is stretched so sweeps stay within a tenth
of the daily share.

Deliberately not here: the requests and writes (associations.py).
"""

from __future__ import annotations

import math

from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.materializer import associations
from hubspot_fdw.materializer.context import Context, due, now_utc
from hubspot_fdw.materializer.planner import DAY, Planner
from hubspot_fdw.materializer.state import SyncState
from hubspot_fdw.materializer.strategies.base import Strategy

PREFIX = "associations_"


def first_count(ctx: Context, spec: TableSpec) -> int:
    """Records of the first type (its cache's count; 10,000 when it is not synced here)."""
    assert spec.pair is not None
    first = ctx.specs.get(spec.pair.first.table)
    return ctx.state(first.name).records_stored if first is not None else 10_000


def sweep_cost(ctx: Context, spec: TableSpec) -> int:
    """Calls of one association sweep: one batch read per 1,000 first-type ids."""
    return max(1, math.ceil(first_count(ctx, spec) / ctx.config.assoc_ids_per_step))


def sweep_interval(ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
    """The configured interval, stretched so sweeps stay within a tenth of the daily share."""
    if planner is None:
        return ctx.config.sweep_interval
    return max(ctx.config.sweep_interval, sweep_cost(ctx, spec) * DAY / (0.1 * planner.allowed_per_day))


class AssociationTables(Strategy):
    order = 2
    live_after_backfill = False     # the backfill was a sweep: the next one is due an interval later

    def claims(self, name: str) -> bool:
        return name.startswith(PREFIX)

    def catalog_types(self, name: str, registry: Registry) -> set[str]:
        """Both types of the pair (labels and ids come from either side)."""
        return {t for pair in registry.association_pairs() if pair.table == name
                for t in (pair.first.table, pair.second.table)}

    def backfill(self, ctx: Context, spec: TableSpec, state: SyncState) -> bool:
        return associations.backfill(ctx, spec, state)

    def live(self, ctx: Context, spec: TableSpec, state: SyncState, planner: Planner | None) -> int | None:
        if due(state.last_sweep_at, sweep_interval(ctx, spec, planner)) or "sweep" in state.cursors:
            started = now_utc()
            if not associations.sweep(ctx, spec, state, "sweep"):
                return None
            state.last_sweep_at = started
        return 0

    def daily_cost(self, ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
        return sweep_cost(ctx, spec) * DAY / max(1.0, sweep_interval(ctx, spec, planner))
