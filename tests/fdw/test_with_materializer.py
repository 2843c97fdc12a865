"""End to end with the real materializer: refresh() backfills the cache, read_mode auto
switches to it, and a write through the foreign table leaves a row whose _sync_hash the
materializer's next pass finds unchanged."""

from __future__ import annotations

from fdw.conftest import explain, query

MAX_PASSES = 20


def backfill(conn, table: str) -> None:
    for _ in range(MAX_PASSES):
        query(conn, "SELECT hubspot_fdw.refresh(%s::regclass)", (table,))
        done = query(conn, "SELECT backfill_done FROM hubspot_fdw.sync_state WHERE table_name = %s",
                     (table.split(".")[1],))
        if done and done[0][0]:
            return
    raise AssertionError(f"{table} not backfilled after {MAX_PASSES} passes")


def test_auto_switches_to_the_materialized_cache(conn, sim):
    assert "read mode: live" in explain(conn, "SELECT id FROM hubspot.companies")
    backfill(conn, "hubspot.companies")
    plan = explain(conn, "SELECT id FROM hubspot.companies")  # planned in C: the cache table itself
    assert "Foreign Scan" not in plan and "hubspot_cache.companies \"companies (hubspot cache)\"" in plan
    sim.clear_requests()
    cached = query(conn, "SELECT id, name FROM hubspot.companies ORDER BY id")
    assert sim.requests() == [] and len(cached) == 8
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert query(conn, "SELECT id, name FROM hubspot.companies ORDER BY id") == cached


def test_fdw_write_hash_matches_the_materializer(conn):
    backfill(conn, "hubspot.companies")
    new_id = query(conn, "INSERT INTO hubspot.companies (name, domain) VALUES ('Arrakis Spice', 'spice.example') "
                         "RETURNING id")[0][0]
    before = query(conn, "SELECT _sync_hash, _sync_updated_at FROM hubspot_cache.companies WHERE id = %s",
                   (new_id,))
    assert before and before[0][0]
    query(conn, "SELECT hubspot_fdw.refresh('hubspot.companies'::regclass)")
    after = query(conn, "SELECT _sync_hash, _sync_updated_at FROM hubspot_cache.companies WHERE id = %s",
                  (new_id,))
    assert after == before  # unchanged hash: the materializer did not rewrite the row
