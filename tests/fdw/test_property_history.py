"""Property history tables: imported with the others, live reads pushed down to batch
reads with history, the sync's backfill and follow-up, live and cache the same rows,
writes refused."""

from __future__ import annotations

import psycopg2
import pytest

from fdw.conftest import explain, query
from hubspot_fdw.cache.runner import PsycopgRunner
from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.engine import Materializer

FAST = SyncConfig(poll_interval=0.2, lookback_ms=5_000, index_lag_allowance_ms=0, sweep_interval=0,
                  reconcile_interval=3600, metadata_interval=3600, use_budget=False)
COLUMNS = "deal_id, property, value, changed_at, source_type, source_id, source_label, updated_by_user_id"


def sync(db, sim, tables=("deals", "deals_property_history")) -> None:
    connection = db.connect(autocommit=False)
    try:
        m = Materializer(HubSpotClient(sim.base_url, sim.token, use_budget=False), PsycopgRunner(connection),
                         "hubspot", "hubspot_cache", tables=list(tables), config=FAST)
        for _ in range(5):
            states = m.run_once()
            if all(s.backfill_done for s in states.values()):
                return
        raise AssertionError(f"not backfilled: {states}")
    finally:
        connection.close()


def stage_history(conn, deal_id: str) -> list[tuple]:
    return query(conn, f"SELECT {COLUMNS} FROM hubspot.deals_property_history "
                       "WHERE deal_id = %s AND property = 'dealstage' ORDER BY changed_at", (deal_id,))


def test_imported_with_the_others(conn):
    tables = {r[0] for r in query(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                                        "WHERE foreign_table_schema = 'hubspot'")}
    assert {"deals_property_history", "contacts_property_history", "companies_property_history",
            "tickets_property_history"} <= tables
    cols = query(conn, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                       "'hubspot' AND table_name = 'deals_property_history' ORDER BY ordinal_position")
    assert cols == [("deal_id", "text"), ("property", "text"), ("value", "text"),
                    ("changed_at", "timestamp with time zone"), ("source_type", "text"), ("source_id", "text"),
                    ("source_label", "text"), ("updated_by_user_id", "bigint")]
    query(conn, "CREATE SCHEMA only_history")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals_property_history) FROM SERVER hubspot "
                "INTO only_history")
    assert query(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                       "WHERE foreign_table_schema = 'only_history'") == [("deals_property_history",)]


def test_live_read_by_id_is_one_batch_read(conn, sim):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    deal = query(conn, "SELECT id, dealstage FROM hubspot.deals ORDER BY id LIMIT 1")[0]
    plan = explain(conn, "SELECT * FROM hubspot.deals_property_history WHERE deal_id = %s AND property = 'dealstage'",
                   (deal[0],))
    assert '/crm/v3/objects/deals/batch/read' in plan and '"propertiesWithHistory": ["dealstage"]' in plan
    sim.clear_requests()
    rows = stage_history(conn, deal[0])
    calls = sim.requests()
    assert [(c["method"], c["path"]) for c in calls] == [("POST", "/crm/v3/objects/deals/batch/read")]
    assert rows and rows[-1][2] == deal[1] and rows[0][4] == "IMPORT"
    assert [r[3] for r in rows] == sorted(r[3] for r in rows)


def test_live_scan_pages_at_fifty(conn, sim):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert "limit=50" in explain(conn, "SELECT * FROM hubspot.contacts_property_history")
    sim.clear_requests()
    rows = query(conn, "SELECT contact_id, property FROM hubspot.contacts_property_history")
    pages = [c for c in sim.requests() if c["path"] == "/crm/v3/objects/contacts"]
    assert len(pages) == 3 and all(c["query"]["limit"] == ["50"] for c in pages)       # 120 contacts
    assert {r[1] for r in rows} <= {"lifecyclestage", "hs_lead_status", "hubspot_owner_id"}


def test_writes_are_refused(conn):
    for sql in ("INSERT INTO hubspot.deals_property_history (deal_id, property, value) VALUES ('1', 'dealstage', 'x')",
                "DELETE FROM hubspot.deals_property_history WHERE deal_id = '1'",
                "UPDATE hubspot.deals_property_history SET value = 'x' WHERE deal_id = '1'"):
        with pytest.raises(psycopg2.Error) as info:
            query(conn, sql)
        assert info.value.pgcode == "42809" and "deals_property_history is read-only" in str(info.value)
        conn.rollback()


def test_sync_keeps_every_stage_in_order(conn, db, sim):
    sync(db, sim)
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    deal = query(conn, "SELECT id, dealstage FROM hubspot.deals ORDER BY id LIMIT 1")[0]
    before = [r[2] for r in stage_history(conn, deal[0])]
    assert before and before[-1] == deal[1]
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    client.update_object("deals", deal[0], {"dealstage": "contractsent"})
    sim.admin("PATCH", f"/objects/deals/{deal[0]}", {"properties": {"dealstage": "closedwon"}})
    sim.clear_requests()
    sync(db, sim)
    follow = [c for c in sim.requests() if c["path"] == "/crm/v3/objects/deals/batch/read"]
    assert len(follow) == 1
    cached = stage_history(conn, deal[0])
    assert [r[2] for r in cached] == before + ["contractsent", "closedwon"]
    assert [r[4] for r in cached[-2:]] == ["API", "CRM_UI"]
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert stage_history(conn, deal[0]) == cached
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    missing = query(conn, "SELECT count(*) FROM hubspot.deals d WHERE d.dealstage IS NOT NULL AND NOT EXISTS "
                          "(SELECT 1 FROM hubspot.deals_property_history h WHERE h.deal_id = d.id "
                          "AND h.property = 'dealstage' AND h.value = d.dealstage)")
    assert missing == [(0,)]


def test_history_properties_option(conn, sim):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    query(conn, "CREATE SCHEMA opt_history")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals_property_history) FROM SERVER hubspot INTO opt_history")
    deal = query(conn, "SELECT id, dealname FROM hubspot.deals ORDER BY id LIMIT 1")[0]
    sql = "SELECT property, value FROM opt_history.deals_property_history WHERE deal_id = %s AND property = 'dealname'"
    assert query(conn, sql, (deal[0],)) == []            # not among the default properties: no request at all
    query(conn, "ALTER FOREIGN TABLE opt_history.deals_property_history OPTIONS (ADD history_properties '*')")
    assert query(conn, sql, (deal[0],)) == [("dealname", deal[1])]
    every = {r[0] for r in query(conn, "SELECT property FROM opt_history.deals_property_history WHERE deal_id = %s",
                                 (deal[0],))}
    assert {"dealname", "dealstage", "hs_lastmodifieddate"} <= every
    query(conn, "ALTER FOREIGN TABLE opt_history.deals_property_history "
                "OPTIONS (SET history_properties 'amount, closedate')")
    assert {r[0] for r in query(conn, "SELECT property FROM opt_history.deals_property_history "
                                      "WHERE deal_id = %s", (deal[0],))} <= {"amount", "closedate"}


def test_except_leaves_history_out(conn):
    query(conn, "CREATE SCHEMA no_history")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot EXCEPT (deals_property_history) FROM SERVER hubspot INTO no_history")
    tables = {r[0] for r in query(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                                        "WHERE foreign_table_schema = 'no_history'")}
    assert "deals" in tables and "contacts_property_history" in tables and "deals_property_history" not in tables


def test_archived_record_leaves_the_history_cache(conn, db, sim):
    sync(db, sim)
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    deal = query(conn, "SELECT id FROM hubspot.deals ORDER BY id DESC LIMIT 1")[0][0]
    assert stage_history(conn, deal)
    sim.admin("POST", f"/objects/deals/{deal}/archive")
    for _ in range(3):
        sync(db, sim)
    assert query(conn, "SELECT 1 FROM hubspot_cache.deals WHERE id = %s", (deal,)) == []
    assert stage_history(conn, deal) == []


def test_history_synced_alone_follows_the_object_cache(conn, db, sim):
    sync(db, sim)
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    deal = query(conn, "SELECT id FROM hubspot.deals ORDER BY id LIMIT 1 OFFSET 2")[0][0]
    HubSpotClient(sim.base_url, sim.token, use_budget=False).update_object("deals", deal, {"amount": "4242"})
    sync(db, sim, tables=("deals",))
    sim.clear_requests()
    query(conn, "SELECT hubspot_fdw.refresh('hubspot.deals_property_history'::regclass)")
    reads = [c for c in sim.requests() if c["path"] == "/crm/v3/objects/deals/batch/read"]
    assert len(reads) == 1 and {"id": deal} in reads[0]["body"]["inputs"]
    amounts = query(conn, "SELECT value FROM hubspot.deals_property_history WHERE deal_id = %s "
                          "AND property = 'amount' ORDER BY changed_at DESC LIMIT 1", (deal,))
    assert amounts == [("4242",)]


def test_a_write_through_the_foreign_table_reaches_the_history(conn, db, sim):
    sync(db, sim)
    deal = query(conn, "SELECT id FROM hubspot.deals ORDER BY id LIMIT 1 OFFSET 3")[0][0]
    query(conn, "UPDATE hubspot.deals SET amount = 5150 WHERE id = %s", (deal,))
    conn.commit()
    query(conn, "SELECT hubspot_fdw.refresh('hubspot.deals_property_history'::regclass)")
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    amounts = query(conn, "SELECT value, source_type FROM hubspot.deals_property_history WHERE deal_id = %s "
                          "AND property = 'amount' ORDER BY changed_at DESC LIMIT 1", (deal,))
    assert amounts == [("5150", "API")]
