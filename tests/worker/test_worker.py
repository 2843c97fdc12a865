"""The materializer as a background worker: start_sync, changes arriving with no daemon,
errors visible in SQL, SIGTERM / kill -9 / server restart, reload, CLI exclusion, stop_sync.

The tests run in file order against one cluster and one worker (module fixtures).
Figures (stop time, restart delay, change latency) are printed, never asserted on speed.
"""

from __future__ import annotations

import os
import signal
import socket
import time

import psycopg2
import pytest

from hubspot_fdw.api import HubSpotClient
from tests.materializer.conftest import TABLES, assert_exact, popen_sync, run_sync
from tests.worker.cluster import query, wait_for


def worker_pids(db) -> list[int]:
    return [r[0] for r in query(db, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'hubspot_fdw sync'")]


def one_worker(db) -> int:
    """The pid of the one sync worker, once it holds the server's lease."""
    def check():
        pids = worker_pids(db)
        rows = query(db, "SELECT pid FROM hubspot_fdw.sync_workers WHERE running = 'worker'")
        return pids[0] if len(pids) == 1 and rows and rows[0][0] == pids[0] else None
    return wait_for("one sync worker holding the lease", check)


def all_live(db) -> bool:
    phases = dict(query(db, "SELECT table_name, phase FROM hubspot_fdw.sync_status WHERE server_name = 'hubspot'"))
    return all(phases.get(t) == "live" for t in TABLES)


def contact_ids(db) -> list[str]:
    return sorted(r[0] for r in query(db, "SELECT id FROM hubspot_cache.contacts"))


def cached_firstname(db, contact_id: str):
    rows = query(db, "SELECT firstname FROM hubspot_cache.contacts WHERE id = %s", (contact_id,))
    return rows[0][0] if rows else None


def change_arrives(db, sim, value: str, index: int = 0) -> float:
    """Change one contact in the simulator; seconds until the cache has it."""
    contact = contact_ids(db)[index]
    started = time.monotonic()
    sim.admin("PATCH", f"/objects/contacts/{contact}", {"properties": {"firstname": value}})
    wait_for(f"firstname {value!r} in the cache", lambda: cached_firstname(db, contact) == value, timeout=60)
    return time.monotonic() - started


def db_now(db):
    return query(db, "SELECT clock_timestamp()")[0][0]


def test_start_sync_backfills_with_no_daemon(db, sim) -> None:
    pid = query(db, "SELECT hubspot_fdw.start_sync('hubspot')")[0][0]
    assert pid > 0
    wait_for("the worker in pg_stat_activity", lambda: worker_pids(db) == [pid])
    wait_for("every table live", lambda: all_live(db), timeout=120)
    wait_for("a finished pass", lambda: query(db, "SELECT last_pass_at FROM hubspot_fdw.sync_workers")[0][0])
    assert_exact(db, sim)
    # the imported foreign tables, nothing else
    assert sorted(r[0] for r in query(db, "SELECT table_name FROM hubspot_fdw.sync_status")) == sorted(TABLES)
    assert query(db, "SELECT count(*) FROM hubspot.contacts")[0][0] == 120
    row = query(db, "SELECT marked, run_as, running, pid, running_since IS NOT NULL, last_pass_at IS NOT NULL "
                    "FROM hubspot_fdw.sync_workers WHERE server_name = 'hubspot'")[0]
    assert row == (True, db.proc.user, "worker", pid, True, True)


def test_start_sync_again_keeps_the_running_worker(db) -> None:
    pid = one_worker(db)
    conn = db.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT hubspot_fdw.start_sync('hubspot')")
        assert cur.fetchone()[0] == pid
    assert any("already running" in n for n in conn.notices)
    conn.close()
    assert worker_pids(db) == [pid]


def test_change_arrives_with_no_daemon(db, sim) -> None:
    latencies = [change_arrives(db, sim, f"Arrived{i}", i) for i in range(3)]
    print(f"\nchange-to-cache latency (poll interval 0.2 s, idle 0.5 s): {', '.join(f'{s:.2f}s' for s in latencies)}")


def test_nul_text_is_stored_without_it_and_the_worker_goes_on(db, sim) -> None:
    """HubSpot's public API accepts a NUL in text: the worker stores the text without it,
    records the original in sync_errors, and neither fails the table nor exits."""
    pid = one_worker(db)
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    record = client.create_object("contacts", {"firstname": "nul\u0000api", "lastname": "Nul"})
    wait_for("the NUL contact in the cache", lambda: cached_firstname(db, record.id) == "nulapi")
    assert query(db, "SELECT raw_value FROM hubspot_fdw.sync_errors WHERE table_name = 'contacts' "
                     "AND record_id = %s AND property = 'firstname'", (record.id,)) == [("nul\\u0000api",)]
    change_arrives(db, sim, "AfterNul")  # the table goes on polling
    assert query(db, "SELECT phase FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'") == [("live",)]
    assert worker_pids(db) == [pid]
    spent = query(db, "SELECT server_calls_today, server_calls_allowed_per_day FROM hubspot_fdw.sync_status "
                      "WHERE table_name = 'contacts'")[0]
    assert spent[1] is None or spent[0] <= spent[1]


def test_cli_refused_while_the_worker_runs(db) -> None:
    pid = one_worker(db)
    result = run_sync(db, "--once", timeout=60)
    assert result.returncode != 0
    assert f'server "hubspot" is being synced by the background worker (pid {pid},' in result.stderr
    assert "stop it with SELECT hubspot_fdw.stop_sync('hubspot')" in result.stderr


def test_error_in_a_pass_is_recorded_and_the_worker_goes_on(db, sim) -> None:
    pid = one_worker(db)
    contact = contact_ids(db)[10]
    query(db, "ALTER TABLE hubspot_cache.contacts ADD CONSTRAINT no_poison CHECK (firstname IS DISTINCT FROM 'Poison')")
    try:
        sim.admin("PATCH", f"/objects/contacts/{contact}", {"properties": {"firstname": "Poison"}})
        error = wait_for("contacts failing in sync_status", lambda: query(
            db, "SELECT last_error FROM hubspot_fdw.sync_status WHERE table_name = 'contacts' AND phase = 'failing'"))
        assert "no_poison" in error[0][0]
        # the other tables go on, and so does the worker
        assert query(db, "SELECT phase FROM hubspot_fdw.sync_status WHERE table_name = 'companies'")[0][0] == "live"
        assert worker_pids(db) == [pid]
    finally:
        query(db, "ALTER TABLE hubspot_cache.contacts DROP CONSTRAINT no_poison")
    wait_for("the poisoned change stored", lambda: cached_firstname(db, contact) == "Poison")
    wait_for("contacts live again", lambda: query(
        db, "SELECT 1 FROM hubspot_fdw.sync_status WHERE table_name = 'contacts' AND phase = 'live'"))


def test_worker_error_is_visible_in_sql_and_the_worker_goes_on(cluster, db, sim) -> None:
    pid = one_worker(db)
    since = db_now(db)
    query(db, "ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (SET access_token 'pat-na1-wrong')")
    try:
        row = wait_for("the worker's error", lambda: query(
            db, "SELECT last_error, running, pid FROM hubspot_fdw.sync_workers WHERE last_error_at > %s", (since,)))
        error, running, shown_pid = row[0]
        assert "Authentication" in error or "401" in error
        assert "pat-na1" not in error  # the token never appears
        assert (running, shown_pid) == ("worker", pid)
        log = wait_for("the error in the server log", lambda: [
            line for line in cluster.log_text().splitlines() if 'WARNING:  hubspot_fdw sync of server "hubspot"' in line])
        assert "pat-na1-wrong" not in cluster.log_text()
        assert any(error.split(":")[0] in line for line in log)
    finally:
        query(db, "ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (SET access_token %s)", (sim.token,))
    fixed = db_now(db)
    wait_for("a pass after the fix", lambda: query(
        db, "SELECT 1 FROM hubspot_fdw.sync_workers WHERE last_pass_at > %s", (fixed,)), timeout=30)
    assert worker_pids(db) == [pid]


def test_sigterm_stops_the_worker_and_the_postmaster_restarts_it(db, sim) -> None:
    stops, restarts = [], []
    for _ in range(3):
        old = one_worker(db)
        started = time.monotonic()
        assert query(db, "SELECT pg_terminate_backend(%s, 10000)", (old,))[0][0] is True
        stops.append(time.monotonic() - started)
        wait_for("a restarted worker", lambda: [p for p in worker_pids(db) if p != old], timeout=30)
        restarts.append(time.monotonic() - started)
        time.sleep(0.3)  # let it get into a pass (HTTP) before the next SIGTERM
    print(f"\nSIGTERM to exit: {', '.join(f'{s * 1000:.0f}ms' for s in stops)}; "
          f"exit to restarted (sync_restart_delay 1 s): {', '.join(f'{s:.2f}s' for s in restarts)}")
    change_arrives(db, sim, "AfterTerm")


def test_kill_9_restarts_the_worker_and_loses_nothing(db, sim) -> None:
    old = one_worker(db)
    os.kill(old, signal.SIGKILL)  # the postmaster reinitializes the cluster, then restarts the worker
    started = time.monotonic()
    new = wait_for("a worker after crash recovery", lambda: [p for p in worker_pids(db) if p != old], timeout=60)
    print(f"\nkill -9 to restarted worker (crash recovery): {time.monotonic() - started:.2f}s")
    assert len(new) == 1
    change_arrives(db, sim, "AfterKill", 1)
    gone = contact_ids(db)[2]
    sim.admin("POST", f"/objects/contacts/{gone}/archive")
    wait_for("the archived contact gone", lambda: gone not in contact_ids(db) and all_live(db))
    wait_for("cache equal to the simulator", lambda: _exact(db, sim), timeout=60)


def test_a_restarted_worker_waits_out_the_back_off_before_any_call(db, sim) -> None:
    """The back-off survives the process: a worker started while its server backs off
    (as after repeated deaths) says so, calls nothing until then, and resets it once a
    pass succeeds."""
    old = one_worker(db)
    query(db, "INSERT INTO hubspot_fdw.sync_worker_backoff (server_name, failures, retry_at) "
              "VALUES ('hubspot', 3, clock_timestamp() + interval '6 seconds') ON CONFLICT (server_name) "
              "DO UPDATE SET failures = 3, retry_at = clock_timestamp() + interval '6 seconds'")
    retry_at = query(db, "SELECT retry_at FROM hubspot_fdw.sync_worker_backoff WHERE server_name = 'hubspot'")[0][0]
    since = db_now(db)
    assert query(db, "SELECT pg_terminate_backend(%s, 10000)", (old,))[0][0] is True
    waiting = wait_for("the restarted worker waiting", lambda: query(
        db, "SELECT last_error FROM hubspot_fdw.sync_workers WHERE last_error LIKE 'waiting: the sync worker%%' "
            "AND last_error_at > %s", (since,)))
    assert "failed 3 time(s) in a row" in waiting[0][0]
    sim.clear_requests()
    while query(db, "SELECT clock_timestamp() < %s - interval '0.5 seconds'", (retry_at,))[0][0]:
        assert sim.requests() == []  # no HubSpot call while it waits
        time.sleep(0.2)
    wait_for("a pass after the back-off", lambda: query(
        db, "SELECT 1 FROM hubspot_fdw.sync_workers WHERE last_pass_at > %s", (retry_at,)), timeout=60)
    assert query(db, "SELECT failures FROM hubspot_fdw.sync_worker_backoff WHERE server_name = 'hubspot'") == [(0,)]
    change_arrives(db, sim, "AfterBackoff", 3)


def _exact(db, sim) -> bool:
    try:
        assert_exact(db, sim)
        return True
    except AssertionError:
        return False


def test_reload_applies_the_poll_interval(db) -> None:
    query(db, "ALTER SYSTEM SET hubspot_fdw.sync_poll_interval = 3")
    query(db, "ALTER SYSTEM SET hubspot_fdw.sync_max_poll_interval = 3")
    query(db, "SELECT pg_reload_conf()")
    try:
        def next_pass(after):
            return wait_for("a pass", lambda: (lambda v: v if v and (after is None or v > after) else None)(
                query(db, "SELECT last_pass_at FROM hubspot_fdw.sync_workers")[0][0]), timeout=30)
        # the planner may run a due table at once now and then: the longest of a few gaps shows
        # the new interval (with the test's 0.5 s idle interval it stays below 1 s)
        stamps = [next_pass(db_now(db))]
        for _ in range(4):
            stamps.append(next_pass(stamps[-1]))
        gap = max((b - a).total_seconds() for a, b in zip(stamps, stamps[1:]))
        print(f"\nlongest gap between steps after reload to 3 s: {gap:.2f}s")
        assert gap >= 2.5
    finally:
        query(db, "ALTER SYSTEM RESET hubspot_fdw.sync_poll_interval")
        query(db, "ALTER SYSTEM RESET hubspot_fdw.sync_max_poll_interval")
        query(db, "SELECT pg_reload_conf()")


def test_unprivileged_role_cannot_block_the_sync(db) -> None:
    query(db, "DROP ROLE IF EXISTS mallory")
    query(db, "CREATE ROLE mallory LOGIN")
    query(db, "GRANT USAGE ON SCHEMA hubspot_fdw TO mallory")
    conn = db.connect(autocommit=False, user="mallory")
    try:
        for statement in ("LOCK TABLE hubspot_fdw.sync_leases IN EXCLUSIVE MODE",
                          "SELECT 1 FROM hubspot_fdw.sync_leases FOR UPDATE",
                          "SELECT * FROM hubspot_fdw._claim_sync('hubspot')",
                          "SELECT hubspot_fdw.start_sync('hubspot')",
                          "SELECT hubspot_fdw.stop_sync('hubspot')",
                          "SELECT hubspot_fdw._sync_worker_report('hubspot', true, NULL)"):
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
            conn.rollback()
    finally:
        conn.close()
    one_worker(db)


def test_sigterm_and_shutdown_never_wait_on_hubspot(cluster, db, sim) -> None:
    """With HubSpot not answering (the simulator stopped), the worker sits in an HTTP read."""
    pid = one_worker(db)
    os.kill(sim.pid, signal.SIGSTOP)
    try:
        time.sleep(1.0)
        assert query(db, "SELECT wait_event_type IS DISTINCT FROM 'Extension' FROM pg_stat_activity "
                         "WHERE pid = %s", (pid,))[0][0]  # busy in a pass, not sleeping on its latch
        started = time.monotonic()
        assert query(db, "SELECT pg_terminate_backend(%s, 10000)", (pid,))[0][0] is True
        term = time.monotonic() - started
        wait_for("a restarted worker", lambda: [p for p in worker_pids(db) if p != pid], timeout=30)
        time.sleep(1.5)  # it is blocked on HubSpot again
        fast = cluster.stop("fast")
        print(f"\nHubSpot not answering: SIGTERM to exit {term * 1000:.0f}ms, fast shutdown {fast:.2f}s")
    finally:
        os.kill(sim.pid, signal.SIGCONT)
    cluster.start()
    one_worker(db)
    change_arrives(db, sim, "AfterStall", 4)


def test_server_restart_resumes_from_the_checkpoint(cluster, db, sim) -> None:
    one_worker(db)
    other = cluster.create_database("t_worker_other")  # the launcher serves every database
    query(other, "CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s, use_budget 'false')",
          (sim.base_url,))
    query(other, "CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    query(other, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO public")
    query(other, "SELECT hubspot_fdw.start_sync('hubspot')")
    before = query(db, "SELECT table_name, backfill_started_at, backfill_finished_at FROM hubspot_fdw.sync_state "
                       "ORDER BY table_name")
    inserted = query(db, "SELECT id, _sync_inserted_at FROM hubspot_cache.contacts ORDER BY id")
    smart = cluster.stop("smart")
    cluster.start()
    started = time.monotonic()
    # started by the launcher: nobody called start_sync
    wait_for("a worker in each database", lambda: sorted(r[0] for r in query(
        db, "SELECT datname FROM pg_stat_activity WHERE backend_type = 'hubspot_fdw sync'")) == [
        "t_worker", "t_worker_other"])
    assert query(other, "SELECT hubspot_fdw.stop_sync('hubspot')")[0][0] is True
    one_worker(db)
    print(f"\nsmart shutdown with the worker running: {smart:.2f}s; "
          f"server start to worker running: {time.monotonic() - started:.2f}s")
    change_arrives(db, sim, "AfterRestart", 3)
    assert query(db, "SELECT table_name, backfill_started_at, backfill_finished_at FROM hubspot_fdw.sync_state "
                     "ORDER BY table_name") == before  # no second backfill
    after = dict(query(db, "SELECT id, _sync_inserted_at FROM hubspot_cache.contacts ORDER BY id"))
    assert all(after[i] == t for i, t in inserted if i in after)
    fast = cluster.stop("fast")
    cluster.start()
    one_worker(db)
    print(f"fast shutdown with the worker running: {fast:.2f}s")


def test_cli_daemon_blocks_start_sync_and_stop_sync_stops_for_good(db) -> None:
    assert query(db, "SELECT hubspot_fdw.stop_sync('hubspot')")[0][0] is True
    assert worker_pids(db) == []
    time.sleep(2.5)  # past sync_restart_delay: the restarted worker sees no mark and exits for good
    wait_for("no sync worker", lambda: worker_pids(db) == [], timeout=10)
    assert query(db, "SELECT count(*) FROM hubspot_fdw.sync_workers WHERE marked")[0][0] == 0
    assert query(db, "SELECT hubspot_fdw.stop_sync('hubspot')")[0][0] is False

    daemon = popen_sync(db)
    try:
        wait_for("the daemon's lease", lambda: query(
            db, "SELECT pid FROM hubspot_fdw.sync_workers WHERE running = 'cli'"), timeout=60)
        with pytest.raises(psycopg2.errors.ObjectInUse) as refused:
            query(db, "SELECT hubspot_fdw.start_sync('hubspot')")
        # the daemon's own process, the one to stop (not its database session)
        assert (f'is being synced by "hubspot-fdw sync" (pid {daemon.pid} on host {socket.gethostname()},'
                in str(refused.value))
    finally:
        daemon.terminate()
        daemon.wait(30)
    assert worker_pids(db) == []
