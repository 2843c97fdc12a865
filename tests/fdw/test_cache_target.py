"""The cache-target rules have one home (C) that SQL asks and Python agrees with: the
default cache schema of a server whose name is longer than 57 bytes is the same for the
planner, the sync's bookkeeping and the Python paths, and such a server's cache is read;
the sync state of a table is shown only to roles that may read it; refresh() refused to a
non-superuser names no internal function.

Not here: the read-mode decision itself (test_cache_substitute.py).
"""

from __future__ import annotations

from typing import Any

import psycopg2
import pytest

from fdw.conftest import explain, fill_cache, query, setup_server
from hubspot_fdw.cache.names import cache_schema

LONG = "s" * 36 + "_hubspot_portal_numero_uno"  # 62 bytes: "<server>_cache" would not fit


@pytest.mark.parametrize("server", ["hubspot", "x" * 57, "y" * 58, LONG, "é" * 30])
def test_sql_and_python_agree_on_the_default_cache_schema(conn, server: str) -> None:
    assert query(conn, "SELECT hubspot_fdw._default_cache_schema(%s)", (server,))[0][0] == \
        cache_schema(None, server)


def test_a_long_server_name_reads_its_cache(db, sim, conn) -> None:
    setup_server(conn, sim, server=f'"{LONG}"')
    query(conn, "CREATE SCHEMA longname")
    query(conn, f'IMPORT FOREIGN SCHEMA hubspot LIMIT TO (companies) FROM SERVER "{LONG}" INTO longname')
    schema = cache_schema(None, LONG)
    assert query(conn, "SELECT cache_schema FROM hubspot_fdw._cache_target('longname.companies')") == [(schema,)]
    fill_cache(db, sim, ["companies"], server=LONG, schema=schema)
    query(conn, "SET hubspot_fdw.read_mode = 'auto'")
    plan = explain(conn, "SELECT id, name FROM longname.companies")
    assert schema in plan and "Foreign Scan" not in plan
    assert query(conn, "SELECT count(*) FROM longname.companies")[0][0] == 8
    assert query(conn, "SELECT server_name, table_name FROM hubspot_fdw._sync_target("
                       f"'\"{schema}\".companies')") == [(LONG, "companies")]


def _as(db, role: str, sql: str) -> Any:
    conn = db.connect(user=role)
    try:
        return query(conn, sql)
    finally:
        conn.close()


def test_sync_times_only_for_tables_a_role_may_read(db, sim, conn) -> None:
    fill_cache(db, sim, ["contacts", "deals"])
    query(conn, "UPDATE hubspot_fdw.sync_state SET synced_through = now() WHERE table_name = 'contacts'")
    query(conn, "CREATE ROLE peeker LOGIN")
    query(conn, "GRANT USAGE ON SCHEMA hubspot TO peeker")
    query(conn, "GRANT SELECT ON hubspot.contacts TO peeker")
    assert _as(db, "peeker", "SELECT hubspot_fdw._table_synced_through('hubspot.contacts') IS NOT NULL") == [(True,)]
    for sql in ("SELECT hubspot_fdw._table_synced_through('hubspot.deals')",
                "SELECT hubspot_fdw._synced_through('hubspot', 'contacts')"):
        with pytest.raises(psycopg2.Error) as raised:
            _as(db, "peeker", sql)
        assert raised.value.pgcode == "42501"
    assert _as(db, "peeker", "SELECT hubspot_fdw.wait_for_sync('hubspot.contacts', '0 seconds')") == [(False,)]


def test_refresh_refused_in_words(db, conn) -> None:
    query(conn, "DROP ROLE IF EXISTS refresher")
    query(conn, "CREATE ROLE refresher LOGIN")
    query(conn, "GRANT USAGE ON SCHEMA hubspot TO refresher")
    query(conn, "GRANT SELECT ON hubspot.contacts TO refresher")
    query(conn, "GRANT EXECUTE ON FUNCTION hubspot_fdw.refresh(regclass) TO refresher")
    with pytest.raises(psycopg2.Error) as raised:
        _as(db, "refresher", "SELECT hubspot_fdw.refresh('hubspot.contacts')")
    assert raised.value.pgcode == "42501"
    assert raised.value.diag.message_primary == "permission denied to refresh hubspot.contacts"
    assert "_python_call" not in str(raised.value)


@pytest.mark.parametrize("substitution", ["on", "off"])
def test_a_cache_schema_not_stamped_for_the_server_is_refused(db, sim, conn, substitution: str) -> None:
    """Whatever the options say, reads and writes touch only the cache stamped for the server."""
    fill_cache(db, sim, ["companies"])
    query(conn, "INSERT INTO hubspot_fdw.cache_portals (cache_schema, server_name, portal_id) "
                "VALUES ('hubspot_cache', 'hubspot', 1) ON CONFLICT DO NOTHING")
    query(conn, "CREATE SCHEMA IF NOT EXISTS hr")
    query(conn, "CREATE TABLE IF NOT EXISTS hr.companies (LIKE hubspot_cache.companies)")
    query(conn, "ALTER SERVER hubspot OPTIONS (ADD cache_schema 'hr')")
    try:
        query(conn, f"SET hubspot_fdw.cache_substitution = {substitution}")
        query(conn, "SET hubspot_fdw.read_mode = 'cache'")
        for sql in ("SELECT id FROM hubspot.companies LIMIT 1",
                    "UPDATE hubspot.companies SET name = 'x' WHERE id = '1'"):
            with pytest.raises(psycopg2.Error) as raised:
                query(conn, sql)
            assert raised.value.pgcode == "55000", raised.value
            assert 'schema "hr" is not the cache of server "hubspot"' in raised.value.diag.message_primary
        query(conn, "SET hubspot_fdw.read_mode = 'live'")
        sim.clear_requests()
        with pytest.raises(psycopg2.Error) as raised:
            query(conn, "INSERT INTO hubspot.companies (name) VALUES ('never sent')")
        assert raised.value.pgcode == "55000"
        assert sim.requests() == []  # refused before any call to HubSpot
    finally:
        query(conn, "RESET ALL")
        query(conn, "ALTER SERVER hubspot OPTIONS (DROP cache_schema)")
        query(conn, "DELETE FROM hubspot_fdw.cache_portals WHERE server_name = 'hubspot'")
