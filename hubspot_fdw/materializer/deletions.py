"""Records leaving a cache table, found as cheaply as possible and recorded with when
and why in ``hubspot_fdw.deleted_records``:

- merged: the surviving record's ``hs_merged_object_ids`` (the merge bumps the survivor,
  so the poll sees it) → the absorbed ids leave, reason ``merged``, ``merged_into``;
- archived: every poll compares HubSpot's record count (the ``total`` of the poll's own
  search, no extra call) with the cache's; only when HubSpot counts fewer is the
  archived listing read (stopping once the difference is explained) → ``archived``.
  Rows this database wrote recently that the poll did not return are first read back by
  id: one HubSpot no longer has (created, then archived again by a rollback) leaves;
  the rest may simply not be indexed yet;
- gone: if the archived listing does not explain the difference (GDPR deletes, merges
  missed), the ids are diffed against the full id listing → ``gone``.

A record that comes back (restored) is removed from ``deleted_records`` when stored.
Listings ask the day's budget first (``ctx.may_spend``); one it cannot afford waits
for a later poll (the count still differs then).
Deliberately not here: the poll itself (objects.py), scheduling (engine.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable, Sequence

from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.materializer.context import Context, now_utc
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.deletions")


@dataclass(frozen=True)
class Removal:
    record_id: str
    reason: str                 # archived | merged | gone
    merged_into: str | None = None
    deleted_at: str | None = None


def remove(ctx: Context, spec: TableSpec, state: SyncState, removals: Sequence[Removal]) -> list[str]:
    """Delete the rows (and their associations) and record why; returns the ids removed."""
    assert spec.object_type is not None
    by_id = {r.record_id: r for r in removals}
    gone = ctx.store.delete_ids(spec, by_id)
    if not gone:
        return []
    ctx.drop_associations(spec.object_type, gone)
    state.rows_deleted += len(gone)
    state.records_stored = max(0, state.records_stored - len(gone))
    chosen = [by_id[i] for i in gone]
    ctx.runner.execute(
        "INSERT INTO hubspot_fdw.deleted_records AS d (server_name, table_name, record_id, reason, merged_into, "
        "deleted_at, detected_at) SELECT $1, $2, r.id, r.reason, r.merged, r.at::timestamptz, now() "
        "FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS r(id, reason, merged, at) "
        "ON CONFLICT (server_name, table_name, record_id) DO UPDATE SET reason = EXCLUDED.reason, "
        "merged_into = EXCLUDED.merged_into, deleted_at = EXCLUDED.deleted_at, detected_at = EXCLUDED.detected_at",
        [ctx.server, spec.name, [r.record_id for r in chosen], [r.reason for r in chosen],
         [r.merged_into for r in chosen], [r.deleted_at for r in chosen]])
    log.info("%s: %d record(s) removed (%s)", spec.name, len(gone),
             ", ".join(sorted({r.reason for r in chosen})))
    return gone


def restored(ctx: Context, spec: TableSpec, ids: Iterable[str]) -> None:
    """Stored again (restored in HubSpot): no longer deleted."""
    ids = sorted(set(ids))
    if ids:
        ctx.runner.execute("DELETE FROM hubspot_fdw.deleted_records WHERE server_name = $1 AND table_name = $2 "
                           "AND record_id = ANY($3::text[])", [ctx.server, spec.name, ids])


def unindexed_recent(ctx: Context, spec: TableSpec, state: SyncState, seen: set[str]) -> list[str]:
    """Cache rows inserted since the backfill, within the lookback, that the poll did not
    return: rows this database wrote itself (FDW INSERTs) that HubSpot's search may not
    count yet, or that left HubSpot again (a create a rollback archived again)."""
    since = now_utc() - timedelta(milliseconds=ctx.config.lookback_ms)
    if state.backfill_finished_at is not None and state.backfill_finished_at > since:
        since = state.backfill_finished_at
    rows = ctx.runner.execute(
        f"SELECT id FROM {ctx.store.table(spec)} WHERE \"_sync_inserted_at\" > $1::timestamptz", [since])
    return sorted(r["id"] for r in rows if r["id"] not in seen)


def recent_left(ctx: Context, spec: TableSpec, state: SyncState, ids: list[str]) -> int:
    """Of recent rows the poll did not return, remove those HubSpot no longer has (one
    batch read per 100, by id: no index lag); returns the number removed."""
    assert spec.object_type is not None
    api = spec.object_type.api_path
    if not ids or not ctx.may_spend(-(-len(ids) // 100), False):
        return 0
    present: set[str] = set()
    for i in range(0, len(ids), 100):
        present.update(r.id for r in ctx.client_live.batch_read(api, ids[i:i + 100], properties=["hs_object_id"]))
    left = [i for i in ids if i not in present]
    if not left:
        return 0
    archived = {r.id: r.archived_at for i in range(0, len(left), 100)
                for r in ctx.client_live.batch_read(api, left[i:i + 100], properties=["hs_object_id"], archived=True)}
    return len(remove(ctx, spec, state, [Removal(i, "archived", deleted_at=archived[i]) if i in archived
                                         else Removal(i, "gone") for i in left]))


def check(ctx: Context, spec: TableSpec, state: SyncState, total: int | None, seen: set[str]) -> int:
    """After a poll: if HubSpot counts fewer records than the cache holds, find which
    left. Returns the number removed."""
    if total is None:
        return 0
    cached = ctx.store.count(spec)
    deficit = cached - total
    if deficit <= 0:
        return 0
    recent = unindexed_recent(ctx, spec, state, seen)
    log.debug("%s: HubSpot counts %d, the cache %d (%d written here, maybe not indexed yet)",
              spec.name, total, cached, len(recent))
    removed = recent_left(ctx, spec, state, recent)
    deficit -= len(recent)
    if deficit <= 0:
        return removed
    removed += sweep_archived(ctx, spec, state, deficit)
    if removed < deficit:
        removed += reconcile(ctx, spec, state)
    return removed


def sweep_archived(ctx: Context, spec: TableSpec, state: SyncState, wanted: int | None = None) -> int:
    """Remove cached records HubSpot lists as archived; stop once ``wanted`` were found."""
    assert spec.object_type is not None
    removed = 0
    if not ctx.may_spend(1, False):
        return 0
    for page in ctx.client_live.iter_pages(spec.object_type.api_path, properties=["hs_object_id"], archived=True,
                                           limit=ctx.config.page_size):
        removed += len(remove(ctx, spec, state, [Removal(r.id, "archived", deleted_at=r.archived_at)
                                                  for r in page.results]))
        if (wanted is not None and removed >= wanted) or not ctx.may_spend(1, False):
            break
    state.last_sweep_at = now_utc()
    ctx.checkpoint(state)
    return removed


def reconcile(ctx: Context, spec: TableSpec, state: SyncState) -> int:
    """Diff every id HubSpot lists with the cache's ids: cached ids HubSpot no longer
    has are ``gone``; ids the cache lacks are fetched."""
    from hubspot_fdw.materializer import objects  # objects imports this module

    assert spec.object_type is not None
    otype = spec.object_type
    if not ctx.may_spend(max(1, -(-max(state.records_stored, 1) // ctx.config.page_size)), False):
        log.info("%s: id reconciliation deferred (today's API budget cannot afford it)", spec.name)
        return 0
    started = ctx.runner.execute("SELECT clock_timestamp() AS t")[0]["t"]
    live: set[str] = set()
    for page in ctx.client_live.iter_pages(otype.api_path, properties=["hs_object_id"], limit=ctx.config.page_size):
        live.update(r.id for r in page.results)
        if ctx.stop.is_set():
            return 0
    cached = ctx.store.all_ids(spec)
    stale = ctx.store.ids_written_before(spec, cached - live, started)
    gone = remove(ctx, spec, state, [Removal(i, "gone") for i in sorted(stale)])
    missing = sorted(live - cached)
    for i in range(0, len(missing), 100):
        records = list(ctx.client_live.batch_read(otype.api_path, missing[i:i + 100],
                                                  properties=objects.properties_of(spec)))
        objects.store_records(ctx, spec, state, records, refresh_associations=True)
    if missing:
        log.info("%s: reconciliation fetched %d missing record(s)", spec.name, len(missing))
    state.cursors["reconciled_at"] = now_utc().isoformat()
    ctx.checkpoint(state)
    return len(gone)
