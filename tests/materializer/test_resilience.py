"""kill -9 mid-backfill and mid-incremental, then restart: exact, no duplicates.
HubSpot faults (5xx, resets, 429s, truncated bodies) delay but never corrupt."""

from __future__ import annotations

import signal
import time

import pytest

from tests.materializer.conftest import (assert_exact, cached, kill_sync_when, popen_sync, run_sync, setup_server,
                                         start_sim)

KILL_TABLES = "contacts,companies,associations_company_contact"
KT = KILL_TABLES.split(",")


@pytest.fixture(scope="module")
def slow_sim():
    with start_sim(contacts=1500, companies=200, fault_latency_ms=40) as s:
        yield s


def _kill_when(db, condition: str, *args: str) -> None:
    """Start the daemon, SIGKILL it as soon as ``condition`` (SQL on sync_state) holds."""
    kill_sync_when(db, KILL_TABLES, condition, *args)


def _states(db):
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT table_name, phase, backfill_done FROM hubspot_fdw.sync_state ORDER BY 1")
        return cur.fetchall()


def test_kill_mid_backfill_and_incremental(db, slow_sim) -> None:
    sim = slow_sim
    setup_server(db, sim)
    _kill_when(db, "table_name = 'contacts' AND backfill_after IS NOT NULL AND records_stored >= 300")
    states = dict((t, done) for t, _, done in _states(db))
    assert states.get("contacts") is False, states  # really killed mid-backfill
    cached(db, KT[:1])  # no duplicates, values consistent
    done = run_sync(db, "--once", "--tables", KILL_TABLES)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_exact(db, sim, KT)

    ids = sorted(k[0] for k in cached(db, ["contacts"])["contacts"])
    for i in ids[:300]:
        sim.admin("PATCH", f"/objects/contacts/{i}", {"properties": {"lastname": f"K{i}"}})
    _kill_when(db, "table_name = 'contacts' AND rows_written >= 1500 + 100", "--poll-interval", "0.1")
    cached(db, KT)
    done = run_sync(db, "--once", "--tables", KILL_TABLES)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_exact(db, sim, KT)


def test_sigterm_stops_cleanly(db, slow_sim) -> None:
    proc = popen_sync(db, "--tables", KILL_TABLES, "--poll-interval", "0.2")
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert "stopped" in proc.stderr.read()


def test_faults_delay_never_corrupt(db) -> None:
    with start_sim(fault_error_rate=0.08, fault_reset_rate=0.04, fault_truncate_rate=0.04,
                   fault_429_rate=0.08, fault_seed=3) as sim:
        setup_server(db, sim)
        tables = "contacts,companies,deals,associations_company_contact,associations_contact_deal"
        for _ in range(3):
            run_sync(db, "--once", "--tables", tables)
            cached(db, tables.split(","))  # never duplicates or inconsistent values
        sim.clear_faults()
        done = run_sync(db, "--once", "--tables", tables)
        assert done.returncode == 0, done.stderr[-2000:]
        assert_exact(db, sim, tables.split(","))
