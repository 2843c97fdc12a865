"""CRM object tables (contacts, companies, deals, custom objects …): the backfill and
the incremental poll of objects.py; after each poll the deletion check (the poll's
record count), and the id diff when its safety interval is due (deletions.py).

Polls are paced by the planner (adaptive intervals); the daily cost counted beside
them is the id diff: one listing page per 100 stored records each reconcile interval.
Columns follow HubSpot's properties (a new property becomes a new column).

Deliberately not here: the requests and writes (objects.py, deletions.py).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from hubspot_fdw.api.models import PropertyDefinition
from hubspot_fdw.catalog.columns import TableSpec, object_table
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.materializer import deletions, objects
from hubspot_fdw.materializer.context import Context, due
from hubspot_fdw.materializer.planner import DAY, Planner
from hubspot_fdw.materializer.state import SyncState
from hubspot_fdw.materializer.strategies.base import Refreshed, Strategy


class ObjectTables(Strategy):
    order = 0
    polled = True
    follows_properties = True

    def claims(self, name: str) -> bool:
        return True         # any name another kind does not claim names an object type's table

    def catalog_types(self, name: str, registry: Registry) -> set[str]:
        return {name}

    def backfill(self, ctx: Context, spec: TableSpec, state: SyncState) -> bool:
        return objects.backfill(ctx, spec, state)

    def live(self, ctx: Context, spec: TableSpec, state: SyncState, planner: Planner | None) -> int | None:
        result = objects.poll(ctx, spec, state)
        if result is None:
            return None
        deletions.check(ctx, spec, state, result.total, result.seen)
        if due(state.cursors.get("reconciled_at"), ctx.config.reconcile_interval):
            deletions.reconcile(ctx, spec, state)
        return result.changed

    def daily_cost(self, ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
        stored = ctx.state(spec.name).records_stored
        return math.ceil(max(stored, 1) / ctx.config.page_size) * DAY / max(1.0, ctx.config.reconcile_interval)

    def refreshed(self, ctx: Context, spec: TableSpec,
                  listed: Mapping[str, Sequence[PropertyDefinition]] | None = None) -> Refreshed | None:
        if spec.object_type is None:
            return None
        props = (listed or {}).get(spec.object_type.api_path)
        if props is None:
            props = ctx.client_live.list_properties(spec.object_type.api_path)
        return Refreshed(object_table(spec.object_type, props), props)
