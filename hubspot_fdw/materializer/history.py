"""Syncing one property history table (``<objects>_property_history``).

- backfill: list pages of 50 records with history (HubSpot's page limit with
  ``propertiesWithHistory``), cursor ``backfill_after``; the budget is asked before
  each page, as for object tables.
- after the backfill, each pass re-reads the history of the records modified since the
  last pass, as the object table's cache shows them (its last-modified column, HubSpot's
  time, written by the object table's sync and by writes through the foreign tables),
  by batch read with history, 50 records per call. Unchanged records cost nothing:
  there is no polling of its own. A record's rows are replaced as a whole (HubSpot's
  history is the truth; it only grows).
- rows of records gone from the object table's cache (deleted, merged away) are
  removed locally, after the object table's sync counted a deletion.
- the object table's cache may be kept by this run or another (``refresh()`` of the
  history table alone, ``--tables``); without a backfilled object cache there is
  nothing to follow, and the whole history is re-read every ``reconcile_interval``.

Deliberately not here: scheduling (engine.py, strategies/history.py), the requests
(api/history.py), the rows (catalog/history.py).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from hubspot_fdw.api.history import HISTORY_BATCH_LIMIT, HISTORY_PAGE_LIMIT, PropertyChange
from hubspot_fdw.cache import last_modified_column, qualified_table
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.history import change_row, properties as configured_properties
from hubspot_fdw.catalog.sql import quote_ident
from hubspot_fdw.materializer.context import Context, due, now_ms, now_utc
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.history")

MARK = "modified_through"      # cursor: the newest last-modified (ms) whose history was read
WINDOW = "read_in_window"      # cursor: {id: last-modified ms} read within the lookback before the mark
SEEN = "objects_deleted"       # cursor: the object table's rows_deleted at the last prune
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


@dataclass(frozen=True)
class Followed:
    """The object table whose cache rows a history table follows."""

    spec: TableSpec
    modified: str              # its last-modified column (indexed in the cache)
    deleted: int               # its sync_state rows_deleted: a change asks for a prune


def followed(ctx: Context, spec: TableSpec) -> Followed | None:
    """The object table to follow; None when its cache is not there (not backfilled)."""
    assert spec.object_type is not None
    name = spec.object_type.table
    objects = ctx.specs.get(name) or ctx.catalog.tables.get(name)
    rows = ctx.runner.execute("SELECT backfill_done AS done, rows_deleted AS d FROM hubspot_fdw.sync_state "
                              "WHERE server_name = $1 AND table_name = $2 AND cache_schema = $3",
                              [ctx.server, name, ctx.schema])
    column = last_modified_column(objects) if objects is not None else None
    if objects is None or column is None or not rows or not rows[0]["done"]:
        return None
    return Followed(objects, column, int(rows[0]["d"] or 0))


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
        state.cursors[MARK] = now_ms()       # records modified from here on are read again after
        state.cursors.pop(WINDOW, None)
        state.cursors["reconciled_at"] = state.backfill_started_at.isoformat()
        ctx.checkpoint(state)
    while not ctx.stop.is_set() and ctx.may_spend(1, True):
        page = ctx.client_backfill.history_page(spec.object_type.api_path, names, after=state.backfill_after,
                                                limit=HISTORY_PAGE_LIMIT)
        state.rows_written += replace(ctx, spec, page.ids, page.changes)
        state.backfill_after = page.after
        if page.after is None:
            state.finish_backfill(now_utc())
        ctx.checkpoint(state)
        if state.backfill_done:
            return True
    return False


def changed(ctx: Context, objects: Followed, since_ms: int) -> list[tuple[str, int]]:
    """(id, last-modified ms) of the object cache's records modified at or after ``since_ms``."""
    column = quote_ident(objects.modified)
    rows = ctx.runner.execute(
        f"SELECT id, (extract(epoch FROM {column}) * 1000)::bigint AS lm "
        f"FROM {qualified_table(ctx.schema, objects.spec.name)} "
        f"WHERE {column} >= pg_catalog.to_timestamp($1::bigint / 1000.0) ORDER BY {column}, id", [since_ms])
    return [(r["id"], int(r["lm"])) for r in rows]


def follow(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """Re-read the history of the records modified since the last pass (True when caught up).

    The object cache's last-modified column is HubSpot's own time, written by the object
    table's sync and by writes through the foreign tables alike: records modified at or
    after the mark less the lookback (HubSpot's search index lag lets records arrive out
    of order) are candidates, less those already read at that same modification
    (``WINDOW``)."""
    assert spec.object_type is not None
    objects = followed(ctx, spec)
    if objects is None:
        if due(state.cursors.get("reconciled_at"), ctx.config.reconcile_interval):
            state.backfill_done = False
            state.phase = "backfilling"
            state.backfill_started_at = None
            state.backfill_after = None
            return backfill(ctx, spec, state)
        return True
    mark = int(state.cursors.get(MARK) or now_ms())
    window: dict[str, int] = dict(state.cursors.get(WINDOW) or {})
    todo = [(i, lm) for i, lm in changed(ctx, objects, mark - ctx.config.lookback_ms) if window.get(i) != lm]
    names = property_names(ctx, spec) if todo else []
    for start in range(0, len(todo), HISTORY_BATCH_LIMIT):
        if ctx.stop.is_set() or not ctx.may_spend(1, False):
            return False       # what was read is in the window: the next pass goes on with the rest
        chunk = todo[start:start + HISTORY_BATCH_LIMIT]
        ids = [i for i, _ in chunk]
        changes = list(ctx.client_live.batch_read_history(spec.object_type.api_path, ids, names))
        state.rows_written += replace(ctx, spec, ids, changes)
        window.update(chunk)
        mark = max(mark, max(lm for _, lm in chunk))
        state.cursors[MARK] = mark
        state.cursors[WINDOW] = {i: lm for i, lm in window.items() if lm >= mark - ctx.config.lookback_ms}
        ctx.checkpoint(state)
    if state.cursors.get(SEEN) != objects.deleted:
        state.rows_deleted += _prune(ctx, spec, objects.spec)
        state.cursors[SEEN] = objects.deleted
    state.cursors[MARK] = mark
    state.cursors[WINDOW] = {i: lm for i, lm in window.items() if lm >= mark - ctx.config.lookback_ms}
    return True


def waits(ctx: Context, spec: TableSpec) -> bool:
    """Whether the table waits for its object table's backfill (it starts after it, so the
    records the object backfill stores are not read twice)."""
    assert spec.object_type is not None
    objects = ctx.specs.get(spec.object_type.table)
    return objects is not None and not ctx.state(objects.name).backfill_done


def calls_for(records: int) -> int:
    """Calls to read the history of ``records`` records (backfill pages or batch reads)."""
    return math.ceil(records / HISTORY_BATCH_LIMIT)
