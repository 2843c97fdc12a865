"""What the sync tells a person: the lease names the process to stop (the daemon's own pid
and host), failures are sentences without Python class names, sync_status shows backfill
progress and a paced cost beside the steady state (after ``--once`` too), and the daemon
logs each table's state change and a periodic summary."""

from __future__ import annotations

import re
import socket
import time

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.host.errors import PgError
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.errors import describe
from hubspot_fdw.materializer.planner import DAY, Planner
from hubspot_fdw.materializer.report import state_line
from hubspot_fdw.materializer.state import SyncState
from tests.materializer.conftest import materializer, popen_sync, run_sync, setup_server

TABLES = "contacts,companies,deals,owners"
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Violation)\b")


def rows(db, sql: str, params=None) -> list[dict]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def wait_for(what: str, check, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_second_sync_names_the_daemons_own_pid_and_host_and_the_daemon_logs_its_states(db, sim) -> None:
    setup_server(db, sim)
    daemon = popen_sync(db, "--tables", TABLES, "--summary-interval", "1", "--metadata-interval", "3600",
                        "--sweep-interval", "3600")
    try:
        wait_for("every table live", lambda: rows(
            db, "SELECT 1 FROM hubspot_fdw.sync_status WHERE phase = 'live' HAVING count(*) = 4"))
        lease = rows(db, "SELECT pid FROM hubspot_fdw.sync_leases WHERE server_name = 'hubspot'")[0]["pid"]
        refused = run_sync(db, "--once", "--tables", TABLES, timeout=60)
        assert refused.returncode != 0
        assert f'(pid {daemon.pid} on host {socket.gethostname()}, since ' in refused.stderr, refused.stderr
        assert "stop that process" in refused.stderr
        assert f"pid {lease}" not in refused.stderr  # not the daemon's database session

        status = rows(db, "SELECT * FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")[0]
        assert status["server_projected_calls_per_day"] <= status["server_calls_allowed_per_day"]
        # three object tables quiet: polled every 60 s, plus the metadata and reconciliation reads
        assert 3 * DAY / 60 <= status["server_steady_calls_per_day"] <= status["server_calls_allowed_per_day"]
        assert status["projected_calls_per_day"] <= status["server_projected_calls_per_day"]
        assert (status["records_stored"], status["backfill_records_total"], status["backfill_percent"]) == (120, 120, 100)
        time.sleep(1.5)  # one more summary
    finally:
        daemon.terminate()
        _, log = daemon.communicate(timeout=30)
    assert re.search(r"contacts: live, 120 records", log), log
    assert re.search(r"contacts: backfilling, 0 of 120 records \(0%\)", log), log
    summaries = [line for line in log.splitlines() if 'server "hubspot": ' in line and "calls today of" in line]
    assert len(summaries) >= 2, log
    assert "steady state" in summaries[-1] and "4 live" in summaries[-1] and "lag up to" in summaries[-1]


def test_once_fills_the_cost_columns(db, sim) -> None:
    setup_server(db, sim)
    result = run_sync(db, "--once", "--tables", TABLES, "--metadata-interval", "3600")
    assert result.returncode == 0, result.stderr
    status = rows(db, "SELECT table_name, projected_calls_per_day AS table_cost, server_projected_calls_per_day AS paced, "
                      "server_steady_calls_per_day AS steady, server_calls_allowed_per_day AS allowed, "
                      "backfill_percent FROM hubspot_fdw.sync_status ORDER BY table_name")
    by_table = {r["table_name"]: r for r in status}
    assert by_table["contacts"]["table_cost"] == DAY / SyncConfig.max_poll_interval
    for row in status:
        assert row["paced"] == row["steady"] and 0 < row["steady"] <= row["allowed"], row
        assert row["backfill_percent"] == 100
    assert "calls today of" in result.stderr


def test_sync_status_shows_a_running_backfills_progress(db, sim) -> None:
    setup_server(db, sim)
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO hubspot_fdw.sync_state (server_name, table_name, cache_schema, phase, "
                    "backfill_total, records_stored) VALUES ('hubspot', 'tickets', 'hubspot_cache', 'backfilling', "
                    "5000, 1200)")
    got = rows(db, "SELECT records_stored, backfill_records_total, backfill_percent FROM hubspot_fdw.sync_status "
                   "WHERE table_name = 'tickets'")[0]
    assert got == {"records_stored": 1200, "backfill_records_total": 5000, "backfill_percent": 24}


def test_a_failing_table_says_what_failed_in_a_sentence(db, sim) -> None:
    setup_server(db, sim)
    m, conn = materializer(db, sim, tables=["contacts"])
    m.run_once()
    with db.connect() as c, c.cursor() as cur:
        cur.execute("ALTER TABLE hubspot_cache.contacts ADD CONSTRAINT no_poison "
                    "CHECK (firstname IS DISTINCT FROM 'Poison')")
        cur.execute("SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")
        contact = cur.fetchone()[0]
    try:
        sim.admin("PATCH", f"/objects/contacts/{contact}", {"properties": {"firstname": "Poison"}})
        state = m.run_once()["contacts"]
    finally:
        conn.close()
        with db.connect() as c, c.cursor() as cur:
            cur.execute("ALTER TABLE hubspot_cache.contacts DROP CONSTRAINT no_poison")
    assert state.phase == "failing"
    assert state.last_error.startswith("PostgreSQL refused a statement of the sync: ") and "no_poison" in state.last_error
    assert not CLASS_NAME.search(state.last_error), state.last_error


def test_failures_read_as_sentences_without_class_names() -> None:
    cases = [
        PgError("permission denied for table cache_portals", "42501"),
        HubSpotFdwError('no access_token for server "hubspot"', hint="CREATE USER MAPPING ... first."),
        ValueError("invalid literal for int() with base 10: 'x'"),
        ConnectionResetError(104, "Connection reset by peer"),
    ]
    texts = [describe(c) for c in cases]
    assert texts[0] == "PostgreSQL refused a statement of the sync: permission denied for table cache_portals."
    assert texts[1] == 'no access_token for server "hubspot". CREATE USER MAPPING ... first.'
    assert texts[3] == "a network or system call failed: Connection reset by peer."
    for text in texts:
        assert not CLASS_NAME.search(text), text


def test_eight_seconds_after_start_the_projection_stays_within_the_share() -> None:
    config = SyncConfig()
    planner = Planner(config, now=0.0)
    names = [f"t{i}" for i in range(16)]
    for name in names:  # every table just polled, each at the shortest interval
        planner.polled(name, 8.0, changed=1, calls=1)
    assert planner.projected_live() > 600_000  # the current intervals, unpaced
    assert planner.projected_per_day() == planner.allowed_per_day == 25_000
    assert planner.steady_per_day(names) == round(16 * DAY / config.max_poll_interval)
    assert 16 * planner.tables["t0"].per_day() * planner.pace_factor() <= planner.allowed_per_day + 1


def test_state_lines() -> None:
    state = SyncState("hubspot", "contacts", phase="backfilling", backfill_total=5000, records_stored=1200)
    assert state_line(state) == "contacts: backfilling, 1,200 of 5,000 records (24%)"
    state.phase, state.last_error = "failing", "HubSpot answered 401: the token was refused."
    assert state_line(state) == "contacts: failing: HubSpot answered 401: the token was refused."
