#!/usr/bin/env python3
"""Benchmark live ORDER BY … LIMIT on a large simulated portal (not a test).

For each query, reading ``--contacts`` contacts live: the HubSpot requests it made (from
the simulator's request log), whether its rows equal PostgreSQL sorting everything it
reads (the same query over ``OFFSET 0``, which keeps the sort out of the scan) where
that is affordable, and the wall time.

Usage (as root it re-runs itself as postgres):
  venv/bin/python bench/live_sort.py [--contacts N] [--skip-text]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, import_hubspot, run_as_postgres  # noqa: E402

QUERIES = [
    ("SELECT id, email FROM hubspot.contacts ORDER BY id LIMIT 1", True),
    ("SELECT id, email FROM hubspot.contacts ORDER BY id DESC LIMIT 1", True),
    ("SELECT id, email FROM hubspot.contacts ORDER BY id LIMIT 200", True),
    ("SELECT id, created_at FROM hubspot.contacts ORDER BY created_at DESC LIMIT 1", False),
    ("SELECT id, created_at FROM hubspot.contacts ORDER BY created_at LIMIT 1", False),
    ("SELECT id, email FROM hubspot.contacts ORDER BY email LIMIT 1", False),
]


def run(cur, sim, sql: str) -> tuple[list[tuple], int, float]:
    sim.clear_requests()
    started = time.perf_counter()
    cur.execute(sql)
    rows = cur.fetchall()
    return rows, len(sim.requests()), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--skip-text", action="store_true", help="skip ORDER BY email (reads every contact)")
    args = parser.parse_args()
    run_as_postgres()
    import psycopg2

    from hubspot_fdw.simulator.process import start_simulator

    with start_simulator(seed=5, no_limits=True, contacts=args.contacts, companies=1, deals=1) as sim, \
            ThrowawayPostgres(settings={"jit": "off"}) as pg:
        conn = psycopg2.connect(pg.dsn, options="-c hubspot_fdw.read_mode=live")
        conn.autocommit = True
        cur = conn.cursor()
        import_hubspot(cur, sim.base_url, sim.token, "contacts")
        print(f"live ORDER BY … LIMIT on {args.contacts:,} simulated contacts")
        print(f"{'requests':>8}  {'seconds':>7}  {'equal':>5}  query", flush=True)
        for sql, check in QUERIES:
            if args.skip_text and "email LIMIT" in sql:
                continue
            rows, requests, seconds = run(cur, sim, sql)
            equal = "-"
            if check:
                head, order = sql.split(" ORDER BY ")
                local, _, _ = run(cur, sim, f"SELECT * FROM ({head} OFFSET 0) q ORDER BY {order}")
                equal = "yes" if local == rows else "NO"
            print(f"{requests:>8}  {seconds:>7.2f}  {equal:>5}  {sql}", flush=True)


if __name__ == "__main__":
    main()
