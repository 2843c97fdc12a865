"""Without shared_preload_libraries: start_sync still runs a worker and says that it
lasts until the next restart; after a restart the mark stays but nothing runs until
start_sync is called again."""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from tests.worker.cluster import Cluster, query, wait_for


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster(preload=False)
    c.start()
    yield c
    c.destroy()


def workers(db) -> list[int]:
    return [r[0] for r in query(db, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'hubspot_fdw sync'")]


def contacts_live(db) -> bool:
    return bool(query(db, "SELECT 1 FROM hubspot_fdw.sync_status WHERE table_name = 'contacts' AND phase = 'live'"))


def test_start_sync_without_preloading_says_so_and_syncs(db) -> None:
    conn = db.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT hubspot_fdw.start_sync('hubspot')")
        pid = cur.fetchone()[0]
    notices = " ".join(conn.notices)
    conn.close()
    assert "not in shared_preload_libraries" in notices and "until the server restarts" in notices
    wait_for("the worker in pg_stat_activity", lambda: workers(db) == [pid])
    wait_for("contacts live", lambda: contacts_live(db), timeout=120)


def test_after_a_restart_nothing_runs_until_start_sync(cluster, db) -> None:
    cluster.stop("fast")
    cluster.start()
    time.sleep(2.0)
    assert workers(db) == []
    assert query(db, "SELECT marked, running FROM hubspot_fdw.sync_workers")[0] == (True, None)
    pid = query(db, "SELECT hubspot_fdw.start_sync('hubspot')")[0][0]
    wait_for("the worker in pg_stat_activity", lambda: workers(db) == [pid])
    assert query(db, "SELECT hubspot_fdw.stop_sync('hubspot')")[0][0] is True
    assert workers(db) == []


def test_start_sync_refuses_bad_input(db) -> None:
    import psycopg2
    with pytest.raises(psycopg2.errors.UndefinedObject, match='server "nope" does not exist'):
        query(db, "SELECT hubspot_fdw.start_sync('nope')")
    query(db, "DROP ROLE IF EXISTS alice")
    query(db, "CREATE ROLE alice LOGIN")
    query(db, "GRANT EXECUTE ON FUNCTION hubspot_fdw.start_sync(text) TO alice")
    query(db, "GRANT USAGE ON FOREIGN SERVER hubspot TO alice")
    query(db, "GRANT USAGE ON SCHEMA hubspot_fdw TO alice")
    conn = db.connect(user="alice")
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.UndefinedObject,
                                                  match='user mapping not found for "alice"'):
            cur.execute("SELECT hubspot_fdw.start_sync('hubspot')")
    finally:
        conn.close()
    # a role that cannot log in cannot run a worker (after SET ROLE to a group, say)
    query(db, "DROP ROLE IF EXISTS readers")
    query(db, "CREATE ROLE readers NOLOGIN")
    query(db, "GRANT USAGE ON SCHEMA hubspot_fdw TO readers")
    query(db, "GRANT EXECUTE ON FUNCTION hubspot_fdw.start_sync(text) TO readers")
    query(db, "GRANT USAGE ON FOREIGN SERVER hubspot TO readers")
    query(db, "CREATE USER MAPPING FOR readers SERVER hubspot OPTIONS (access_token 'x')")
    conn = db.connect()
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InvalidAuthorizationSpecification,
                                                  match='role "readers" cannot log in'):
            cur.execute("SET ROLE readers; SELECT hubspot_fdw.start_sync('hubspot')")
    finally:
        conn.close()
    query(db, "DROP USER MAPPING FOR readers SERVER hubspot")
    assert workers(db) == []


def test_start_sync_in_a_transaction_that_rolls_back_starts_nothing(db) -> None:
    conn = db.connect(autocommit=False)
    with conn.cursor() as cur:
        cur.execute("SELECT hubspot_fdw.start_sync('hubspot')")
        pid = cur.fetchone()[0]
        time.sleep(1.0)  # the worker waits for this transaction
        assert pid in workers(db)
    conn.rollback()
    conn.close()
    wait_for("the worker gone", lambda: workers(db) == [], timeout=30)
    assert query(db, "SELECT count(*) FROM hubspot_fdw.sync_workers WHERE marked")[0][0] == 0
