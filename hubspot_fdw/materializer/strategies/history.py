"""Property history tables (``<objects>_property_history``): the backfill lists every
record's history once its object table is backfilled; the live step re-reads the
history of the records the object table's cache shows modified (history.py). There is
no polling of its own, so no daily cost beside the object table's polls.

Deliberately not here: the requests and writes (history.py).
"""

from __future__ import annotations

from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.history import base_table
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.materializer import history
from hubspot_fdw.materializer.context import Context
from hubspot_fdw.materializer.planner import Planner
from hubspot_fdw.materializer.state import SyncState
from hubspot_fdw.materializer.strategies.base import Strategy


class HistoryTables(Strategy):
    order = 3

    def claims(self, name: str) -> bool:
        return base_table(name) is not None

    def catalog_types(self, name: str, registry: Registry) -> set[str]:
        base = base_table(name)
        return {base} if base is not None else set()

    def backfill(self, ctx: Context, spec: TableSpec, state: SyncState) -> bool:
        return not history.waits(ctx, spec) and history.backfill(ctx, spec, state)

    def live(self, ctx: Context, spec: TableSpec, state: SyncState, planner: Planner | None) -> int | None:
        if history.waits(ctx, spec) or not history.follow(ctx, spec, state):
            return None
        return 0

    def daily_cost(self, ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
        return 0.0      # it reads only what the object table's polls saw change
