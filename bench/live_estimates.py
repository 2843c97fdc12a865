#!/usr/bin/env python3
"""Benchmark what planning a live join costs a short connection (not a test).

A BI tool that opens a connection per query runs the live 4-way join of deals,
companies, their associations and owners (20 deals, 40 companies) on a new backend each
time. Measured per connection, with ``use_remote_estimate`` off (the default: planning
asks HubSpot nothing) and on (planning counts each object table): HubSpot requests,
count requests among them, and the wall time of connect + query, with the simulator
answering every request after ``--latency-ms`` (a HubSpot round trip). Prints medians and
the ratios on/off, and what the count requests cost a portal's daily API limit at one
connection per query.

Usage (as root it re-runs itself as postgres):
  venv/bin/python bench/live_estimates.py [--connections N] [--latency-ms MS]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, import_hubspot, run_as_postgres  # noqa: E402

FOUR_WAY = ("SELECT d.dealname, c.name, o.email FROM hubspot.deals d "
            "JOIN hubspot.associations_company_deal a ON a.deal_id = d.id "
            "JOIN hubspot.companies c ON c.id = a.company_id "
            "JOIN hubspot.owners o ON o.id = d.hubspot_owner_id")
TABLES = "deals, companies, owners, associations_company_deal"


def one_connection(dsn: str, sim) -> tuple[int, int, float]:
    """(requests, count requests, ms) of a new live connection running the join once."""
    import psycopg2

    sim.clear_requests()
    started = time.perf_counter()
    conn = psycopg2.connect(dsn, options="-c hubspot_fdw.read_mode=live")
    try:
        with conn.cursor() as cur:
            cur.execute(FOUR_WAY)
            assert cur.fetchall()
    finally:
        conn.close()
    ms = 1000.0 * (time.perf_counter() - started)
    made = sim.requests()
    return len(made), sum(1 for r in made if r["path"].endswith("/search")), ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10, help="per setting")
    parser.add_argument("--latency-ms", type=int, default=100, help="added to every HubSpot response")
    parser.add_argument("--daily-limit", type=int, default=250_000, help="the portal's daily API limit")
    args = parser.parse_args()
    run_as_postgres()
    import psycopg2

    from hubspot_fdw.simulator.process import start_simulator

    with start_simulator(seed=11, no_limits=True, deals=20, companies=40, owners=3, contacts=5) as sim, \
            ThrowawayPostgres(settings={"jit": "off"}) as pg:
        admin = psycopg2.connect(pg.dsn)
        admin.autocommit = True
        cur = admin.cursor()
        import_hubspot(cur, sim.base_url, sim.token, TABLES)
        cur.execute("ALTER SERVER hubspot OPTIONS (ADD use_remote_estimate 'false')")
        sim.set_faults(latency_ms=args.latency_ms)
        results: dict[str, list[tuple[int, int, float]]] = {"off": [], "on": []}
        for round_number in range(args.connections):
            for setting in (["off", "on"] if round_number % 2 == 0 else ["on", "off"]):
                cur.execute("ALTER SERVER hubspot OPTIONS (SET use_remote_estimate %s)",
                            ("true" if setting == "on" else "false",))
                results[setting].append(one_connection(pg.dsn, sim))
        admin.close()

    print(f"live 4-way join (20 deals), a new connection per query, {args.connections} connections per "
          f"setting, {args.latency_ms} ms per HubSpot request")
    print(f"{'use_remote_estimate':<22}{'requests':>10}{'counts':>8}{'ms/connection':>15}")
    medians = {}
    for setting, rows in results.items():
        requests = statistics.median(r[0] for r in rows)
        counts = statistics.median(r[1] for r in rows)
        ms = statistics.median(r[2] for r in rows)
        medians[setting] = (requests, counts, ms)
        print(f"{setting:<22}{requests:>10.0f}{counts:>8.0f}{ms:>15.1f}")
    on, off = medians["on"], medians["off"]
    print(f"ratio on/off: requests {on[0] / off[0]:.2f}, time {on[2] / off[2]:.2f}")
    print(f"count requests: {on[1] / on[0]:.0%} of the requests with use_remote_estimate 'true'; at one "
          f"connection per query a {args.daily_limit:,}/day limit allows {args.daily_limit / on[0]:,.0f} "
          f"such queries a day with it, {args.daily_limit / off[0]:,.0f} without")


if __name__ == "__main__":
    main()
