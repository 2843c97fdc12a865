"""refresh(regclass) from SQL (inside the backend), wait_for_sync, sync_status, sync_errors."""

from __future__ import annotations

import json
import threading

from tests.materializer.conftest import assert_exact, materializer, setup_server


def _cache_table_oid(cur, name):
    cur.execute("SELECT %s::regclass::oid", (f"hubspot_cache.{name}",))
    return cur.fetchone()[0]


def test_refresh_from_sql(db, sim) -> None:
    sim.reset()
    setup_server(db, sim)
    m, conn = materializer(db, sim, tables=["contacts"])
    m.prepare()  # the cache table exists so that refresh() can name it
    conn.close()
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT hubspot_fdw.refresh('hubspot_cache.contacts')")
        summary = json.loads(cur.fetchone()[0])
        assert summary["phase"] == "live" and summary["records_stored"] == 120
    assert_exact(db, sim, ["contacts"])
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")
        cid = cur.fetchone()[0]
        sim.admin("PATCH", f"/objects/contacts/{cid}", {"properties": {"firstname": "FromSQL"}})
        cur.execute("SELECT hubspot_fdw.refresh('hubspot_cache.contacts')")
        cur.execute("SELECT firstname FROM hubspot_cache.contacts WHERE id = %s", (cid,))
        assert cur.fetchone()[0] == "FromSQL"
        cur.execute("SELECT phase, records_stored FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")
        assert cur.fetchone() == ("live", 120)


def test_wait_for_sync_and_cast_errors(db, sim) -> None:
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1 OFFSET 1")
        cid = cur.fetchone()[0]
    m, conn = materializer(db, sim, tables=["contacts"])
    # a value that does not cast to its column (stored raw by the admin API): recorded, not fatal
    sim.admin("PATCH", f"/objects/contacts/{cid}", {"properties": {"annualrevenue": "many"}, "raw": True})
    worker = threading.Thread(target=m.run_forever, kwargs={"max_seconds": 3.0})
    worker.start()
    try:
        with db.connect() as c, c.cursor() as cur:
            cur.execute("SELECT hubspot_fdw.wait_for_sync('hubspot_cache.contacts', '10 seconds')")
            assert cur.fetchone()[0] is True
            cur.execute("SELECT property, raw_value FROM hubspot_fdw.sync_errors WHERE record_id = %s", (cid,))
            rows = cur.fetchall()
            cur.execute("SELECT phase FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")
            assert cur.fetchone()[0] == "live"
    finally:
        worker.join(30)
        conn.close()
    assert rows == [("annualrevenue", "many")]


def test_refresh_imported_foreign_table(db, sim) -> None:
    """refresh() named by a foreign table of an imported schema (the FDW)."""
    sim.reset()
    setup_server(db, sim)
    with db.connect() as c, c.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS hubspot CASCADE; CREATE SCHEMA hubspot")
        cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
    m, conn = materializer(db, sim, tables=["contacts"])
    m.prepare()  # the cache table exists before the first pass (the daemon creates it)
    conn.close()
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT hubspot_fdw.refresh('hubspot.contacts')")
        summary = json.loads(cur.fetchone()[0])
        assert summary["table"] == "contacts" and summary["phase"] == "live"
        assert summary["records_stored"] == 120
        cur.execute("SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")
        cid = cur.fetchone()[0]
        sim.admin("PATCH", f"/objects/contacts/{cid}", {"properties": {"firstname": "ViaForeignTable"}})
        cur.execute("SELECT hubspot_fdw.refresh('hubspot.contacts')")
        cur.execute("SELECT firstname FROM hubspot.contacts WHERE id = %s", (cid,))  # read_mode auto: cache
        assert cur.fetchone()[0] == "ViaForeignTable"
        cur.execute("SELECT phase, records_stored FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")
        assert cur.fetchone() == ("live", 120)
    assert_exact(db, sim, ["contacts"])


def test_sync_status_counts_the_budget_day_of_the_portals_time_zone(db) -> None:
    """Calls today are the portal's day's, whatever the reader's TimeZone: a portal at
    UTC+14 read from a session at UTC-12 (their dates always differ)."""
    with db.connect() as c, c.cursor() as cur:
        cur.execute("INSERT INTO hubspot_fdw.sync_state (server_name, table_name, cache_schema, phase, "
                    "backfill_done, api_calls_today, api_calls_day) VALUES ('tz_portal', 'contacts', "
                    "'tz_portal_cache', 'live', true, 5, ((now() - interval '60 s') AT TIME ZONE 'Etc/GMT-14')::date)")
        cur.execute("INSERT INTO hubspot_fdw.sync_budget (server_name, calls_day, calls_today, budget_zone) "
                    "VALUES ('tz_portal', ((now() - interval '60 s') AT TIME ZONE 'Etc/GMT-14')::date, 7, 'Etc/GMT-14')")
        try:
            cur.execute("SET TimeZone = 'Etc/GMT+12'")
            status = ("SELECT api_calls_today, server_calls_today, budget_time_zone FROM hubspot_fdw.sync_status "
                      "WHERE server_name = 'tz_portal'")
            cur.execute(status)
            assert cur.fetchone() == (5, 7, "Etc/GMT-14")
            cur.execute("UPDATE hubspot_fdw.sync_budget SET calls_day = calls_day - 1 WHERE server_name = 'tz_portal'")
            cur.execute(status)
            assert cur.fetchone()[1] == 0           # yesterday's calls are not today's
            cur.execute("UPDATE hubspot_fdw.sync_budget SET budget_zone = 'Nowhere/Bogus', "
                        "calls_day = ((now() - interval '60 s') AT TIME ZONE 'UTC')::date "
                        "WHERE server_name = 'tz_portal'")
            cur.execute(status)                      # a zone PostgreSQL does not know reads as UTC
            assert cur.fetchone()[1:] == (7, "Nowhere/Bogus")
        finally:
            cur.execute("DELETE FROM hubspot_fdw.sync_budget WHERE server_name = 'tz_portal'")
            cur.execute("DELETE FROM hubspot_fdw.sync_state WHERE server_name = 'tz_portal'")
