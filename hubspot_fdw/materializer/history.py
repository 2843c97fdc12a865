"""Syncing one property history table (``<objects>_property_history``).

- backfill: list pages of 50 records with history (HubSpot's page limit with
  ``propertiesWithHistory``), cursor ``backfill_after``; the budget is asked before
  each page, as for object tables.
- after the backfill, each pass re-reads the history of the records the object
  table's sync saw change since the last pass (their cache rows' ``_sync_updated_at``
  moved: new or changed records), by batch read with history, 50 records per call.
  Unchanged records cost nothing: there is no polling of its own. A record's rows are
  replaced as a whole (HubSpot's history is the truth; it only grows).
- rows of records gone from the object table's cache (deleted, merged away) are
  removed locally.
- when this run does not sync the object table (``refresh()`` of the history table
  alone, ``--tables``), it follows the object table's cache all the same if another run
  keeps it (its backfill done), looking ``OVERLAP`` seconds further back for rows that
  run was committing meanwhile; without such a cache there is nothing to follow, and
  the whole history is re-read every ``reconcile_interval``.

Deliberately not here: scheduling (engine.py), the requests (api/history.py), the
rows (catalog/history.py).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Iterable, Sequence

from hubspot_fdw.api.history import HISTORY_BATCH_LIMIT, HISTORY_PAGE_LIMIT, PropertyChange
from hubspot_fdw.cache import qualified_table
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.history import change_row, properties as configured_properties
from hubspot_fdw.catalog.sql import quote_ident
from hubspot_fdw.materializer.context import Context, due, now_utc
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.history")

MARK = "changes_through"       # cursor: object rows changed at or after this time are still to read
OVERLAP = 600.0                # seconds: rows another process may have been committing at the mark
COLUMNS = ("property", "value", "changed_at", "source_type", "source_id", "source_label", "updated_by_user_id")


def option_of(ctx: Context, spec: TableSpec) -> str | None:
    """The table option history_properties of the imported foreign table (None = default)."""
    rows = ctx.runner.execute(
        "SELECT (SELECT substr(o, 20) FROM unnest(ft.ftoptions) o WHERE o LIKE 'history_properties=%' LIMIT 1) "
        "AS v FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
        "JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid WHERE s.srvname = $1 AND "
        "coalesce((SELECT substr(o, 7) FROM unnest(ft.ftoptions) o WHERE o LIKE 'table=%' LIMIT 1), "
        "c.relname::text) = $2", [ctx.server, spec.name])
    values = [r["v"] for r in rows if r["v"] is not None]
    return values[0] if values else None


def property_names(ctx: Context, spec: TableSpec) -> list[str]:
    """The properties the table keeps (``*``: every property the catalog knows)."""
    assert spec.object_type is not None
    names = configured_properties(spec.object_type, option_of(ctx, spec))
    if names is not None:
        return names
    objects = ctx.catalog.tables.get(spec.object_type.table)
    if objects is not None:
        return [c.property_name or c.name for c in objects.property_columns]
    return [p.name for p in ctx.client_live.list_properties(spec.object_type.api_path)]


def _db_now(ctx: Context) -> datetime:
    return ctx.runner.execute("SELECT pg_catalog.clock_timestamp() AS t")[0]["t"]


def replace(ctx: Context, spec: TableSpec, ids: Sequence[str], changes: Iterable[PropertyChange]) -> int:
    """Replace the rows of ``ids`` with ``changes``; returns rows written."""
    table = qualified_table(ctx.schema, spec.name)
    id_col = quote_ident(spec.column_names[0])
    rows = [change_row(spec, c) for c in changes]
    seen: set[tuple] = set()
    unique = []
    for r in rows:                 # the cache key: (id, property, changed_at)
        key = (r[spec.column_names[0]], r["property"], r["changed_at"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    ctx.runner.execute(f"DELETE FROM {table} WHERE {id_col} = ANY($1::text[])", [list(ids)])
    if not unique:
        return 0
    cols = ", ".join([id_col, *(quote_ident(c) for c in COLUMNS)])
    types = ("text", "text", "text", "timestamptz", "text", "text", "text", "bigint")
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, 1))
    params: list = [[r[spec.column_names[0]] for r in unique]]
    for c in COLUMNS:
        values = [r[c] for r in unique]
        params.append([v.isoformat() for v in values] if c == "changed_at" else values)
    ctx.runner.execute(f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({arrays})", params)
    return len(unique)


def followed(ctx: Context, spec: TableSpec) -> tuple[TableSpec | None, bool]:
    """(the object table whose cache rows the history follows, whether this run syncs it);
    (None, False) when its cache is not there to follow."""
    assert spec.object_type is not None
    name = spec.object_type.table
    if name in ctx.specs:
        return ctx.specs[name], True
    objects = ctx.catalog.tables.get(name)
    rows = ctx.runner.execute("SELECT backfill_done AS done FROM hubspot_fdw.sync_state WHERE server_name = $1 "
                              "AND table_name = $2 AND cache_schema = $3", [ctx.server, name, ctx.schema])
    if objects is None or not rows or not rows[0]["done"]:
        return None, False
    return objects, False


def _prune(ctx: Context, spec: TableSpec, objects: TableSpec) -> int:
    """Rows of records the object table's cache no longer holds."""
    id_col = quote_ident(spec.column_names[0])
    gone = ctx.runner.execute(
        f"DELETE FROM {qualified_table(ctx.schema, spec.name)} h WHERE NOT EXISTS (SELECT 1 FROM "
        f"{qualified_table(ctx.schema, objects.name)} o WHERE o.id = h.{id_col}) RETURNING 1 AS x")
    return len(gone)


def backfill(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """List pages with history until done (True), stopped or out of today's budget (False)."""
    assert spec.object_type is not None
    names = property_names(ctx, spec)
    if state.phase != "backfilling" or state.backfill_started_at is None:
        state.phase = "backfilling"
        state.backfill_started_at = now_utc()
        state.cursors[MARK] = _db_now(ctx).isoformat()
        state.cursors["reconciled_at"] = state.backfill_started_at.isoformat()
        ctx.checkpoint(state)
    while not ctx.stop.is_set() and ctx.may_spend(1, True):
        page = ctx.client_backfill.history_page(spec.object_type.api_path, names, after=state.backfill_after,
                                                limit=HISTORY_PAGE_LIMIT)
        state.rows_written += replace(ctx, spec, page.ids, page.changes)
        state.backfill_after = page.after
        if page.after is None:
            state.backfill_done = True
            state.backfill_finished_at = now_utc()
            state.phase = "live"
        ctx.checkpoint(state)
        if state.backfill_done:
            return True
    return False


def changed_ids(ctx: Context, objects: TableSpec, since: str, overlap: float = 0.0) -> list[str]:
    """Ids of object rows the sync stored or changed at or after ``since`` (less ``overlap`` s)."""
    rows = ctx.runner.execute(
        f"SELECT id FROM {qualified_table(ctx.schema, objects.name)} "
        f"WHERE {quote_ident('_sync_updated_at')} >= $1::timestamptz - make_interval(secs => $2) ORDER BY id",
        [since, overlap])
    return [r["id"] for r in rows]


def follow(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """Re-read the history of the records changed since the last pass (True when caught up)."""
    assert spec.object_type is not None
    objects, own = followed(ctx, spec)
    if objects is None:
        if due(state.cursors.get("reconciled_at"), ctx.config.reconcile_interval):
            state.backfill_done = False
            state.phase = "backfilling"
            state.backfill_started_at = None
            state.backfill_after = None
            return backfill(ctx, spec, state)
        return True
    mark = _db_now(ctx).isoformat()
    ids = changed_ids(ctx, objects, state.cursors.get(MARK) or mark, 0.0 if own else OVERLAP)
    names = property_names(ctx, spec) if ids else []
    for start in range(0, len(ids), HISTORY_BATCH_LIMIT):
        if ctx.stop.is_set() or not ctx.may_spend(1, False):
            return False       # the mark stays: the next pass goes on with the rest
        chunk = ids[start:start + HISTORY_BATCH_LIMIT]
        changes = list(ctx.client_live.batch_read_history(spec.object_type.api_path, chunk, names))
        state.rows_written += replace(ctx, spec, chunk, changes)
        ctx.checkpoint(state)
    state.rows_deleted += _prune(ctx, spec, objects)
    state.cursors[MARK] = mark
    return True


def sync(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """One pass: the backfill until done, then the changed records' history. While the
    object table backfills, the history table waits (it starts after it, so the records
    the object backfill stores are not read twice)."""
    assert spec.object_type is not None
    objects = ctx.specs.get(spec.object_type.table)
    if objects is not None and not ctx.state(objects.name).backfill_done:
        return False
    if not state.backfill_done and not backfill(ctx, spec, state):
        return False
    return follow(ctx, spec, state)


def calls_for(records: int) -> int:
    """Calls to read the history of ``records`` records (backfill pages or batch reads)."""
    return math.ceil(records / HISTORY_BATCH_LIMIT)
