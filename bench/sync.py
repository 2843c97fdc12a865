"""Benchmark the materializer against the simulator with HubSpot's real rate limits on a
shrunk time scale. Prints figures; not a test.

(a) backfill throughput as a share of the rate-limit bound: records/s achieved in the
    steady state (after the first window's burst) ÷ 100 records × burst_max / window;
(b) change-to-cache latency of single edits (admin PATCH) while ``hubspot-fdw sync``
    runs as a daemon with default settings: median / p95, with the poll interval and
    the simulated index lag, and "own overhead" = latency − poll interval − lag;
(c) peak memory (max RSS, from wait4) of ``sync --once`` backfilling N contacts.

    /opt/hubspot_fdw/venv/bin/python bench/sync.py [--time-scale 0.5] [--contacts 30000]
        [--edits 30] [--memory-contacts 100000] [--skip throughput,latency,memory]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg2

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres
from hubspot_fdw.simulator.process import SimulatorProcess, start_simulator

ROOT = Path(__file__).resolve().parents[1]
ZERO_SIZES = dict(tickets=0, products=0, line_items=0, quotes=0, calls=0, emails=0, meetings=0, notes=0,
                  tasks=0, communications=0, postal_mail=0, cars=0, service_requests=0)
BURST_MAX = 190          # HubSpot: requests per rolling 10 s (Pro/Enterprise private app)
PAGE = 100               # records per list page


# -- plumbing ------------------------------------------------------------------------------
@contextmanager
def portal(pg: ThrowawayPostgres, time_scale: float, index_lag_ms: int, **sizes: int
           ) -> Iterator[tuple[SimulatorProcess, str]]:
    """A simulator with real limits and a fresh database with server + user mapping."""
    name = f"bench_{random.randrange(1 << 30)}"
    admin = psycopg2.connect(pg.dsn)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    admin.close()
    dsn = pg.dsn.replace("dbname=postgres", f"dbname={name}")
    options = dict(seed=5, owners=5, time_scale=time_scale, index_lag_ms=index_lag_ms, burst_limit=BURST_MAX,
                   **{**ZERO_SIZES, **sizes})
    with start_simulator(**options) as sim:
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION hubspot_fdw")
            cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)",
                        (sim.base_url,))
            cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)",
                        (sim.token,))
        conn.close()
        yield sim, dsn


def sync_cmd(dsn: str, time_scale: float, *args: str) -> list[str]:
    return [sys.executable, "-m", "hubspot_fdw.cli", "sync", "--dsn", dsn, "--server", "hubspot",
            "--progress", "off", "--budget-window-scale", str(time_scale), *args]


def sync_env(budget_dir: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), HUBSPOT_FDW_BUDGET_DIR=budget_dir)


def wait_proc(proc: subprocess.Popen, timeout: float) -> tuple[int, int]:
    """(exit status, max RSS in KiB) of one child, via wait4; kills it after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss
        time.sleep(0.05)
    proc.kill()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    raise TimeoutError(f"sync did not finish within {timeout:.0f} s")


def stored_at(samples: list[tuple[float, int]], t: float) -> float:
    """Records stored at time ``t``, interpolated between samples."""
    for (ta, na), (tb, nb) in zip(samples, samples[1:]):
        if ta <= t <= tb:
            return na + (nb - na) * (t - ta) / max(1e-9, tb - ta)
    return float(samples[-1][1])


def state_row(cur, table: str) -> tuple | None:
    cur.execute("SELECT records_stored, backfill_done, phase, last_error FROM hubspot_fdw.sync_state "
                "WHERE table_name = %s", (table,))
    return cur.fetchone()


# -- (a) throughput ------------------------------------------------------------------------
def throughput(pg: ThrowawayPostgres, a: argparse.Namespace, budget_dir: str, extra: list[str]) -> None:
    window = 10.0 * a.time_scale
    bound = PAGE * BURST_MAX / window
    with portal(pg, a.time_scale, 0, contacts=a.contacts, companies=0, deals=0) as (sim, dsn):
        proc = subprocess.Popen(sync_cmd(dsn, a.time_scale, "--once", "--tables", "contacts", *extra),
                                env=sync_env(budget_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, int]] = []
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        deadline = time.monotonic() + a.timeout
        with conn.cursor() as cur:
            while proc.poll() is None and time.monotonic() < deadline:
                row = state_row(cur, "contacts")
                if row and row[0]:
                    samples.append((time.monotonic(), row[0]))
                    if row[1]:
                        break
                time.sleep(0.02)
        conn.close()
        rc, _ = wait_proc(proc, a.timeout)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if rc != 0:
            print(f"  sync failed ({rc}): {err[-1500:]}")
            return
        statuses = [r["status"] for r in sim.requests()]
    if len(samples) < 3:
        print("  too few samples")
        return
    # A sliding-window limit lets pacing run in bursts synchronised with the window, so
    # the fair figure is the rate over whole windows, after the first (empty-window) one.
    t0, t_end = samples[0][0], samples[-1][0]
    k = int((t_end - t0) / window) - 1
    overall = (samples[-1][1] - samples[0][1]) / max(1e-6, t_end - t0)
    if k < 1:
        print(f"  run too short for whole windows ({t_end - t0:.1f} s, window {window:g} s); use more --contacts")
        return
    ta, tb = t0 + window, t0 + (k + 1) * window
    rate = (stored_at(samples, tb) - stored_at(samples, ta)) / (tb - ta)
    label = " ".join(extra) or "defaults"
    print(f"  [{label}] {a.contacts:,} contacts; bound = {PAGE} x {BURST_MAX} / {window:g} s = {bound:,.0f} rec/s")
    print(f"  after the first window: {rate:,.0f} rec/s = {100 * rate / bound:.1f}% of the bound "
          f"(over {k} whole window(s), {tb - ta:.1f} s; whole run incl. first-window burst {overall:,.0f} rec/s); "
          f"429s: {statuses.count(429)} of {len(statuses)} requests")


# -- (b) latency ---------------------------------------------------------------------------
def latency(pg: ThrowawayPostgres, a: argparse.Namespace, budget_dir: str) -> None:
    from hubspot_fdw.materializer.config import SyncConfig
    poll = SyncConfig.poll_interval
    lag = a.index_lag_ms / 1000.0
    with portal(pg, a.time_scale, a.index_lag_ms, contacts=a.latency_contacts, companies=a.latency_contacts // 5,
                deals=0) as (sim, dsn):
        # daemon with default settings (only the budget window follows the simulator's time scale)
        proc = subprocess.Popen(sync_cmd(dsn, a.time_scale, "--tables", a.latency_tables),
                                env=sync_env(budget_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        lat: list[float] = []
        try:
            with conn.cursor() as cur:
                deadline = time.monotonic() + a.timeout
                while time.monotonic() < deadline and proc.poll() is None:
                    cur.execute("SELECT count(*) FILTER (WHERE phase = 'live'), count(*) FROM hubspot_fdw.sync_state")
                    live, total = cur.fetchone()
                    if total and live == total == len(a.latency_tables.split(",")):
                        break
                    time.sleep(0.1)
                else:
                    raise RuntimeError("daemon did not reach live: " + (proc.stderr.read().decode()[-1500:]
                                                                       if proc.poll() is not None else "timeout"))
                cur.execute("SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT %s", (a.edits,))
                ids = [r[0] for r in cur.fetchall()]
                rng = random.Random(7)
                for n, cid in enumerate(ids):
                    time.sleep(rng.uniform(0, poll))  # edits land at random phases of the poll cycle
                    value = f"bench{n}x{rng.randrange(1 << 30)}"
                    t0 = time.monotonic()
                    sim.admin("PATCH", f"/objects/contacts/{cid}", {"properties": {"firstname": value}})
                    until = t0 + 60
                    while time.monotonic() < until:
                        cur.execute("SELECT firstname FROM hubspot_cache.contacts WHERE id = %s", (cid,))
                        row = cur.fetchone()
                        if row and row[0] == value:
                            lat.append(time.monotonic() - t0)
                            break
                        time.sleep(0.01)
        finally:
            conn.close()
            proc.terminate()
            wait_proc(proc, 30)
    if not lat:
        print("  no edit arrived")
        return
    lat.sort()
    med, p95 = statistics.median(lat), lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    print(f"  {len(lat)} edits, tables {a.latency_tables}; poll interval {poll:g} s, simulated index lag {lag:g} s")
    print(f"  latency: median {med:.2f} s, p95 {p95:.2f} s, min {lat[0]:.2f} s, max {lat[-1]:.2f} s")
    print(f"  own overhead (latency - poll interval - lag): median {med - poll - lag:+.2f} s, "
          f"p95 {p95 - poll - lag:+.2f} s")


# -- (c) memory ----------------------------------------------------------------------------
def memory(pg: ThrowawayPostgres, a: argparse.Namespace, budget_dir: str, extra: list[str]) -> None:
    with portal(pg, a.time_scale, 0, contacts=a.memory_contacts, companies=0, deals=0) as (sim, dsn):
        t0 = time.monotonic()
        proc = subprocess.Popen(sync_cmd(dsn, a.time_scale, "--once", "--tables", "contacts", *extra),
                                env=sync_env(budget_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        rc, rss_kib = wait_proc(proc, a.timeout)
        elapsed = time.monotonic() - t0
        conn = psycopg2.connect(dsn)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM hubspot_cache.contacts")
            rows = cur.fetchone()[0]
        conn.close()
    if rc != 0:
        print(f"  sync failed ({rc}): {proc.stderr.read().decode()[-1500:]}")
    print(f"  backfilled {rows:,} of {a.memory_contacts:,} contacts in {elapsed:.1f} s; "
          f"peak RSS of the sync process {rss_kib / 1024:.1f} MiB")


def main() -> None:
    run_as_postgres()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-scale", type=float, default=0.8, help="simulator and budget window scale")
    ap.add_argument("--contacts", type=int, default=60_000, help="contacts for the throughput run")
    ap.add_argument("--edits", type=int, default=30, help="single edits for the latency run")
    ap.add_argument("--latency-contacts", type=int, default=2_000)
    ap.add_argument("--latency-tables", default="contacts,companies,associations_company_contact")
    ap.add_argument("--index-lag-ms", type=int, default=1_000, help="simulated search index lag")
    ap.add_argument("--memory-contacts", type=int, default=100_000)
    ap.add_argument("--sync-args", default="", help="extra sync flags for the throughput and memory runs")
    ap.add_argument("--skip", default="", help="comma-separated: throughput,latency,memory")
    ap.add_argument("--timeout", type=float, default=240.0, help="per-run limit, seconds")
    a = ap.parse_args()
    skip = set(a.skip.split(","))
    extra = a.sync_args.split()
    with ThrowawayPostgres() as pg, tempfile.TemporaryDirectory(prefix="bench-budget-") as budget_dir:
        os.chmod(budget_dir, 0o700)
        if "throughput" not in skip:
            print(f"(a) backfill throughput (time scale {a.time_scale:g})")
            throughput(pg, a, budget_dir, extra)
        if "latency" not in skip:
            print("(b) change-to-cache latency, daemon with default settings")
            latency(pg, a, budget_dir)
        if "memory" not in skip:
            print("(c) peak memory, backfill")
            memory(pg, a, budget_dir, extra)


if __name__ == "__main__":
    main()
