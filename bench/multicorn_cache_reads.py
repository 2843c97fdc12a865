#!/usr/bin/env python3
"""Benchmark cache reads on the path upstream Multicorn2 forces (not a test): prints
medians and ratios against the cache table read natively.

The same cache table (ROWS contacts-like rows, 8 columns) is read (a) natively,
(b) through our host (HubSpotFdw, read_mode cache: the delegated scan), and (c) the way
the wrapper reads under upstream Multicorn2: through cache_dsn, rows as Python dicts
(bench/multicorn_wrappers.py). (c) runs inside our host, whose per-value conversion
stands in for Multicorn's C conversion, which upstream's own benchmark puts at a similar
cost (about 0.8 us per 10-value row): upstream itself is not installed here.
Parallel workers and JIT off; medians of interleaved runs in one session.

Usage (as root it re-runs itself as postgres): venv/bin/python bench/multicorn_cache_reads.py [--rows N] [--runs K]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import sysconfig

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from host_scan import medians_ms  # noqa: E402

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres  # noqa: E402

COLUMNS = ("id text, email text, firstname text, lastname text, createdate timestamptz, "
           "amount numeric, lifecyclestage text, archived boolean")
QUERIES = {
    "count(*)": "SELECT count(*) FROM {}",
    "all columns": "SELECT count(t.*) FROM {} t",  # a whole-row value needs every column
    "email LIKE": "SELECT id, email FROM {} WHERE email LIKE 'a%'",
    "order+limit": "SELECT id, createdate FROM {} ORDER BY createdate DESC LIMIT 100",
    "id = x": "SELECT * FROM {} WHERE id = '4242'",
}


def setup(cur, dsn: str, rows: int) -> None:
    bench_dir = pathlib.Path(__file__).resolve().parent
    cur.execute("CREATE EXTENSION hubspot_fdw")
    cur.execute("SET hubspot_fdw.python_path = %s", (f"{sysconfig.get_paths()['purelib']}:{bench_dir}",))
    cur.execute("CREATE SCHEMA hubspot_cache")
    cur.execute(f"CREATE TABLE hubspot_cache.contacts ({COLUMNS}, PRIMARY KEY (id))")
    cur.execute("INSERT INTO hubspot_cache.contacts SELECT g::text, chr(97 + g %% 26) || g || '@x.example', "
                "'first' || g, 'last' || g, timestamptz '2024-01-01' + g * interval '1 minute', g * 1.5, "
                "'lead', false FROM generate_series(1, %s) g", (rows,))
    cur.execute("VACUUM ANALYZE hubspot_cache.contacts")
    table_options = "OPTIONS (\"table\" 'contacts', object_type 'contacts', read_mode 'cache')"
    for server, wrapper in (("host", "hubspot_fdw.HubSpotFdw"), ("upstream", "multicorn_wrappers.ThroughCacheDsn")):
        cur.execute(f"CREATE SERVER {server} FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper '{wrapper}')")
        cur.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS "
                    "(access_token 'unused', cache_dsn %s)", (dsn,))
        cur.execute(f"CREATE FOREIGN TABLE {server}_contacts ({COLUMNS}) SERVER {server} {table_options}")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("SET jit = off")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    run_as_postgres()
    import psycopg2

    with ThrowawayPostgres(settings={"shared_buffers": "128MB"}) as pg:
        conn = psycopg2.connect(pg.dsn)
        conn.autocommit = True
        cur = conn.cursor()
        setup(cur, pg.dsn, args.rows)
        paths = {"(a) native": "hubspot_cache.contacts", "(b) our host": "host_contacts",
                 "(c) upstream path": "upstream_contacts"}
        results = medians_ms(cur, {(label, q): sql.format(t) for label, t in paths.items()
                                   for q, sql in QUERIES.items()}, args.runs)
        conn.close()

    print(f"{args.rows:,} cache rows x 8 columns, median of {args.runs} runs, parallel off, jit off")
    print(f"{'query':<14}{'native ms':>10}{'host ms':>10}{'host x':>8}{'upstream ms':>13}{'upstream x':>12}")
    for query in QUERIES:
        native = results[("(a) native", query)]
        host = results[("(b) our host", query)]
        upstream = results[("(c) upstream path", query)]
        print(f"{query:<14}{native:>10.2f}{host:>10.2f}{host / native:>8.1f}{upstream:>13.2f}{upstream / native:>12.1f}")


if __name__ == "__main__":
    main()
