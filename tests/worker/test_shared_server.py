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

from pg_harness import Database, debug_parallel_guc
from tests.worker.cluster import Cluster, imported_database, query

TABLES = ["contacts", "companies", "deals"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster(preload=True, settings={"max_worker_processes": "16", "max_parallel_workers": "8"})
    c.start()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def db(cluster: Cluster, sim: Any) -> Database:
    database = imported_database(cluster, sim, "t_shared", TABLES)
    # a reader with SELECT and a PUBLIC mapping, as docs/access.md lists
    query(database, "CREATE ROLE reader LOGIN")
    query(database, "GRANT USAGE ON SCHEMA hubspot TO reader")
    query(database, "GRANT SELECT ON ALL TABLES IN SCHEMA hubspot TO reader")
    query(database, "CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    return database


def connect_as(db: Database, role: str) -> Any:
    return db.connect(user=role)


def run(conn: Any, sql: str, params: Any = None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def test_parallel_settings_never_crash_a_reader(db: Database) -> None:
    conn = connect_as(db, "reader")
    try:
        setting = debug_parallel_guc(conn)
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


# ---------- 1. options are validated however they are set ----------

@pytest.fixture(scope="module")
def alice(db: Database, sim: Any) -> str:
    """A role with USAGE on the server and its own user mapping, and a schema "hr" it may not read."""
    query(db, "CREATE ROLE alice LOGIN")
    query(db, "GRANT USAGE ON FOREIGN SERVER hubspot TO alice")
    query(db, "GRANT USAGE ON SCHEMA hubspot TO alice")
    query(db, "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA hubspot TO alice")
    query(db, "CREATE USER MAPPING FOR alice SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    query(db, "CREATE SCHEMA hr")
    query(db, "CREATE TABLE hr.contacts AS SELECT 'secret'::text AS id, 'salary'::text AS email")
    return "alice"


WHERE_OPTIONS = [("cache_schema", "hr"), ("read_mode", "cache"), ("api_url", "http://127.0.0.1:9"),
                 ("wrapper", "hubspot_fdw.HubSpotFdw"), ("table", "contacts")]
PHRASINGS = {
    "top level": "{sql}",
    "DO block": "DO $$ BEGIN EXECUTE {literal}; END $$",
    "function": "CREATE FUNCTION pg_temp.f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN EXECUTE {literal}; "
                "END $f$; SELECT pg_temp.f()",
}


@pytest.mark.parametrize("phrasing", PHRASINGS)
@pytest.mark.parametrize("option,value", WHERE_OPTIONS)
def test_a_user_mapping_holds_only_what_belongs_to_a_user(db: Database, alice: str, phrasing: str,
                                                          option: str, value: str) -> None:
    sql = f"ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (ADD {option} '{value}')"
    conn = connect_as(db, alice)
    try:
        literal = run(conn, "SELECT quote_literal(%s)", (sql,))[0][0]
        with pytest.raises(psycopg2.Error) as raised:
            run(conn, PHRASINGS[phrasing].format(sql=sql, literal=literal))
        assert raised.value.pgcode == "HV00D", raised.value
        assert option in str(raised.value)
        mapping = run(conn, "SELECT umoptions FROM pg_user_mappings WHERE srvname = 'hubspot' AND usename = 'alice'")
        assert not any(o.startswith(option + "=") for o in mapping[0][0])
        run(conn, "SET hubspot_fdw.cache_substitution = off")
        assert all(r[0] != "secret" for r in run(conn, "SELECT id FROM hubspot.contacts LIMIT 5"))
    finally:
        conn.close()


# ---------- 4. start_sync / stop_sync follow PostgreSQL's rules ----------

def sync_workers(db: Database) -> list[tuple]:
    return query(db, "SELECT server_name, run_as, running FROM hubspot_fdw.sync_workers")


@pytest.fixture(scope="module")
def intruder(db: Database, sim: Any) -> str:
    """EXECUTE on start_sync/stop_sync and a mapping an admin made, but no USAGE on the server."""
    query(db, "CREATE ROLE intruder LOGIN")
    query(db, "GRANT EXECUTE ON FUNCTION hubspot_fdw.start_sync(text), hubspot_fdw.stop_sync(text) TO intruder")
    query(db, "CREATE USER MAPPING FOR intruder SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    return "intruder"


def refused(db: Database, role: str, sql: str) -> psycopg2.Error:
    conn = connect_as(db, role)
    try:
        with pytest.raises(psycopg2.Error) as raised:
            run(conn, sql)
        return raised.value
    finally:
        conn.close()


def test_start_sync_without_usage_is_refused_at_once_and_changes_nothing(db: Database, intruder: str) -> None:
    query(db, "SELECT hubspot_fdw.start_sync('hubspot')")
    before = sync_workers(db)
    assert before and before[0][1] == db.proc.user
    for call in ("start_sync", "stop_sync"):
        error = refused(db, intruder, f"SELECT hubspot_fdw.{call}('hubspot')")
        assert error.pgcode == "42501"
        assert error.diag.message_primary == 'permission denied for foreign server hubspot'
        assert error.diag.message_hint == "GRANT USAGE ON FOREIGN SERVER hubspot TO intruder;"
    assert sync_workers(db)[0][:2] == before[0][:2]


def test_usage_alone_does_not_take_over_a_running_sync(db: Database, intruder: str) -> None:
    query(db, "GRANT USAGE ON FOREIGN SERVER hubspot TO intruder")
    try:
        before = sync_workers(db)
        for call, verb in (("start_sync", "start"), ("stop_sync", "stop")):
            error = refused(db, intruder, f"SELECT hubspot_fdw.{call}('hubspot')")
            assert error.pgcode == "42501"
            assert error.diag.message_primary == f'permission denied to {verb} the sync of server "hubspot"'
        assert sync_workers(db)[0][:2] == before[0][:2]
    finally:
        query(db, "REVOKE USAGE ON FOREIGN SERVER hubspot FROM intruder")


def test_start_sync_needs_a_mapping_with_a_token(db: Database) -> None:
    query(db, "SELECT hubspot_fdw.stop_sync('hubspot')")
    query(db, "CREATE ROLE nomapping LOGIN")
    query(db, "GRANT USAGE ON FOREIGN SERVER hubspot TO nomapping")
    query(db, "GRANT EXECUTE ON FUNCTION hubspot_fdw.start_sync(text) TO nomapping")
    query(db, "ALTER USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (DROP access_token)")
    try:
        error = refused(db, "nomapping", "SELECT hubspot_fdw.start_sync('hubspot')")
        assert error.pgcode == "42704"
        assert "CREATE USER MAPPING FOR nomapping SERVER hubspot" in error.diag.message_hint
        assert sync_workers(db) == []
    finally:
        query(db, "ALTER USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (ADD access_token %s)",
              (query(db, "SELECT split_part(o, '=', 2) FROM pg_user_mappings, unnest(umoptions) o "
                         "WHERE usename = current_user AND o LIKE 'access_token=%'")[0][0],))


# ---------- 3. a table the sync may not serve never stops the others ----------

def test_a_role_with_usage_cannot_stop_the_background_sync(db: Database, alice: str) -> None:
    from tests.worker.cluster import wait_for

    query(db, "CREATE SCHEMA alice_s AUTHORIZATION alice")
    conn = connect_as(db, alice)
    try:
        run(conn, "CREATE FOREIGN TABLE alice_s.w (id text, name text) SERVER hubspot "
                  "OPTIONS (table 'alice_table', object_type 'companies')")
    finally:
        conn.close()
    query(db, "SELECT hubspot_fdw.start_sync('hubspot')")
    try:
        def states() -> dict[str, tuple]:
            return {r[0]: (r[1], r[2]) for r in query(db, "SELECT table_name, phase, last_error "
                                                          "FROM hubspot_fdw.sync_state")}
        wait_for("every table of the server synced", lambda: all(
            states().get(t, ("",))[0] == "live" for t in TABLES), timeout=120)
        phase, error = states()["alice_table"]
        assert phase == "failing" and "belongs to role alice" in error
    finally:
        query(db, "SELECT hubspot_fdw.stop_sync('hubspot')")
