"""The suite runs against the PostgreSQL of PG_BIN (15 to 18), and what differs by version
works there: the cache substitution's permission check (moved into RTEPermissionInfo in
16), sorted scans (a path key's direction changed type in 18) and forced parallel plans
(the setting was renamed in 16; chosen here by server_version_num)."""

from __future__ import annotations

import re
import subprocess

import psycopg2
import pytest

from fdw.conftest import explain, query
from pg_harness import PG_BIN, debug_parallel_guc, server_version_num


def test_the_server_is_pg_bins(conn) -> None:
    version = subprocess.run([str(PG_BIN / "pg_config"), "--version"], capture_output=True, text=True,
                             check=True).stdout
    major = int(re.match(r"PostgreSQL (\d+)", version).group(1))
    assert server_version_num(conn) // 10000 == major
    assert 15 <= major <= 18


@pytest.mark.parametrize("mode", ["live", "cache"])
def test_forced_parallel_plan_gives_the_same_rows(conn, cached, mode: str) -> None:
    query(conn, "SET hubspot_fdw.read_mode = %s", (mode,))
    sql = "SELECT id FROM hubspot.contacts ORDER BY id DESC LIMIT 5"
    expected = query(conn, sql)
    assert len(expected) == 5 and expected == sorted(expected, reverse=True)
    query(conn, f"SET {debug_parallel_guc(conn)} = on")
    assert query(conn, sql) == expected


def test_the_cache_read_checks_the_foreign_tables_column_privileges(db, sim, conn, cached) -> None:
    query(conn, "DROP ROLE IF EXISTS version_reader")
    query(conn, "CREATE ROLE version_reader LOGIN")
    query(conn, "GRANT USAGE ON SCHEMA hubspot TO version_reader")
    query(conn, "GRANT SELECT (id) ON hubspot.contacts TO version_reader")
    query(conn, "CREATE USER MAPPING FOR version_reader SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    reader = db.connect(user="version_reader")
    try:
        query(reader, "SET hubspot_fdw.read_mode = 'cache'")
        assert "(hubspot cache)" in explain(reader, "SELECT id FROM hubspot.contacts")
        assert query(reader, "SELECT id FROM hubspot.contacts ORDER BY id") == \
            query(conn, "SELECT id FROM hubspot_cache.contacts ORDER BY id")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="contacts"):
            query(reader, "SELECT firstname FROM hubspot.contacts")
    finally:
        reader.close()
        query(conn, "DROP USER MAPPING FOR version_reader SERVER hubspot")
        query(conn, "DROP OWNED BY version_reader")
        query(conn, "DROP ROLE version_reader")
