"""Schema drift without DROP: refresh_columns adds the columns of new HubSpot properties
to a foreign table and its cache table in place (grants, options, views stay), refreshes
comments and property_options, lists properties deleted in HubSpot, refuses a role that
does not own the table; the sync does the same from its own property listing."""

from __future__ import annotations

from typing import Any

import psycopg2
import pytest

from .conftest import fill_cache, query


def _new_property(client, name: str, object_type: str = "contacts", options: list[str] | None = None) -> None:
    body: dict[str, Any] = {"name": name, "label": name.replace("_", " ").title(), "groupName": "contactinformation",
                            "type": "string", "fieldType": "text"}
    if options:
        body.update(type="enumeration", fieldType="select",
                    options=[{"label": o.title(), "value": o, "displayOrder": i} for i, o in enumerate(options)])
    client.transport.request("POST", f"/crm/v3/properties/{object_type}", json_body=body)


def _connect_as(db, role: str) -> psycopg2.extensions.connection:
    return db.connect(user=role)


@pytest.fixture(scope="module")
def reader(db, sim) -> str:
    with db.connect() as conn:
        query(conn, "CREATE ROLE drift_reader LOGIN")
        query(conn, "CREATE ROLE drift_other LOGIN")
        query(conn, "GRANT USAGE ON SCHEMA hubspot TO drift_reader, drift_other")
        query(conn, "GRANT USAGE ON FOREIGN SERVER hubspot TO drift_reader, drift_other")
        for role in ("drift_reader", "drift_other"):
            query(conn, f"CREATE USER MAPPING FOR {role} SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    return "drift_reader"


def test_refresh_adds_the_column_keeping_grants_options_and_views(db, sim, client, reader) -> None:
    fill_cache(db, sim, ["contacts"])
    with db.connect() as conn:
        query(conn, "GRANT SELECT ON hubspot.contacts TO drift_reader")
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (ADD read_mode 'live')")
        query(conn, "CREATE VIEW public.contact_emails AS SELECT id, email FROM hubspot.contacts")
        _new_property(client, "shoe_size", options=["small", "large"])
        changes = query(conn, "SELECT * FROM hubspot_fdw.refresh_columns('hubspot.contacts')")
        assert changes == [("shoe_size", "shoe_size", "added")]
        assert query(conn, "SELECT hubspot_fdw.refresh_columns('hubspot.contacts')") == []  # nothing more
        assert query(conn, "SELECT attfdwoptions FROM pg_attribute WHERE attrelid = 'hubspot.contacts'::regclass "
                           "AND attname = 'shoe_size'")[0][0] == ["property=shoe_size", "hubspot_type=enumeration",
                                                                  "field_type=select"]
        assert "read_mode=live" in query(conn, "SELECT ftoptions FROM pg_foreign_table "
                                               "WHERE ftrelid = 'hubspot.contacts'::regclass")[0][0]
        assert query(conn, "SELECT col_description('hubspot.contacts'::regclass, "
                           "(SELECT attnum FROM pg_attribute WHERE attrelid = 'hubspot.contacts'::regclass "
                           "AND attname = 'shoe_size'))")[0][0].startswith("Shoe Size")
        assert query(conn, "SELECT value, label FROM hubspot_fdw.property_options "
                           "WHERE foreign_table = 'hubspot.contacts'::regclass AND column_name = 'shoe_size' "
                           "ORDER BY display_order") == [("small", "Small"), ("large", "Large")]
        assert query(conn, "SELECT count(*) FROM hubspot_fdw.property_options "
                           "WHERE foreign_table = 'hubspot.contacts'::regclass AND column_name = 'lifecyclestage'")[0][0] > 3
        assert query(conn, "SELECT 1 FROM information_schema.columns WHERE table_schema = 'hubspot_cache' "
                           "AND table_name = 'contacts' AND column_name = 'shoe_size'") == [(1,)]
        assert query(conn, "SELECT count(*) > 0 FROM public.contact_emails")[0][0]
        some = query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1")[0][0]
        sim.admin("PATCH", f"/objects/contacts/{some}", {"properties": {"shoe_size": "large"}})
        assert query(conn, "SELECT shoe_size FROM hubspot.contacts WHERE id = %s", (some,)) == [("large",)]
    with _connect_as(db, reader) as conn:  # the GRANT survived
        assert query(conn, "SELECT count(*) > 0 FROM hubspot.contacts WHERE shoe_size IS NULL")[0][0]


def test_another_session_sees_the_new_column(db, client) -> None:
    """A session that used the table before the refresh reads the new column after it."""
    before = db.connect()
    try:
        assert query(before, "SELECT count(*) FROM (SELECT id FROM hubspot.contacts LIMIT 3) s") == [(3,)]
        _new_property(client, "late_arrival")
        with db.connect() as conn:
            assert query(conn, "SELECT change FROM hubspot_fdw.refresh_columns('hubspot.contacts')") == [("added",)]
        assert query(before, "SELECT count(*) FROM (SELECT late_arrival FROM hubspot.contacts LIMIT 3) s") == [(3,)]
    finally:
        before.close()


def test_a_deleted_property_keeps_its_column_and_is_listed(db, sim, client, reader) -> None:
    _new_property(client, "old_code")
    conn = db.connect()  # autocommit: the refused UPDATE below rolls back alone
    try:
        assert query(conn, "SELECT change FROM hubspot_fdw.refresh_columns('hubspot.contacts')") == [("added",)]
        query(conn, "UPDATE hubspot_cache.contacts SET old_code = 'kept' WHERE id IN (SELECT id FROM "
                    "hubspot_cache.contacts LIMIT 3)")  # as a sync would have stored them
        client.transport.request("DELETE", "/crm/v3/properties/contacts/old_code")
        assert query(conn, "SELECT * FROM hubspot_fdw.refresh_columns('hubspot.contacts')") == [
            ("old_code", "old_code", "deleted in HubSpot")]
        assert query(conn, "SELECT foreign_table::text, column_name, property FROM hubspot_fdw.deleted_properties") == [
            ("hubspot.contacts", "old_code", "old_code")]
        some = query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1")[0][0]
        assert query(conn, "SELECT old_code FROM hubspot.contacts WHERE old_code IS NULL AND id = %s", (some,)) == [
            (None,)]  # live: NULL, and no filter on it reaches HubSpot
        with pytest.raises(psycopg2.Error) as info:
            query(conn, "UPDATE hubspot.contacts SET old_code = 'x' WHERE id = %s", (some,))
        assert info.value.pgcode == "428C9" and 'property "old_code" was deleted' in info.value.diag.message_detail
        assert query(conn, "SELECT count(old_code) FROM hubspot_cache.contacts") == [(0,)]
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts DROP COLUMN old_code")  # the user drops it
        assert query(conn, "SELECT count(*) FROM hubspot_fdw.deleted_properties")[0][0] == 0
        assert query(conn, "SELECT hubspot_fdw.refresh_columns('hubspot.contacts')") == []
    finally:
        conn.close()


def test_only_the_owner_may_refresh(db, sim, client, reader) -> None:
    _new_property(client, "not_for_you")
    other = _connect_as(db, "drift_other")
    try:
        for sql in ("SELECT hubspot_fdw.refresh_columns('hubspot.contacts')",
                    "SELECT hubspot_fdw._refresh_columns('hubspot.contacts')",
                    "SELECT hubspot_fdw._record_columns('hubspot.contacts', '{\"columns\": {\"email\": \"x\"}}')"):
            with pytest.raises(psycopg2.Error) as info:
                query(other, sql)
            assert info.value.pgcode == "42501", sql
        assert query(other, "SELECT count(*) FROM hubspot_fdw.refresh_schema_columns('hubspot')") == [(0,)]
    finally:
        other.close()
    conn = db.connect()
    try:
        assert query(conn, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'hubspot.contacts'::regclass "
                           "AND attname = 'not_for_you'") == [(0,)]
        assert query(conn, "SELECT col_description('hubspot.contacts'::regclass, 1)") != [("x",)]
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OWNER TO drift_other")
        with _connect_as(db, "drift_other") as owner:  # the new owner may
            assert query(owner, "SELECT column_name FROM hubspot_fdw.refresh_columns('hubspot.contacts')") == [
                ("not_for_you",)]
    finally:
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OWNER TO CURRENT_USER")
        conn.close()


def test_a_whole_schema_and_the_tables_without_properties(db, client) -> None:
    _new_property(client, "fleet_size", object_type="companies")
    with db.connect() as conn:
        rows = query(conn, "SELECT foreign_table::text, column_name, change FROM hubspot_fdw.refresh_schema_columns('hubspot')")
        assert ("hubspot.companies", "fleet_size", "added") in rows
        with pytest.raises(psycopg2.Error) as info:
            query(conn, "SELECT hubspot_fdw.refresh_columns('hubspot.owners')")
        assert info.value.pgcode == "42809"


def _sync_properties(db, sim) -> list[str]:
    """One property refresh of the sync for contacts; returns the HubSpot paths it called."""
    from hubspot_fdw.api import HubSpotClient
    from hubspot_fdw.cache import PsycopgRunner
    from hubspot_fdw.materializer.engine import Materializer

    connection = db.connect(autocommit=False)
    try:
        m = Materializer(HubSpotClient(sim.base_url, sim.token, use_budget=False), PsycopgRunner(connection),
                         "hubspot", "hubspot_cache", tables=["contacts"])
        sim.clear_requests()
        m.refresh_properties()
        return [r["path"] for r in sim.requests()]
    finally:
        connection.close()


def _has_column(db, name: str) -> bool:
    with db.connect() as conn:
        return query(conn, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'hubspot.contacts'::regclass "
                           "AND attname = %s", (name,)) == [(1,)]


def test_the_sync_adds_new_columns_from_its_own_listing(db, sim, client) -> None:
    _new_property(client, "favourite_colour")
    assert _sync_properties(db, sim) == ["/crm/v3/properties/contacts"]  # no extra call
    assert _has_column(db, "favourite_colour")
    with db.connect() as conn:
        query(conn, "ALTER SERVER hubspot OPTIONS (ADD add_new_columns 'false')")
    try:
        _new_property(client, "second_colour")
        _sync_properties(db, sim)
        assert not _has_column(db, "second_colour")
    finally:
        with db.connect() as conn:
            query(conn, "ALTER SERVER hubspot OPTIONS (DROP add_new_columns)")
