"""Values HubSpot holds that a column cannot: text with NUL characters (accepted by the
public API) and uncastable raw values (set through the simulator's admin API). They read
the same live and from the cache: text without its NULs, NULL for what does not convert;
a live statement gives one WARNING naming the table, the records and the columns (or an
error with the option invalid_values 'error'); the sync records the originals in
sync_errors and goes on. Also: datetimes of years 1 and 999 are sent zero-padded, and
RETURNING shows what HubSpot stored (milliseconds) on every write path."""

from __future__ import annotations

from datetime import date, datetime, timezone

import psycopg2
import pytest

from fdw.conftest import query
from tests.fdw.test_with_materializer import backfill

UTC = timezone.utc


def _warnings(conn) -> list[str]:
    found = [n for n in conn.notices if n.startswith("WARNING:")]
    conn.notices.clear()
    return found


@pytest.fixture(scope="module")
def odd_ids(client, sim) -> dict[str, str]:
    """A contact with a NUL in firstname (public API) and one with annualrevenue 'lots'
    and date_of_birth 'yesterday' (admin API, stored unchecked)."""
    nul = client.create_object("contacts", {"firstname": "nul\u0000api", "lastname": "Odd"})
    raw = client.create_object("contacts", {"firstname": "Raw", "lastname": "Odd"})
    sim.admin("PATCH", f"/objects/contacts/{raw.id}",
              {"properties": {"annualrevenue": "lots", "date_of_birth": "yesterday"}, "raw": True})
    return {"nul": nul.id, "raw": raw.id}


def test_nul_text_reads_without_nul_with_one_warning(conn, odd_ids):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    conn.notices.clear()
    rows = query(conn, "SELECT id, firstname FROM hubspot.contacts WHERE id = %s", (odd_ids["nul"],))
    assert rows == [(odd_ids["nul"], "nulapi")]
    warnings = _warnings(conn)
    assert len(warnings) == 1
    assert f"contacts: 1 HubSpot value(s)" in warnings[0] and f"record(s) {odd_ids['nul']}" in warnings[0]
    assert "column(s) firstname" in warnings[0]


def test_uncastable_values_read_as_null_with_one_warning(conn, odd_ids):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    conn.notices.clear()
    rows = query(conn, "SELECT id, annualrevenue, date_of_birth FROM hubspot.contacts WHERE lastname = 'Odd' "
                       "ORDER BY id")
    assert sorted(rows) == sorted([(odd_ids["nul"], None, None), (odd_ids["raw"], None, None)])
    warnings = _warnings(conn)
    assert len(warnings) == 1, warnings
    assert f"record(s) {odd_ids['raw']}" in warnings[0] and "column(s) annualrevenue, date_of_birth" in warnings[0]
    # a whole-table list scan: still one WARNING for the statement
    query(conn, "SELECT count(date_of_birth), count(annualrevenue), count(firstname) FROM hubspot.contacts")
    warnings = _warnings(conn)
    assert len(warnings) == 1 and odd_ids["nul"] in warnings[0] and odd_ids["raw"] in warnings[0]


def test_option_makes_uncastable_values_an_error(conn, odd_ids):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (ADD invalid_values 'error')")
    try:
        with pytest.raises(psycopg2.Error) as info:
            query(conn, "SELECT date_of_birth FROM hubspot.contacts WHERE id = %s", (odd_ids["raw"],))
        assert info.value.pgcode == "22023"
        message = info.value.diag.message_primary
        assert f"record {odd_ids['raw']}" in message and "column date_of_birth" in message
        assert "'yesterday' is not a date" in message
        conn.rollback()
    finally:
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (DROP invalid_values)")
    with pytest.raises(psycopg2.Error) as bad:
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (ADD invalid_values 'maybe')")
    assert bad.value.pgcode == "HV00D"


def test_cache_matches_live_and_sync_errors_keep_the_originals(conn, odd_ids):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    sql = ("SELECT id, firstname, annualrevenue, date_of_birth FROM hubspot.contacts "
           "WHERE lastname = 'Odd' ORDER BY id")
    live = query(conn, sql)
    conn.notices.clear()
    backfill(conn, "hubspot.contacts")
    state = query(conn, "SELECT phase, last_error FROM hubspot_fdw.sync_state WHERE table_name = 'contacts'")
    assert state == [("live", None)]
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    assert query(conn, sql) == live
    errors = query(conn, "SELECT record_id, property, raw_value, error FROM hubspot_fdw.sync_errors "
                         "WHERE table_name = 'contacts' ORDER BY record_id, property")
    assert (odd_ids["nul"], "firstname", "nul\\u0000api", "text with NUL characters, stored without them") in errors
    assert (odd_ids["raw"], "annualrevenue", "lots", "'lots' is not a number") in errors
    assert (odd_ids["raw"], "date_of_birth", "yesterday", "'yesterday' is not a date") in errors
    count = query(conn, "SELECT cast_errors FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")
    assert count == [(len(errors),)]


@pytest.mark.parametrize("year", [1, 999])
def test_old_datetimes_and_dates_are_sent_zero_padded(conn, sim, year):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    sim.clear_requests()
    stamp = datetime(year, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    rows = query(conn, "INSERT INTO hubspot.deals (dealname, closedate) VALUES (%s, %s) RETURNING id, closedate",
                 (f"year {year}", stamp))
    conn.commit()
    deal_id, shown = rows[0]
    assert shown == stamp.replace(microsecond=123000)
    sent = [r for r in sim.requests() if r.get("method") == "POST" and r.get("path", "").endswith("/deals")]
    assert sent[-1]["body"]["properties"]["closedate"] == f"{year:04d}-01-01T00:00:00.123Z"
    assert query(conn, "SELECT closedate FROM hubspot.deals WHERE id = %s", (deal_id,)) == [(shown,)]
    born = date(year, 6, 30)
    query(conn, "UPDATE hubspot.contacts SET date_of_birth = %s WHERE lastname = 'Padded'", (born,))
    created = query(conn, "INSERT INTO hubspot.contacts (lastname, date_of_birth) VALUES ('Padded', %s) "
                          "RETURNING date_of_birth", (born,))
    conn.commit()
    assert created == [(born,)]


def test_returning_shows_milliseconds_on_every_write_path(conn):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    stamp = datetime(2024, 5, 6, 7, 8, 9, 987654, tzinfo=UTC)
    stored = stamp.replace(microsecond=987000)
    ids = [query(conn, "INSERT INTO hubspot.deals (dealname) VALUES (%s) RETURNING id", (f"ms {i}",))[0][0]
           for i in range(2)]
    conn.commit()
    single = query(conn, "UPDATE hubspot.deals SET closedate = %s WHERE id = %s RETURNING closedate",
                   (stamp, ids[0]))
    batch = query(conn, "UPDATE hubspot.deals SET closedate = %s WHERE id = ANY(%s) RETURNING closedate",
                  (stamp, ids))
    unchanged = query(conn, "UPDATE hubspot.deals SET closedate = %s WHERE id = %s RETURNING closedate",
                      (stamp, ids[0]))
    conn.commit()
    assert single == [(stored,)] and batch == [(stored,), (stored,)] and unchanged == [(stored,)]
    assert query(conn, "SELECT closedate FROM hubspot.deals WHERE id = ANY(%s)", (ids,)) == [(stored,), (stored,)]


def test_numbers_beyond_postgresql_numeric_read_as_null(conn, client, sim):
    """HubSpot keeps numbers such as 1e1000000 that PostgreSQL's numeric cannot hold: the
    column is NULL with the WARNING, not the whole statement an overflow error."""
    ids = []
    for value in ("1e1000000", "1e-20000", "1e400"):
        record = client.create_object("contacts", {"firstname": "Huge", "lastname": "Numbers"})
        sim.admin("PATCH", f"/objects/contacts/{record.id}", {"properties": {"annualrevenue": value}, "raw": True})
        ids.append(record.id)
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    conn.notices.clear()
    rows = query(conn, "SELECT id, annualrevenue = 1e400 FROM hubspot.contacts WHERE lastname = 'Numbers' ORDER BY id")
    assert rows == [(ids[0], None), (ids[1], None), (ids[2], True)]
    warnings = _warnings(conn)
    assert len(warnings) == 1 and "'1e1000000' is beyond PostgreSQL's numeric range" in warnings[0]
