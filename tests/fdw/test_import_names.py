"""IMPORT FOREIGN SCHEMA never fails for every table because of one property: a portal
holding properties named like system columns (xmin, ctid) and two long names that
collide after PostgreSQL's 63-byte truncation imports every table, with the documented
column names (docs/access.md) and the HubSpot name kept in the column option; the
records read and write through those columns. Bad option values and NULL arrays in
conditions get PostgreSQL's answers.

Not here: the naming rules in isolation (tests/catalog).
"""

from __future__ import annotations

from typing import Any

import psycopg2
import pytest
import requests

from fdw.conftest import fill_cache, query

LONG_A = "customer_lifetime_value_forecast_for_the_next_fiscal_year_in_eur_primary"
LONG_B = "customer_lifetime_value_forecast_for_the_next_fiscal_year_in_eur_secondary"
ODD = ("xmin", "ctid", "tableoid", LONG_A, LONG_B)


def api(sim: Any, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(method, sim.base_url + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {sim.token}"})
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def odd_portal(db, sim) -> str:
    for name in ODD:
        api(sim, "POST", "/crm/v3/properties/contacts",
            {"name": name, "label": name, "type": "string", "fieldType": "text", "groupName": "contactinformation"})
    some_id = api(sim, "GET", "/crm/v3/objects/contacts?limit=1")["results"][0]["id"]
    api(sim, "PATCH", f"/crm/v3/objects/contacts/{some_id}",
        {"properties": {"xmin": "x-value", LONG_A: "a-value", LONG_B: "b-value"}})
    with db.connect() as conn:
        query(conn, "CREATE SCHEMA odd")
        query(conn, "IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO odd")
    return some_id


def columns(conn: Any, table: str) -> dict[str, str]:
    """column name -> its 'property' option (or '')."""
    rows = query(conn, "SELECT a.attname, coalesce((SELECT substr(o, 10) FROM unnest(a.attfdwoptions) o "
                       "WHERE o LIKE 'property=%%'), '') FROM pg_attribute a "
                       "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped", (table,))
    return dict(rows)


def test_every_table_is_imported(conn, odd_portal) -> None:
    imported = {r[0] for r in query(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                                          "WHERE foreign_table_schema = 'odd'")}
    reference = {r[0] for r in query(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                                           "WHERE foreign_table_schema = 'hubspot'")}
    assert imported == reference and "contacts" in imported


def test_documented_column_names_keep_the_hubspot_name(conn, odd_portal) -> None:
    found = columns(conn, "odd.contacts")
    assert found["prop_xmin"] == "xmin"
    assert found["prop_ctid"] == "ctid"
    assert found["prop_tableoid"] == "tableoid"
    long_columns = {c: p for c, p in found.items() if p in (LONG_A, LONG_B)}
    assert sorted(long_columns.values()) == [LONG_A, LONG_B]
    assert all(len(c.encode()) <= 63 for c in long_columns)
    assert long_columns.get(LONG_A[:63]) == LONG_A          # the first keeps the cut name
    assert long_columns.get(LONG_B[:61] + "_2") == LONG_B   # the second gets a suffix


def test_odd_columns_read_live_and_from_the_cache(db, sim, conn, odd_portal) -> None:
    cut_a, cut_b = LONG_A[:63], LONG_B[:61] + "_2"
    sql = f'SELECT prop_xmin, "{cut_a}", "{cut_b}" FROM odd.contacts WHERE id = %s'
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert query(conn, sql, (odd_portal,)) == [("x-value", "a-value", "b-value")]
    fill_cache(db, sim, ["contacts"])
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    assert query(conn, sql, (odd_portal,)) == [("x-value", "a-value", "b-value")]


def test_odd_column_writes_reach_the_property(conn, sim, odd_portal) -> None:
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    query(conn, "UPDATE odd.contacts SET prop_xmin = 'changed' WHERE id = %s", (odd_portal,))
    record = api(sim, "GET", f"/crm/v3/objects/contacts/{odd_portal}?properties=xmin")
    assert record["properties"]["xmin"] == "changed"


def test_bad_object_type_option_is_a_clean_error(conn, odd_portal) -> None:
    query(conn, "CREATE SCHEMA bad_import")
    with pytest.raises(psycopg2.Error) as raised:
        query(conn, "IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO bad_import "
                    "OPTIONS (object_type 'no_such_type')")
    assert raised.value.pgcode == "HV00D"
    assert "contacts" in (raised.value.diag.message_hint or "")


@pytest.mark.parametrize("mode", ("live", "cache"))
def test_any_of_a_null_array_is_no_rows(conn, odd_portal, mode: str) -> None:
    query(conn, "SET hubspot_fdw.read_mode = %s", (mode,))
    assert query(conn, "SELECT id FROM odd.contacts WHERE id = ANY(NULL::text[])") == []
    assert query(conn, "SELECT id FROM odd.contacts WHERE email = ANY(NULL::text[])") == []
    assert query(conn, "SELECT id FROM odd.contacts WHERE email <> ALL(NULL::text[])") == []
