"""Syncing one CRM object table: backfill pages, incremental polls, archived sweeps,
merges and id reconciliation. Every step writes rows and the checkpoint in one commit.

- backfill: list pages of 100 (cursor ``backfill_after``), the incremental high-water
  mark starts at the backfill's start time;
- poll: search last-modified >= high-water − lookback, ascending (the client re-windows
  past 10,000), checkpoint every ``write_batch`` records; merged-away ids
  (``hs_merged_object_ids``) are deleted; associations of changed records refreshed;
- sweep: the archived listing deletes archived records (and their associations);
- reconcile: list every id, delete cached ids HubSpot no longer has (GDPR deletes,
  missed merges), fetch ids the cache lacks.

Deliberately not here: association tables (associations.py), scheduling (engine.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Sequence

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.models import HubSpotObject
from hubspot_fdw.cache import object_row
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.convert import ConversionError, parse_datetime
from hubspot_fdw.materializer import associations
from hubspot_fdw.materializer.context import Context, now_ms, now_utc
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.objects")

MERGED = "hs_merged_object_ids"


def properties_of(spec: TableSpec) -> list[str]:
    names = [c.property_name or c.name for c in spec.property_columns]
    if MERGED not in names:
        names.append(MERGED)
    return names


def modified_ms(spec: TableSpec, record: HubSpotObject) -> int | None:
    assert spec.object_type is not None
    text = record.properties.get(spec.object_type.last_modified_property) or record.updated_at
    if not text:
        return None
    try:
        return int(parse_datetime(text).timestamp() * 1000)
    except ConversionError:
        return None


def store_records(ctx: Context, spec: TableSpec, state: SyncState, records: Sequence[HubSpotObject],
                  *, refresh_associations: bool) -> int:
    """Upsert records, drop merged-away ids, refresh associations; returns rows written."""
    assert spec.object_type is not None
    rows = [object_row(spec, r) for r in records]
    # Records re-read only because of the lookback overlap are unchanged: their associations
    # were refreshed in the commit that stored them (changes without a last-modified bump
    # are the sweep's job), so skip them instead of spending API calls every poll.
    changed = ctx.store.changed_ids(spec, rows) if refresh_associations else set()
    result = ctx.store.write(spec, rows)
    state.rows_written += result.written
    state.records_stored += result.inserted
    merged = {m for r in records for m in (r.properties.get(MERGED) or "").split(";") if m}
    merged -= {r.id for r in records}
    if merged:
        gone = ctx.store.delete_ids(spec, merged)
        ctx.drop_associations(spec.object_type, sorted(merged))
        state.rows_deleted += len(gone)
        state.records_stored -= len(gone)
    if changed:
        associations.refresh_for(ctx, spec.object_type, sorted(changed))
    return result.written


def backfill(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """Backfill pages until done (True) or stopped (False)."""
    assert spec.object_type is not None
    otype = spec.object_type
    if state.phase != "backfilling" or state.backfill_started_at is None:
        state.phase = "backfilling"
        state.backfill_started_at = now_utc()
        state.high_water_ms = now_ms()
        state.cursors["reconciled_at"] = state.backfill_started_at.isoformat()
        try:
            state.backfill_total = ctx.client_backfill.count(otype.api_path)
        except HubSpotFdwError as exc:  # an estimate only; the backfill does not need it
            log.info("%s: no count for progress (%s)", spec.name, exc)
        ctx.checkpoint(state)
    ctx.progress.start(spec.name, state.backfill_total, state.records_stored)
    props = properties_of(spec)
    try:
        while not ctx.stop.is_set():
            page = ctx.client_backfill.list_page(otype.api_path, properties=props, after=state.backfill_after,
                                                 limit=ctx.config.page_size)
            store_records(ctx, spec, state, page.results, refresh_associations=False)
            state.backfill_after = page.after
            if page.after is None:
                state.backfill_done = True
                state.backfill_finished_at = now_utc()
                state.phase = "live"
            ctx.checkpoint(state)
            ctx.progress.advance(len(page.results))
            if state.backfill_done:
                return True
        return False
    finally:
        ctx.progress.close()


def poll(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """One incremental poll; True when it ran to the end."""
    assert spec.object_type is not None
    otype = spec.object_type
    since = max(0, (state.high_water_ms or 0) - ctx.config.lookback_ms)
    buffer: list[HubSpotObject] = []

    def flush() -> None:
        if not buffer:
            return
        store_records(ctx, spec, state, buffer, refresh_associations=True)
        top = max((m for m in (modified_ms(spec, r) for r in buffer) if m is not None), default=None)
        if top is not None and top > (state.high_water_ms or 0):
            state.high_water_ms = top
        ctx.checkpoint(state)
        buffer.clear()

    for record in ctx.client_live.search_modified_since(otype.api_path, otype.last_modified_property, since,
                                                        properties=properties_of(spec)):
        buffer.append(record)
        if len(buffer) >= ctx.config.write_batch:
            flush()
            if ctx.stop.is_set():
                return False
    flush()
    return True


def sweep_archived(ctx: Context, spec: TableSpec, state: SyncState) -> None:
    """Delete records HubSpot lists as archived."""
    assert spec.object_type is not None
    otype = spec.object_type
    for page in ctx.client_live.iter_pages(otype.api_path, properties=["hs_object_id"], archived=True,
                                           limit=ctx.config.page_size):
        ids = [r.id for r in page.results]
        gone = ctx.store.delete_ids(spec, ids)
        if gone:
            ctx.drop_associations(otype, gone)
            state.rows_deleted += len(gone)
            state.records_stored -= len(gone)
            log.info("%s: %d archived record(s) removed", spec.name, len(gone))
        ctx.checkpoint(state)


def reconcile(ctx: Context, spec: TableSpec, state: SyncState) -> None:
    """Diff every id HubSpot lists with the cache's ids."""
    assert spec.object_type is not None
    otype = spec.object_type
    started = now_utc() - timedelta(seconds=1)
    live: set[str] = set()
    for page in ctx.client_live.iter_pages(otype.api_path, properties=["hs_object_id"],
                                           limit=ctx.config.page_size):
        live.update(r.id for r in page.results)
        if ctx.stop.is_set():
            return
    cached = ctx.store.all_ids(spec)
    gone = ctx.store.delete_ids(spec, cached - live, written_before=started)
    if gone:
        ctx.drop_associations(otype, gone)
        state.rows_deleted += len(gone)
        log.info("%s: reconciliation removed %d record(s)", spec.name, len(gone))
    missing = sorted(live - cached)
    for i in range(0, len(missing), 100):
        records = list(ctx.client_live.batch_read(otype.api_path, missing[i:i + 100], properties=properties_of(spec)))
        store_records(ctx, spec, state, records, refresh_associations=True)
    if missing:
        log.info("%s: reconciliation fetched %d missing record(s)", spec.name, len(missing))
    state.cursors["reconciled_at"] = now_utc().isoformat()
    ctx.checkpoint(state)
