"""Benchmark how long a cancel takes while a HubSpot write is in flight. Prints figures;
not a test.

For each simulated HubSpot answer time (write latency) a statement_timeout of
``--cancel-ms`` fires while the write waits. The statement ends only after HubSpot's
answer (or the request timeout, server option ``timeout``), and the error says what
HubSpot did. Printed per case: the SQLSTATE, the time from the cancel to the error
("delay"; it includes the rollback's archive request for a cancelled create, which the
same latency slows), and whether HubSpot applied the write. The last rows use an answer
slower than the request timeout: the worst case, 08007 after the timeout.

    /opt/hsdev/<you>/venv/bin/python bench/write_cancel.py [--cancel-ms 200]
        [--latencies 250,1000,2000,4000] [--timeout 3] [--runs 3]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg2

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres
from hubspot_fdw.simulator.process import start_simulator

SIZES = dict(contacts=20, companies=0, deals=5, tickets=0, products=0, line_items=0, quotes=0, calls=0,
             emails=0, meetings=0, notes=0, tasks=0, communications=0, postal_mail=0, cars=0,
             service_requests=0)


def one_run(conn, sim, kind: str, latency_ms: int, cancel_ms: int, n: int, target: str) -> tuple[str, float, bool]:
    """(sqlstate, seconds from the cancel to the error, HubSpot applied it)."""
    path = "/crm/v3/objects/contacts" if kind == "create" else "/batch/update"
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM hubspot.contacts WHERE id = '0'")      # Python warm
        sim.set_faults(latency_ms=latency_ms, path_contains=path, methods=["POST"])
        cur.execute(f"SET statement_timeout = {cancel_ms}")
        started = time.monotonic()
        state = "00000"
        try:
            if kind == "create":
                cur.execute("INSERT INTO hubspot.contacts (email) VALUES (%s)", (f"bench{n}@cancel.example",))
            else:
                cur.execute("UPDATE hubspot.contacts SET jobtitle = %s WHERE id = %s", (f"t{n}", target))
        except psycopg2.Error as error:
            state = error.pgcode or "?"
        elapsed = time.monotonic() - started
        cur.execute("RESET statement_timeout")
    time.sleep(max(0.0, latency_ms / 1000.0 - elapsed) + 0.3)      # a late answer is logged when sent
    sim.clear_faults()
    applied = any(r["status"] in (200, 201) for r in sim.requests() if r["path"].endswith(path))
    sim.clear_requests()
    return state, max(0.0, elapsed - cancel_ms / 1000.0), applied


def main() -> None:
    run_as_postgres()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cancel-ms", type=int, default=200)
    ap.add_argument("--latencies", default="250,1000,2000,4000", help="HubSpot answer times, ms")
    ap.add_argument("--timeout", type=int, default=3, help="server option timeout (seconds)")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with ThrowawayPostgres() as pg, start_simulator(seed=3, no_limits=True, index_lag_ms=0, **SIZES) as sim:
        conn = psycopg2.connect(pg.dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION hubspot_fdw")
            cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw "
                        "OPTIONS (api_url %s, timeout %s, max_retries '0', use_budget 'false')",
                        (sim.base_url, str(a.timeout)))
            cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)",
                        (sim.token,))
            cur.execute("CREATE SCHEMA hubspot")
            cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
            cur.execute("SET hubspot_fdw.read_mode = 'live'")
            cur.execute("SELECT min(id) FROM hubspot.contacts")
            target = cur.fetchone()[0]
        print(f"statement_timeout {a.cancel_ms} ms during the write; request timeout {a.timeout} s; "
              f"{a.runs} runs each")
        print(f"{'write':8} {'answer ms':>9} {'sqlstate':>8} {'delay median s':>14} {'delay max s':>11} "
              f"{'HubSpot applied':>15}")
        n = 0
        for kind in ("create", "update"):
            for latency in (int(x) for x in a.latencies.split(",")):
                states, delays, applied = set(), [], set()
                for _ in range(a.runs):
                    n += 1
                    state, delay, done = one_run(conn, sim, kind, latency, a.cancel_ms, n, target)
                    states.add(state)
                    delays.append(delay)
                    applied.add(done)
                print(f"{kind:8} {latency:9d} {'/'.join(sorted(states)):>8} {statistics.median(delays):14.2f} "
                      f"{max(delays):11.2f} {'/'.join(str(x) for x in sorted(applied)):>15}")
        conn.close()


if __name__ == "__main__":
    main()
