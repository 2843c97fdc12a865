"""The two-pool backfill: list pages from the low ids and search pages from the high ids
at once, exact (every record once, none missed) across the fronts and the search
windows, resumable from its checkpoint after a kill, and records created or changed
while it runs caught by the incremental cursor."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.materializer.conftest import (FAST, assert_exact, cached, kill_sync_when, materializer, run_sync,
                                         setup_server, start_sim)

TABLES = ["contacts", "companies", "associations_company_contact"]


@pytest.fixture(scope="module")
def big_sim():
    with start_sim(contacts=4_500, companies=300, deals=0) as s:
        yield s


def contact_requests(sim) -> tuple[list[dict], list[dict]]:
    made = [r for r in sim.requests() if r["path"].startswith("/crm/v3/objects/contacts")]
    lists = [r for r in made if r["method"] == "GET"]
    searches = [r for r in made if r["path"].endswith("/search") and r["body"].get("sorts") == [
        {"propertyName": "hs_object_id", "direction": "DESCENDING"}]]
    return lists, searches


def test_backfill_from_both_pools_is_exact(db, big_sim) -> None:
    sim = big_sim
    setup_server(db, sim)
    sim.clear_requests()
    m, conn = materializer(db, sim, TABLES, FAST)
    try:
        m.run_once()
    finally:
        conn.close()
    lists, searches = contact_requests(sim)
    assert_exact(db, sim, TABLES)
    assert lists and searches, "both fronts read"
    assert all(r["body"]["limit"] == 200 for r in searches)
    # every record read once, give or take the one page in flight when the fronts met
    read = 100 * len(lists) + 200 * len(searches)
    assert 4_500 <= read <= 4_500 + 300
    assert len(lists) + len(searches) < 4_500 / 100
    # each search is a new window below the last one: never an offset, never near the cap
    assert all("after" not in r["body"] for r in searches)


@pytest.mark.parametrize("pools, expected_lists, expected_searches", [("list", 45, 0), ("search", 0, 23)])
def test_one_pool_when_asked(db, big_sim, pools, expected_lists, expected_searches) -> None:
    sim = big_sim
    setup_server(db, sim)
    sim.clear_requests()
    m, conn = materializer(db, sim, ["contacts"], replace(FAST, backfill_pools=pools))
    try:
        m.run_once()
    finally:
        conn.close()
    lists, searches = contact_requests(sim)
    assert_exact(db, sim, ["contacts"])
    assert (len(lists), len(searches)) == (expected_lists, expected_searches)


def test_killed_backfill_resumes_exact_and_catches_changes(db) -> None:
    with start_sim(contacts=4_000, companies=100, deals=0, fault_latency_ms=30) as sim:
        setup_server(db, sim)
        kill_sync_when(db, ",".join(TABLES), "table_name = 'contacts' AND cursors ? 'search_low' AND cursors ? 'list_top' "
                       "AND records_stored >= 1000", timeout=90)
        with db.connect() as c, c.cursor() as cur:
            cur.execute("SELECT backfill_done, cursors->>'list_top', cursors->>'search_low' "
                        "FROM hubspot_fdw.sync_state WHERE table_name = 'contacts'")
            done, top, low = cur.fetchone()
        assert not done and int(top) < int(low)
        cached(db, ["contacts"])      # no duplicates, values consistent
        # changes while the backfill is stopped half-way: on both fronts' ground, between
        # them, and new records (above every id)
        ids = sorted(k[0] for k in cached(db, ["contacts"])["contacts"])
        for i in (ids[0], ids[len(ids) // 2], ids[-1], str(int(top) + 1), str(int(low) - 1)):
            sim.admin("PATCH", f"/objects/contacts/{i}", {"properties": {"lastname": f"T{i}"}})
        for n in range(3):
            sim.admin("POST", "/objects/contacts", {"properties": {"email": f"new{n}@two-pool.example"}})
        done = run_sync(db, "--once", "--tables", ",".join(TABLES))
        assert done.returncode == 0, done.stderr[-2000:]
        assert_exact(db, sim, TABLES)


def test_a_binding_daily_share_shifts_the_backfill_to_search_pages(db) -> None:
    """A day (50 calls, a quarter to a half kept for polls) that cannot afford the table by
    the fastest split (list pages, 45 calls, when the list pool is the far faster one): the
    list front waits while the search front, 200 records a call, reads; most records come
    by search pages and the table is done within the day."""
    limits = dict(no_limits=False, burst_limit=100_000, search_limit=100_000, daily_limit=50)
    with start_sim(contacts=4_500, companies=0, deals=0, **limits) as sim:
        setup_server(db, sim)
        sim.clear_requests()
        m, conn = materializer(db, sim, ["contacts"], replace(FAST, daily_share=1.0))
        try:
            states = m.run_once()
        finally:
            conn.close()
        lists, searches = contact_requests(sim)
        sim.admin("PUT", "/limits", {"enabled": False})
        assert states["contacts"].backfill_done
        assert_exact(db, sim, ["contacts"])
        assert searches and len(lists) + len(searches) <= 35 < 45
        assert 200 * len(searches) > 100 * len(lists)          # mostly search pages
        # both fronts start at once; once the search front's first page tells the count,
        # the list front waits until search pages have brought what is left within the
        # day's reach by the fastest split; then both read
        second_list = sorted(r["seq"] for r in lists)[1:2]
        assert not second_list or sum(1 for r in searches if r["seq"] < second_list[0]) >= 4
