"""Crash hunt: a bounded sqlsmith run over imported HubSpot tables, in live and cache mode.

Starts a throwaway PostgreSQL (PG_BIN's) and a simulator, imports the schema, fills the cache
with one materializer pass, then lets sqlsmith (Debian package ``sqlsmith``; this script
installs nothing) send random queries as a non-superuser role holding the documented
read-write grants. Each read mode runs twice: as is, and with parallel query forced on
(``force_parallel_mode`` / ``debug_parallel_query``, chosen by the server's version); the
library is preloaded, as for the background sync. Prints, per run, the queries sent,
their rate and the most frequent error messages; exits 1 if any backend crashed (or
sqlsmith is missing), 0 otherwise.

    python bench/crash_hunt.py --queries 5000 --seed 1

Not a test: tests/fdw/test_crash_hunt.py runs a small version in the suite.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hubspot_fdw.devtools.crash_hunt import HuntResult, hunt, sqlsmith_path  # noqa: E402
from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres  # noqa: E402
from hubspot_fdw.simulator.process import start_simulator  # noqa: E402

ROLE = "smith"
SIZES = dict(contacts=300, companies=40, deals=60, tickets=20, owners=5)
TABLES = "contacts,companies,deals,tickets,owners,associations_company_contact,associations_contact_deal"


def prepare(dsn: str, sim, sync_timeout: float) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION hubspot_fdw")
        cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s, max_retries '1')",
                    (sim.base_url,))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        cur.execute("CREATE SCHEMA hubspot")
        cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({TABLES}) FROM SERVER hubspot INTO hubspot")
        cur.execute(f"CREATE ROLE {ROLE} LOGIN")
        cur.execute(f"GRANT USAGE ON SCHEMA hubspot TO {ROLE}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hubspot TO {ROLE}")
        cur.execute(f"CREATE USER MAPPING FOR {ROLE} SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    conn.close()
    subprocess.run([sys.executable, "-m", "hubspot_fdw.cli", "sync", "--dsn", dsn, "--server", "hubspot",
                    "--once", "--tables", TABLES], check=True, timeout=sync_timeout,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def top_errors(output: str, n: int = 8) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()  # sqlsmith repeats its cumulative summary: the last one counts
    for line in output.splitlines():
        found = re.match(r"\s*(\d+)\s+(ERROR:.*)", line)
        if found:
            counts[found.group(2)[:110]] = int(found.group(1))
    return counts.most_common(n)


def report(result: HuntResult) -> None:
    verdict = "CRASH" if result.crashed else "no crash"
    label = result.mode + ("+parallel" if result.parallel else "")
    print(f"{label:15} {result.queries:8d} queries {result.seconds:8.1f} s {result.rate:8.1f} q/s  {verdict}")
    if result.crashed:
        print(f"       watcher: {result.watcher_error}")
    for message, count in top_errors(result.output):
        print(f"       {count:6d}  {message}")


def main() -> None:
    run_as_postgres()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=3000, help="queries per read mode")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", default="live,cache")
    ap.add_argument("--wall-limit", type=float, default=600.0, help="seconds per mode")
    ap.add_argument("--no-parallel", action="store_true", help="skip the runs with parallel query forced on")
    a = ap.parse_args()
    if sqlsmith_path() is None:
        print("sqlsmith is not installed (apt-get install sqlsmith)")
        sys.exit(1)
    crashed = False
    with ThrowawayPostgres(settings={"shared_preload_libraries": "'hubspot_fdw'"}) as pg, start_simulator(seed=3, no_limits=True, index_lag_ms=0, **SIZES) as sim:
        dsn = pg.dsn
        prepare(dsn, sim, sync_timeout=300.0)
        role_dsn = re.sub(r"user=\S+", f"user={ROLE}", dsn)
        print(f"sqlsmith, seed {a.seed}, up to {a.queries} queries per mode, as role {ROLE}")
        for mode in a.modes.split(","):
            for parallel in (False,) if a.no_parallel else (False, True):
                result = hunt(dsn, role_dsn, mode, a.queries, a.seed, wall_limit=a.wall_limit, parallel=parallel)
                report(result)
                crashed |= result.crashed
    print("result: " + ("BACKEND CRASH" if crashed else "zero backend crashes"))
    sys.exit(1 if crashed else 0)


if __name__ == "__main__":
    main()
