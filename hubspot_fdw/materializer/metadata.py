"""Owners, pipelines and pipeline stages: small, re-read fully (each metadata interval),
upserted by hash and pruned to what HubSpot lists.

Deliberately not here: CRM object tables (objects.py).
"""

from __future__ import annotations

import logging

from hubspot_fdw.cache import owner_row, pipeline_rows
from hubspot_fdw.catalog.columns import pipeline_stages_table, pipelines_table
from hubspot_fdw.materializer.context import Context
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.metadata")

TABLES = ("owners", "pipelines", "pipeline_stages")


def sync_owners(ctx: Context, state: SyncState) -> None:
    spec = ctx.specs["owners"]
    rows = [owner_row(spec, o) for o in ctx.client_live.iter_owners()]
    result = ctx.store.write(spec, rows)
    gone = ctx.store.prune_except(spec, [r.key for r in rows])
    state.rows_written += result.written
    state.rows_deleted += gone


def sync_pipelines(ctx: Context, state: SyncState) -> None:
    """Writes both pipelines and pipeline_stages (whichever are synced)."""
    pspec = ctx.specs.get("pipelines") or pipelines_table()
    sspec = ctx.specs.get("pipeline_stages") or pipeline_stages_table()
    pipelines = []
    for otype in ctx.catalog.registry:
        if otype.pipelines:
            pipelines += ctx.client_live.list_pipelines(otype.api_path)
    prows, srows = pipeline_rows(pspec, sspec, pipelines)
    for spec, rows in ((pspec, prows), (sspec, srows)):
        if spec.name in ctx.specs:
            result = ctx.store.write(spec, rows)
            gone = ctx.store.prune_except(spec, [r.key for r in rows])
            state.rows_written += result.written
            state.rows_deleted += gone


def sync(ctx: Context, table: str, state: SyncState) -> None:
    if table == "owners":
        sync_owners(ctx, state)
    else:
        sync_pipelines(ctx, state)
