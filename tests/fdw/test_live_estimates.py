"""Row estimates of live scans come from this database, never from HubSpot by default:
the cache table's statistics, else the total the materializer recorded in
``hubspot_fdw.sync_state``, else a default per table kind; conditions divide them.
``use_remote_estimate`` is validated like every option (HV00D). The estimates are read
from EXPLAIN's ``rows=``; the simulator's request log shows that planning asked nothing."""

from __future__ import annotations

import re
from typing import Iterator

import psycopg2
import pytest

from fdw.conftest import fill_cache, query
from hubspot_fdw.fdw.estimates import DEFAULT_ESTIMATES


@pytest.fixture
def live(conn):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    return conn


def estimated_rows(conn, sql: str) -> int:
    plan = "\n".join(r[0] for r in query(conn, "EXPLAIN " + sql))
    found = re.search(r"Foreign Scan on \S+\s+\(cost=[\d.]+\.\.[\d.]+ rows=(\d+)", plan)
    assert found, plan
    return int(found.group(1))


@pytest.fixture
def recorded(conn) -> Iterator:
    """Record a HubSpot total for a table the way the materializer does when a backfill starts."""
    tables: list[str] = []

    def record(table: str, total: int, done: bool = False) -> None:
        query(conn, "INSERT INTO hubspot_fdw.sync_state (server_name, table_name, cache_schema, phase, "
                    "backfill_done, backfill_total) VALUES ('hubspot', %s, 'hubspot_cache', 'backfilling', %s, %s) "
                    "ON CONFLICT (server_name, table_name) DO UPDATE SET backfill_total = EXCLUDED.backfill_total, "
                    "backfill_done = EXCLUDED.backfill_done", (table, done, total))
        tables.append(table)

    yield record
    query(conn, "DELETE FROM hubspot_fdw.sync_state WHERE server_name = 'hubspot' AND table_name = ANY(%s)",
          (tables,))


def test_without_local_knowledge_each_kind_has_its_default(live, sim):
    sim.clear_requests()
    assert estimated_rows(live, "SELECT * FROM hubspot.tickets") == DEFAULT_ESTIMATES["object"]
    assert estimated_rows(live, "SELECT * FROM hubspot.owners") == DEFAULT_ESTIMATES["owners"]
    assert estimated_rows(live, "SELECT * FROM hubspot.associations_company_contact") == \
        DEFAULT_ESTIMATES["association"]
    assert sim.requests() == []


def test_a_total_the_materializer_recorded_is_used(live, sim, recorded):
    recorded("tickets", 4321)
    sim.clear_requests()
    assert estimated_rows(live, "SELECT * FROM hubspot.tickets") == 4321
    assert estimated_rows(live, "SELECT * FROM hubspot.tickets WHERE subject = 'x'") == 432
    assert sim.requests() == []


def test_cache_statistics_come_first(db, live, sim, recorded):
    fill_cache(db, sim, ["deals"])              # 10 deals, backfill done
    recorded("deals", 5000, done=True)          # an old total: the finished cache knows better
    sim.clear_requests()
    assert estimated_rows(live, "SELECT * FROM hubspot.deals") == 10
    query(live, "ANALYZE hubspot_cache.deals")
    assert estimated_rows(live, "SELECT * FROM hubspot.deals") == 10
    assert sim.requests() == []


def test_a_partial_cache_counts_no_less_than_the_recorded_total(db, live, sim, recorded):
    fill_cache(db, sim, ["contacts"], backfill_done=False)      # 120 rows, backfill under way
    recorded("contacts", 500)
    assert estimated_rows(live, "SELECT * FROM hubspot.contacts") == 500
    recorded("contacts", 50)
    assert estimated_rows(live, "SELECT * FROM hubspot.contacts") == 120


def test_an_empty_cache_table_before_its_backfill_knows_nothing(db, live, sim, recorded):
    fill_cache(db, sim, ["products"], backfill_done=False)
    query(live, "TRUNCATE hubspot_cache.products")
    assert estimated_rows(live, "SELECT * FROM hubspot.products") == DEFAULT_ESTIMATES["object"]
    recorded("products", 77)
    assert estimated_rows(live, "SELECT * FROM hubspot.products") == 77


def test_use_remote_estimate_plans_with_hubspots_total(conn, live, sim):
    query(conn, "ALTER FOREIGN TABLE hubspot.calls OPTIONS (ADD use_remote_estimate 'true')")
    try:
        sim.clear_requests()
        assert estimated_rows(live, "SELECT * FROM hubspot.calls") == 2      # the simulator holds 2 calls
        assert [(r["method"], r["path"]) for r in sim.requests()] == [("POST", "/crm/v3/objects/calls/search")]
    finally:
        query(conn, "ALTER FOREIGN TABLE hubspot.calls OPTIONS (DROP use_remote_estimate)")


@pytest.mark.parametrize("ddl", [
    "ALTER SERVER hubspot OPTIONS (ADD use_remote_estimate 'sometimes')",
    "ALTER FOREIGN TABLE hubspot.deals OPTIONS (ADD use_remote_estimate '')",
    "CREATE SERVER other FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (use_remote_estimate 'ja')",
])
def test_an_invalid_use_remote_estimate_is_refused(conn, ddl):
    with pytest.raises(psycopg2.Error) as info:
        query(conn, ddl)
    assert info.value.pgcode == "HV00D"
    assert 'option "use_remote_estimate" must be a boolean' in info.value.diag.message_primary
    assert "true or false" in (info.value.diag.message_hint or "")


def test_use_remote_estimate_belongs_on_the_server_or_a_table(conn):
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (ADD use_remote_estimate 'true')")
    assert info.value.pgcode == "HV00D"
    assert "server or table" in (info.value.diag.message_hint or "")
