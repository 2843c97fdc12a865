"""The materializer as a background worker: start_sync, changes arriving with no daemon,
errors visible in SQL, SIGTERM / kill -9 / restart, reload, CLI exclusion, stop_sync.

The tests run in file order against one cluster and one worker (module fixtures).
Figures (stop time, restart delay, change latency) are printed, never asserted on speed.
"""

from __future__ import annotations

import os
import signal
import time

from tests.materializer.conftest import TABLES, assert_exact, run_sync
from tests.worker.cluster import query, wait_for


def worker_pids(db) -> list[int]:
    return [r[0] for r in query(db, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'hubspot_fdw sync'")]


def all_live(db) -> bool:
    rows = query(db, "SELECT table_name, phase FROM hubspot_fdw.sync_status WHERE server_name = 'hubspot'")
    phases = dict(rows)
    return all(phases.get(t) == "live" for t in TABLES)


def cached_firstname(db, contact_id: str):
    rows = query(db, "SELECT firstname FROM hubspot_cache.contacts WHERE id = %s", (contact_id,))
    return rows[0][0] if rows else None


def test_start_sync_backfills_with_no_daemon(db, sim) -> None:
    pid = query(db, "SELECT hubspot_fdw.start_sync('hubspot')")[0][0]
    assert pid > 0
    assert worker_pids(db) == [pid]
    wait_for("every table live", lambda: all_live(db), timeout=120)
    wait_for("a finished pass", lambda: query(db, "SELECT last_pass_at FROM hubspot_fdw.sync_workers")[0][0])
    assert_exact(db, sim)
    row = query(db, "SELECT marked, run_as, running, pid, running_since IS NOT NULL, last_pass_at IS NOT NULL "
                    "FROM hubspot_fdw.sync_workers WHERE server_name = 'hubspot'")[0]
    assert row == (True, db.proc.user, "worker", pid, True, True)
