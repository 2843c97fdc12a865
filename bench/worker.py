"""Benchmark the background worker (hubspot_fdw.start_sync) against the simulator with
HubSpot's rate limits and a search index lag. Prints figures; not a test.

(a) backfill time of the portal with the worker;
(b) change-to-cache latency of single edits with the default poll interval (2 s):
    median / p95 and "own overhead" = latency - poll interval - index lag;
(c) SIGTERM (pg_terminate_backend) to exit, at random moments, and exit to restarted
    (hubspot_fdw.sync_restart_delay = 1);
(d) kill -9 to a new worker (the postmaster reinitializes), and whether the cache then
    matches the simulator's record count;
(e) fast and smart shutdown with the worker running, and server start to worker running.

    /opt/hubspot_fdw/venv/bin/python bench/worker.py [--contacts 2000] [--edits 20] [--terms 10]
        [--index-lag-ms 1000] [--tables "contacts, companies, ..."]  (the tables imported)
        [--daily-share 0.10]  (the planner stretches polls to stay within it)

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import time
from typing import Any, Callable

import psycopg2

from hubspot_fdw.devtools.throwaway_pg import PG_BIN, ThrowawayPostgres, run_as_postgres
from hubspot_fdw.simulator.process import start_simulator

ZERO = dict(tickets=0, products=0, line_items=0, quotes=0, calls=0, emails=0, meetings=0, notes=0,
            tasks=0, communications=0, postal_mail=0, cars=0, service_requests=0)
POLL = 2.0  # hubspot_fdw.sync_poll_interval default


def q(dsn: str, sql: str, params: tuple = ()) -> list[tuple]:
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = psycopg2.connect(dsn)
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def until(check: Callable[[], Any], timeout: float = 600.0, every: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except psycopg2.OperationalError:
            value = None
        if value:
            return value
        time.sleep(every)
    raise TimeoutError("condition not reached")


def workers(dsn: str) -> list[int]:
    return [r[0] for r in q(dsn, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'hubspot_fdw sync'")]


def holding(dsn: str) -> int | None:
    rows = q(dsn, "SELECT pid FROM hubspot_fdw.sync_workers WHERE running = 'worker'")
    return rows[0][0] if rows and workers(dsn) == [rows[0][0]] else None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def pg_ctl(pg: ThrowawayPostgres, *args: str) -> float:
    started = time.monotonic()
    subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(pg.directory / "data"), "-w",
                    "-l", str(pg.directory / "server.log"), *args], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    run_as_postgres()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--terms", type=int, default=10)
    parser.add_argument("--index-lag-ms", type=int, default=1000)
    parser.add_argument("--tables", default="contacts, companies, deals, associations_company_contact, "
                                            "associations_contact_deal, owners")
    parser.add_argument("--daily-share", type=float, default=None,
                        help="hubspot_fdw.sync_daily_share (default: the GUC's, 0.10)")
    a = parser.parse_args()
    settings = {"shared_preload_libraries": "'hubspot_fdw'", "hubspot_fdw.sync_restart_delay": "1"}
    if a.daily_share is not None:
        settings["hubspot_fdw.sync_daily_share"] = str(a.daily_share)
    sizes = dict(ZERO, contacts=a.contacts, companies=a.contacts // 5, deals=a.contacts // 4)
    with ThrowawayPostgres(settings=settings) as pg, \
            start_simulator(seed=5, owners=5, index_lag_ms=a.index_lag_ms, **sizes) as sim:
        dsn = pg.dsn
        q(dsn, "CREATE EXTENSION hubspot_fdw")
        q(dsn, "CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
        q(dsn, "CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        q(dsn, "CREATE SCHEMA hubspot")  # the worker syncs the imported tables
        q(dsn, f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({a.tables}) FROM SERVER hubspot INTO hubspot")

        started = time.monotonic()
        q(dsn, "SELECT hubspot_fdw.start_sync('hubspot')")
        until(lambda: q(dsn, "SELECT last_pass_at IS NOT NULL FROM hubspot_fdw.sync_workers")[0][0])  # a whole pass
        until(lambda: q(dsn, "SELECT bool_and(phase = 'live') FROM hubspot_fdw.sync_status")[0][0])
        print(f"(a) backfill by the worker of {a.tables} ({a.contacts:,} contacts, {sizes['companies']:,} "
              f"companies, {sizes['deals']:,} deals): {time.monotonic() - started:.1f} s")

        ids = [r[0] for r in q(dsn, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT %s", (a.edits,))]
        rng = random.Random(7)
        lat = []
        for n, cid in enumerate(ids):
            time.sleep(rng.uniform(0, POLL))
            value = f"bench{n}x{rng.randrange(1 << 30)}"
            t0 = time.monotonic()
            sim.admin("PATCH", f"/objects/contacts/{cid}", {"properties": {"firstname": value}})
            until(lambda: q(dsn, "SELECT firstname = %s FROM hubspot_cache.contacts WHERE id = %s",
                            (value, cid))[0][0], timeout=60)
            lat.append(time.monotonic() - t0)
        lag = a.index_lag_ms / 1000
        share = a.daily_share if a.daily_share is not None else 0.10
        print(f"(b) change-to-cache latency, poll {POLL:g} s, index lag {lag:g} s, daily share {share:g}, "
              f"{len(lat)} edits: "
              f"median {statistics.median(lat):.2f} s, p95 {pct(lat, 0.95):.2f} s; own overhead "
              f"median {statistics.median(lat) - POLL - lag:+.2f} s")

        stops, restarts = [], []
        for _ in range(a.terms):
            pid = until(lambda: holding(dsn), timeout=60)
            time.sleep(rng.uniform(0, POLL))
            t0 = time.monotonic()
            q(dsn, "SELECT pg_terminate_backend(%s, 10000)", (pid,))
            stops.append(time.monotonic() - t0)
            until(lambda: [p for p in workers(dsn) if p != pid], timeout=60, every=0.005)
            restarts.append(time.monotonic() - t0)
        print(f"(c) SIGTERM to exit, {a.terms} times: median {1000 * statistics.median(stops):.0f} ms, "
              f"max {1000 * max(stops):.0f} ms; exit to restarted (restart delay 1 s): "
              f"median {statistics.median(restarts):.2f} s, max {max(restarts):.2f} s")

        pid = until(lambda: holding(dsn), timeout=60)
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        until(lambda: [p for p in workers(dsn) if p != pid], timeout=60, every=0.005)
        crash = time.monotonic() - t0
        created = sim.admin("POST", "/objects/contacts", {"properties": {"email": "after-kill@example.com"}})
        until(lambda: q(dsn, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (created["id"],))[0][0],
              timeout=60)
        stored = q(dsn, "SELECT count(*) FROM hubspot_cache.contacts")[0][0]
        print(f"(d) kill -9 to a new worker: {crash:.2f} s; afterwards the cache holds {stored:,} contacts "
              f"(simulator: {a.contacts + 1:,})")

        until(lambda: holding(dsn), timeout=60)
        fast = pg_ctl(pg, "stop", "-m", "fast")
        pg_ctl(pg, "start")
        t0 = time.monotonic()
        until(lambda: holding(dsn), timeout=60)
        up = time.monotonic() - t0
        smart = pg_ctl(pg, "stop", "-m", "smart")
        pg_ctl(pg, "start")
        print(f"(e) fast shutdown with the worker running {fast:.2f} s, smart {smart:.2f} s; "
              f"server start to the launcher's worker holding the lease {up:.2f} s")


if __name__ == "__main__":
    main()
