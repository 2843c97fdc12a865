"""Parallel query never reaches the embedded interpreter, also when the library is not
preloaded (the session's first query loads it while being planned): forced parallel
mode plans HubSpot scans without it, and a scan that still arrives in a parallel worker
(through a function wrongly marked PARALLEL SAFE) is an ERROR that leaves the session
and its interpreter usable.

Not here: the same with the library preloaded (tests/worker/test_shared_server.py),
random queries (test_crash_hunt.py).
"""

from __future__ import annotations

from typing import Any, Iterator

import psycopg2
import pytest

from fdw.conftest import query
from pg_harness import debug_parallel_guc


@pytest.fixture(scope="module")
def reader(db, sim) -> Iterator[str]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE ROLE preader LOGIN")
        cur.execute("GRANT USAGE ON SCHEMA hubspot TO preader")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA hubspot TO preader")
        cur.execute("CREATE USER MAPPING FOR preader SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    yield "preader"


def session(db, role: str) -> Any:
    conn = db.connect(user=role)
    setting = debug_parallel_guc(conn)
    query(conn, "SET max_parallel_workers_per_gather = 2")
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    query(conn, f"SET {setting} = on")
    return conn


def test_the_first_query_of_a_session_in_forced_parallel_mode(db, reader: str) -> None:
    conn = session(db, reader)
    try:
        assert query(conn, "SELECT count(*) FROM (SELECT id FROM hubspot.contacts LIMIT 5) s") == [(5,)]
        assert len(query(conn, "SELECT id FROM hubspot.deals LIMIT 1")) == 1
    finally:
        conn.close()


def test_a_scan_in_a_parallel_worker_is_an_error_not_a_crash(db, reader: str) -> None:
    with db.connect() as admin:
        query(admin, "CREATE FUNCTION public.unsafe_count() RETURNS bigint LANGUAGE sql PARALLEL SAFE "
                     "AS 'SELECT count(*) FROM hubspot.contacts'")
    conn = session(db, reader)
    try:
        with pytest.raises(psycopg2.Error) as raised:
            query(conn, "SELECT public.unsafe_count()")
        assert raised.value.pgcode == "0A000", raised.value
        assert "parallel mode" in raised.value.diag.message_primary
        assert len(query(conn, "SELECT id FROM hubspot.contacts LIMIT 2")) == 2
        query(conn, "RESET ALL")
        assert query(conn, "SELECT public.unsafe_count()")[0][0] > 0
    finally:
        conn.close()
