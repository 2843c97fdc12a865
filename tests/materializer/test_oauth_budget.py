"""An OAuth app's portal: HubSpot sends no X-HubSpot-RateLimit-Daily headers at all. The
sync still runs and counts its own calls for the day's budget (the daily limit stays
unknown, so the plan uses the assumed one)."""

from __future__ import annotations

import pytest

from tests.materializer.conftest import assert_exact, setup_server, start_sim, sync_once_live

TABLES = ["contacts", "companies", "associations_company_contact"]


@pytest.fixture(scope="module")
def sim():
    with start_sim(no_limits=False, burst_limit=2000, search_limit=1000, no_daily_headers=True) as s:
        yield s


def test_sync_without_daily_headers_counts_its_own_calls(db, sim) -> None:
    setup_server(db, sim, imported=TABLES)
    sync_once_live(db, sim, TABLES)
    assert_exact(db, sim, TABLES)
    calls = [e for e in sim.requests() if e["path"].startswith("/crm/")]
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT daily_limit, daily_remaining, calls_today FROM hubspot_fdw.sync_budget "
                    "WHERE server_name = 'hubspot'")
        daily_limit, daily_remaining, calls_today = cur.fetchone()
    assert daily_limit is None and daily_remaining is None     # HubSpot never said
    assert 0 < calls_today <= len(calls)                       # the sync's own count
