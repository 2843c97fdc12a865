#!/usr/bin/env python3
"""Benchmark cache reads through the foreign tables against the cache tables (not a test).

20,000 cached contacts (and 2,000 companies, 20,000 associations) in a throwaway
PostgreSQL that preloads the library (shared_preload_libraries, as docs/reads.md
recommends). pgbench -M prepared runs each query through the foreign table
(``hubspot.*``: the planner substitutes the cache table) and on the cache table
directly (``hubspot_cache.*``), the two interleaved (alternating which goes first),
several rounds; prints the median time per transaction, the median of the rounds'
ratios (each round's two runs are adjacent, so drift in the machine's load cancels
out), and whether the two generic plans are the same (aliases aside).
Target: every ratio <= 1.1.

Queries: point lookup ``WHERE id = $1``; ``GROUP BY lifecyclestage``; a join of two
cached foreign tables (a company's contacts); the point lookup on a new connection
per transaction (pgbench -C). Parallel workers and JIT off. Then, on a second server
that does not preload the library, the new-connection point lookup again (each
connection loads the library while planning its first query; the figure shows what
preloading saves).

Usage (as root it re-runs itself as postgres):
  venv/bin/python bench/cache_reads.py [--seconds S] [--rounds R] [--clients C]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from hubspot_fdw.devtools.throwaway_pg import PG_BIN, ThrowawayPostgres, run_as_postgres  # noqa: E402

CONTACTS = 20_000
COMPANIES = 2_000
FIRST_ID = 10_000_000_000
STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]

# name -> (pgbench script with {c} = contacts table, {a} = associations table, extra pgbench flags)
QUERIES: dict[str, tuple[str, list[str]]] = {
    "point lookup": (f"\\set id random({FIRST_ID + 1}, {FIRST_ID + CONTACTS})\n"
                     "SELECT email, firstname FROM {c} WHERE id = :id;\n", []),
    "GROUP BY lifecyclestage": ("SELECT lifecyclestage, count(*) FROM {c} GROUP BY lifecyclestage;\n", []),
    "join of two tables": (f"\\set co random({FIRST_ID + 1}, {FIRST_ID + COMPANIES})\n"
                           "SELECT c.email FROM {a} a JOIN {c} c ON c.id = a.contact_id "
                           "WHERE a.company_id = :co;\n", []),
    "point lookup, new connection": (f"\\set id random({FIRST_ID + 1}, {FIRST_ID + CONTACTS})\n"
                                     "SELECT email, firstname FROM {c} WHERE id = :id;\n", ["-C"]),
}
PATHS = {"foreign table": ("hubspot.contacts", "hubspot.associations_company_contact"),
         "cache table": ("hubspot_cache.contacts", "hubspot_cache.associations_company_contact")}


def setup(cur, sim) -> None:
    from hubspot_fdw.api import HubSpotClient
    from hubspot_fdw.cache import ensure_table_sql
    from hubspot_fdw.catalog import build_catalog

    cur.execute("CREATE EXTENSION hubspot_fdw")
    cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    cur.execute("CREATE SCHEMA hubspot")
    cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, companies, associations_company_contact) "
                "FROM SERVER hubspot INTO hubspot")
    catalog = build_catalog(HubSpotClient(sim.base_url, sim.token, use_budget=False))
    for name in ("contacts", "companies", "associations_company_contact"):
        for sql in ensure_table_sql(catalog.table(name), "hubspot_cache"):
            cur.execute(sql)
    stages = "ARRAY[" + ",".join(f"'{s}'" for s in STAGES) + "]"
    cur.execute(f"INSERT INTO hubspot_cache.contacts (id, email, firstname, lastname, lifecyclestage) "
                f"SELECT ({FIRST_ID} + g)::text, 'person' || g || '@example.com', 'First' || g, 'Last' || g, "
                f"({stages})[1 + g % {len(STAGES)}] FROM generate_series(1, {CONTACTS}) g")
    cur.execute(f"INSERT INTO hubspot_cache.companies (id, name, domain) "
                f"SELECT ({FIRST_ID} + g)::text, 'Company ' || g, 'company' || g || '.example' "
                f"FROM generate_series(1, {COMPANIES}) g")
    cur.execute(f"INSERT INTO hubspot_cache.associations_company_contact (company_id, contact_id, labels) "
                f"SELECT ({FIRST_ID} + 1 + g % {COMPANIES})::text, ({FIRST_ID} + g)::text, '{{}}' "
                f"FROM generate_series(1, {CONTACTS}) g")
    for name in ("contacts", "companies", "associations_company_contact"):
        cur.execute("INSERT INTO hubspot_fdw.sync_state (server_name, table_name, cache_schema, phase, "
                    "backfill_done) VALUES ('hubspot', %s, 'hubspot_cache', 'live', true)", (name,))
    cur.execute("VACUUM ANALYZE")


def plan_shape(cur, sql: str) -> str:
    """The generic plan of a prepared statement, aliases normalized."""
    cur.execute("DEALLOCATE ALL")
    cur.execute("SET plan_cache_mode = force_generic_plan")
    params = re.findall(r":(\w+)", sql)
    body = sql
    for i, name in enumerate(dict.fromkeys(params), 1):
        body = body.replace(f":{name}", f"${i}")
    cur.execute(f"PREPARE shape AS {body.strip().rstrip(';')}")
    args = ", ".join(["'0'"] * len(dict.fromkeys(params)))
    cur.execute(f"EXPLAIN (COSTS OFF) EXECUTE shape{f'({args})' if args else ''}")
    text = "\n".join(r[0] for r in cur.fetchall())
    text = re.sub(r'"(\w+) \(hubspot cache\)"', r"\1", text)
    text = re.sub(r" on (\w+) \1\b", r" on \1", text)
    return re.sub(r"\b\w+\.(?=\w)", "", text)  # column qualifiers


def pgbench(pg: ThrowawayPostgres, script: str, flags: list[str], seconds: int, clients: int) -> float:
    """Milliseconds per transaction (connection included with -C)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run([str(PG_BIN / "pgbench"), "-n", "-M", "prepared", "-T", str(seconds),
                              "-c", str(clients), "-j", str(clients), *flags, "-f", f.name,
                              "-h", "127.0.0.1", "-p", str(pg.port), "postgres"],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    return 1000.0 * clients / tps


def measure(sim, preload: bool, queries: dict[str, tuple[str, list[str]]], args) -> tuple[dict, dict]:
    """Timings per (query, path) and whether the plans match, on a new server."""
    import psycopg2

    settings = {"shared_buffers": "128MB", "max_parallel_workers_per_gather": "0", "jit": "off"}
    if preload:
        settings["shared_preload_libraries"] = "'hubspot_fdw'"
    with ThrowawayPostgres(settings=settings) as pg:
        conn = psycopg2.connect(pg.dsn)
        conn.autocommit = True
        setup(conn.cursor(), sim)
        same_plans = {}
        for query, (script, _) in queries.items():
            sql = script.splitlines()[-1]
            shapes = {plan_shape(conn.cursor(), sql.format(c=c, a=a)) for c, a in PATHS.values()}
            same_plans[query] = len(shapes) == 1
        conn.close()
        timings: dict[tuple[str, str], list[float]] = {}
        for round_number in range(args.rounds):
            for query, (script, flags) in queries.items():
                order = list(PATHS.items())
                for path, (contacts, associations) in (order if round_number % 2 == 0 else order[::-1]):
                    ms = pgbench(pg, script.format(c=contacts, a=associations), flags, args.seconds,
                                 args.clients)
                    timings.setdefault((query, path), []).append(ms)
    return timings, same_plans


def report(queries, timings, same_plans) -> float:
    worst = 0.0
    for query in queries:
        foreign = statistics.median(timings[(query, "foreign table")])
        native = statistics.median(timings[(query, "cache table")])
        # the ratio of each round's adjacent pair of runs, then their median: drift cancels out
        ratio = statistics.median(f / n for f, n in zip(timings[(query, "foreign table")],
                                                         timings[(query, "cache table")]))
        worst = max(worst, ratio)
        print(f"{query:<32}{foreign:>18.3f}{native:>16.3f}{ratio:>8.2f}  "
              f"{'yes' if same_plans[query] else 'NO'}")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=2, help="per pgbench run")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    run_as_postgres()
    from hubspot_fdw.simulator.process import start_simulator

    new_connection = {k: v for k, v in QUERIES.items() if "-C" in v[1]}
    with start_simulator(seed=7, no_limits=True, contacts=5, companies=2) as sim:
        timings, same_plans = measure(sim, True, QUERIES, args)
        bare_timings, bare_plans = measure(sim, False, new_connection, args)

    print(f"{CONTACTS:,} cached contacts, pgbench -M prepared, {args.clients} clients, "
          f"median of {args.rounds} interleaved {args.seconds} s runs")
    print(f"{'query':<32}{'foreign table ms':>18}{'cache table ms':>16}{'ratio':>8}  same plan")
    worst = report(QUERIES, timings, same_plans)
    print(f"worst ratio {worst:.2f} (target <= 1.1)")
    print("Without shared_preload_libraries (each connection loads the library while planning "
          "its first query, which reads the cache planned apart, without Python):")
    report(new_connection, bare_timings, bare_plans)


if __name__ == "__main__":
    main()
