"""Syncing association tables (v4 batch reads, labels read from the table's FIRST type,
since HubSpot labels are direction-specific).

- backfill / sweep: page through the first type's ids (from its cache table when that
  is backfilled, else the list API), batch-read 1,000 at a time, replace each id's rows;
  the cursor is checkpointed after each chunk, and each chunk first asks the day's
  budget (``ctx.may_spend``): when it says no, the walk stops at its cursor;
- refresh_for: after records of a type changed, re-read their associations (through the
  first type's side when the type is second) and replace their rows.

Deliberately not here: object rows (objects.py), scheduling (engine.py).
"""

from __future__ import annotations

import logging
from typing import Sequence

from hubspot_fdw.cache import association_row_from
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.registry import ObjectType
from hubspot_fdw.materializer.context import Context, now_utc
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.associations")


def _replace_first(ctx: Context, spec: TableSpec, first_ids: Sequence[str], client=None) -> tuple[int, set[str]]:
    """Re-read every association of some first-type records and replace their rows.
    Returns (rows written, second ids seen)."""
    assert spec.pair is not None
    first, second = spec.pair.first, spec.pair.second
    client = client or ctx.client_live
    rows = [association_row_from(spec, first.singular, a)
            for a in client.batch_read_associations(first.api_path, second.api_path, list(first_ids))]
    ctx.store.prune_associations(spec, spec.columns[0].name, first_ids, [r.key for r in rows])
    written = ctx.store.write(spec, rows).written
    return written, {r.key[1] for r in rows}


def refresh_records(ctx: Context, spec: TableSpec, object_type: ObjectType, ids: Sequence[str]) -> None:
    assert spec.pair is not None
    first, second = spec.pair.first, spec.pair.second
    if not ids:
        return
    if object_type.table == first.table:
        _replace_first(ctx, spec, ids)
        return
    found = list(ctx.client_live.batch_read_associations(second.api_path, first.api_path, list(ids)))
    pairs = {(a.to_id, a.from_id) for a in found}
    ctx.store.prune_associations(spec, spec.columns[1].name, ids, pairs)
    firsts = sorted({p[0] for p in pairs})
    for i in range(0, len(firsts), ctx.config.assoc_ids_per_step):
        _replace_first(ctx, spec, firsts[i:i + ctx.config.assoc_ids_per_step])


def refresh_for(ctx: Context, object_type: ObjectType, ids: Sequence[str]) -> None:
    for spec, _column in ctx.association_specs(object_type):
        refresh_records(ctx, spec, object_type, ids)


def _first_ids(ctx: Context, spec: TableSpec, cursor: str | None) -> tuple[list[str], str | None]:
    """The next chunk of first-type ids after ``cursor`` and the cursor after it."""
    assert spec.pair is not None
    first = spec.pair.first
    first_spec = ctx.specs.get(first.table)
    if first_spec is not None and ctx.state(first.table).backfill_done:
        n = ctx.config.assoc_ids_per_step
        start = cursor[2:] if cursor and cursor.startswith("c:") else ""
        ids = ctx.store.ids_after(first_spec, start, n)
        return ids, (f"c:{ids[-1]}" if len(ids) == n else None)
    # list API (ids only); cursor "l:<after>"
    after = cursor[2:] if cursor and cursor.startswith("l:") else None
    ids: list[str] = []
    while len(ids) < ctx.config.assoc_ids_per_step:
        page = ctx.client_backfill.list_page(first.api_path, properties=["hs_object_id"], after=after,
                                             limit=ctx.config.page_size)
        ids += [r.id for r in page.results]
        after = page.after
        if after is None:
            break
    return ids, (f"l:{after}" if after else None)


def _chunk_cost(ctx: Context, spec: TableSpec) -> int:
    """Calls of one chunk: the batch read, plus the id pages when the first type is not cached."""
    assert spec.pair is not None
    first = spec.pair.first
    if first.table in ctx.specs and ctx.state(first.table).backfill_done:
        return 1
    return 1 + -(-ctx.config.assoc_ids_per_step // ctx.config.page_size)


def sweep(ctx: Context, spec: TableSpec, state: SyncState, cursor_key: str) -> bool:
    """Walk every first-type id (resumable via ``state.cursors[cursor_key]``); True when
    done, False when stopped or out of today's budget."""
    backfill = cursor_key == "backfill"
    while not ctx.stop.is_set() and ctx.may_spend(_chunk_cost(ctx, spec), backfill):
        cursor = state.cursors.get(cursor_key)
        ids, following = _first_ids(ctx, spec, cursor)
        written = 0
        if ids:
            written, _ = _replace_first(ctx, spec, ids, ctx.client_backfill if cursor_key == "backfill" else None)
            state.rows_written += written
        ctx.progress.advance(len(ids))
        if following is None:
            state.cursors.pop(cursor_key, None)
            ctx.checkpoint(state)
            return True
        state.cursors[cursor_key] = following
        ctx.checkpoint(state)
    return False


def backfill(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    if state.phase != "backfilling" or state.backfill_started_at is None:
        state.phase = "backfilling"
        state.backfill_started_at = now_utc()
        ctx.checkpoint(state)
    ctx.progress.start(spec.name, None)
    try:
        done = sweep(ctx, spec, state, "backfill")
    finally:
        ctx.progress.close()
    if done:
        state.finish_backfill(now_utc())
        state.last_sweep_at = state.backfill_started_at
        state.records_stored = ctx.store.count(spec)
        ctx.checkpoint(state)
    return done
