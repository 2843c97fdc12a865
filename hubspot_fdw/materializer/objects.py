"""Syncing one CRM object table: backfill pages, incremental polls, archived sweeps,
merges and id reconciliation. Every step writes rows and the checkpoint in one commit.

- backfill: list pages of 100 (cursor ``backfill_after``), and for a table of 2,000
  records or more at the same time search pages of 200 from the other end of the id
  range (two_pool.py); the incremental high-water mark starts at the backfill's start
  time; before each page the day's budget is asked (``ctx.may_spend``): when it says
  no, the backfill stops at its checkpointed cursor and goes on from there later (no
  page is fetched twice);
- poll: one search sorted by last-modified descending (its ``total`` is HubSpot's record
  count, which reveals deletions); when every change since high-water − lookback fits
  in that page, that one call is the whole poll; otherwise search last-modified >= that
  mark, ascending (the client re-windows past 10,000), checkpoint every ``write_batch``
  records. Merged-away ids (``hs_merged_object_ids``) leave; associations of changed
  records are re-read (HubSpot bumps both records when an association changes). The
  day's budget is asked before the probe and before each further page; the re-reads of
  changed records' associations are not held back (they are bounded by what changed,
  and skipping them would lose the change until the next sweep).

Deliberately not here: association tables (associations.py), finding and recording
deletions (deletions.py), scheduling (engine.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Sequence

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.models import HubSpotObject
from hubspot_fdw.cache import object_row
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.convert import ConversionError, parse_datetime
from hubspot_fdw.materializer import associations, deletions, two_pool
from hubspot_fdw.materializer.context import Context, now_ms, now_utc
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.objects")

MERGED = "hs_merged_object_ids"
PROBE = 100  # records in the descending probe (one search page)


@dataclass
class PollResult:
    changed: int = 0                   # rows whose content changed
    total: int | None = None           # HubSpot's record count (search total)
    seen: set[str] = field(default_factory=set)


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
    merged = {(m, r.id) for r in records for m in (r.properties.get(MERGED) or "").split(";") if m}
    merged = {(m, into) for m, into in merged if m not in {r.id for r in records}}
    if merged:
        deletions.remove(ctx, spec, state, [deletions.Removal(m, "merged", into) for m, into in sorted(merged)])
    if result.inserted:
        deletions.restored(ctx, spec, [r.key[0] for r in rows])
    if changed:
        associations.refresh_for(ctx, spec.object_type, sorted(changed))
    return result.written


def backfill(ctx: Context, spec: TableSpec, state: SyncState) -> bool:
    """Backfill pages until done (True), stopped or out of today's budget (False)."""
    assert spec.object_type is not None
    otype = spec.object_type
    if not ctx.may_spend(2 if state.backfill_started_at is None else 1, True):
        return False
    if state.phase != "backfilling" or state.backfill_started_at is None:
        state.phase = "backfilling"
        state.backfill_started_at = now_utc()
        state.high_water_ms = now_ms()
        state.cursors["reconciled_at"] = state.backfill_started_at.isoformat()
        if state.backfill_after is None and not state.records_stored:
            two_pool.forget(state)      # nothing read yet: no front to resume
        try:  # for a two-pool backfill, the search front's first page tells the count
            state.backfill_total = two_pool.count(ctx, spec)
        except HubSpotFdwError as exc:  # an estimate only; the backfill does not need it
            log.info("%s: no count for progress (%s)", spec.name, exc)
        if state.backfill_total is not None or not two_pool.wanted(ctx, state):
            ctx.checkpoint(state)       # else the search front's first page checkpoints, with the count
    ctx.progress.start(spec.name, state.backfill_total, state.records_stored)
    props = properties_of(spec)
    try:
        if two_pool.wanted(ctx, state):
            return two_pool.backfill(ctx, spec, state, props, lambda records: store_records(
                ctx, spec, state, records, refresh_associations=False))
        while not ctx.stop.is_set() and ctx.may_spend(1, True):
            page = ctx.client_backfill.list_page(otype.api_path, properties=props, after=state.backfill_after,
                                                 limit=ctx.config.page_size)
            store_records(ctx, spec, state, page.results, refresh_associations=False)
            state.backfill_after = page.after
            if page.after is None:
                state.finish_backfill(now_utc())
            ctx.checkpoint(state)
            ctx.progress.advance(len(page.results))
            if state.backfill_done:
                return True
        return False
    finally:
        ctx.progress.close()


def poll(ctx: Context, spec: TableSpec, state: SyncState) -> PollResult | None:
    """One incremental poll; None when stopped before the end or out of today's budget
    (the high-water mark stays at the last checkpoint: the next poll goes on from there)."""
    assert spec.object_type is not None
    if not ctx.may_spend(1, False):
        return None
    otype = spec.object_type
    lm = otype.last_modified_property
    since = max(0, (state.high_water_ms or 0) - ctx.config.lookback_ms)
    result = PollResult()
    buffer: list[HubSpotObject] = []

    def flush() -> None:
        if not buffer:
            return
        result.changed += store_records(ctx, spec, state, buffer, refresh_associations=True)
        top = max((m for m in (modified_ms(spec, r) for r in buffer) if m is not None), default=None)
        if top is not None and top > (state.high_water_ms or 0):
            state.high_water_ms = top
        ctx.checkpoint(state)
        buffer.clear()

    page, result.total = ctx.client_live.search_page(otype.api_path, sorts=[(lm, "DESCENDING")],
                                                     properties=properties_of(spec), limit=PROBE)
    result.seen = {r.id for r in page.results}
    oldest = modified_ms(spec, page.results[-1]) if page.results else None
    if page.after is None or (oldest is not None and oldest < since):
        buffer.extend(reversed([r for r in page.results if (modified_ms(spec, r) or 0) >= since]))
        flush()
        return result
    for record in ctx.client_live.search_modified_since(otype.api_path, lm, since, properties=properties_of(spec)):
        buffer.append(record)
        result.seen.add(record.id)
        if len(buffer) >= ctx.config.write_batch:
            flush()
            if ctx.stop.is_set() or not ctx.may_spend(1, False):
                return None
    flush()
    return result
