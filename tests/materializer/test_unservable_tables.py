"""A foreign table the sync cannot serve never stops the others: a table another role
created on the server (with USAGE on it) is skipped unless the server's owner allowed
every owner, a table whose object type the portal lacks is skipped, and each is reported
on its own sync_status row (failing, with the reason) while the other tables sync.

Not here: which tables are imported (test_portal_budget.py), the background worker's
own loop (tests/worker/test_shared_server.py).
"""

from __future__ import annotations

from typing import Any


from tests.materializer.conftest import run_sync, setup_server


def _all(db, sql: str, params: tuple = ()) -> list[tuple]:
    conn = db.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def _as(db, role: str, sql: str) -> None:
    conn = db.connect(user=role)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _status(db) -> dict[str, tuple[Any, Any]]:
    return {r[0]: (r[1], r[2]) for r in _all(db, "SELECT table_name, phase, last_error FROM hubspot_fdw.sync_state")}


def test_a_table_another_role_created_is_skipped_and_reported(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts", "companies"])
    _all(db, "DROP ROLE IF EXISTS alice_s_owner")
    _all(db, "CREATE ROLE alice_s_owner LOGIN")
    _all(db, "GRANT USAGE ON FOREIGN SERVER hubspot TO alice_s_owner")
    _all(db, "DROP SCHEMA IF EXISTS alice_s CASCADE; CREATE SCHEMA alice_s AUTHORIZATION alice_s_owner")
    try:
        _as(db, "alice_s_owner", "CREATE FOREIGN TABLE alice_s.w (id text, name text) SERVER hubspot "
                                 "OPTIONS (table 'alice_table', object_type 'companies')")
        done = run_sync(db, "--once")
        assert done.returncode == 0, done.stderr[-2000:]
        status = _status(db)
        assert status["contacts"][0] == "live" and status["companies"][0] == "live"
        phase, error = status["alice_table"]
        assert phase == "failing"
        assert "foreign table alice_s.w belongs to role alice_s_owner" in error
        assert "sync_any_owner" in error

        # the server's owner allows every owner: the table is served (and, unresolvable, reported)
        _all(db, "ALTER SERVER hubspot OPTIONS (ADD sync_any_owner 'true')")
        done = run_sync(db, "--once")
        assert done.returncode == 0, done.stderr[-2000:]
        status = _status(db)
        assert status["contacts"][0] == "live"
        assert status["alice_table"][0] == "failing"
        assert "unknown HubSpot object type 'alice_table'" in status["alice_table"][1]
    finally:
        _all(db, "DROP SCHEMA alice_s CASCADE")
        _all(db, "DROP OWNED BY alice_s_owner CASCADE; DROP ROLE alice_s_owner")


def test_an_unknown_object_type_does_not_stop_the_others(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts"])
    _all(db, "CREATE FOREIGN TABLE hubspot.gadgets (id text) SERVER hubspot OPTIONS (object_type 'gadgets')")
    done = run_sync(db, "--once")
    assert done.returncode == 0, done.stderr[-2000:]
    status = _status(db)
    assert status["contacts"][0] == "live"
    assert status["gadgets"][0] == "failing"
    assert "unknown HubSpot object type 'gadgets'" in status["gadgets"][1]
