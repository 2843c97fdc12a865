#!/usr/bin/env python3
"""Benchmark the C host's scan paths (not a test): prints medians and ratios.

1,000,000 rows x 10 columns (5 ints, 5 short texts); SELECT count(*) and
SELECT sum(c4) through (a) a wrapper yielding tuples from Python, (b) a
delegated scan of a local table with the same rows, (c) that local table.
Parallel workers and JIT off; medians of several interleaved runs in one session.
Targets: (b) within 1.3x of (c); (a) at most 10x of (c).

Usage (as root it re-runs itself as postgres): venv/bin/python bench/host_scan.py [--rows N] [--runs K]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import sysconfig
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres  # noqa: E402

COLUMNS = "c1 int, c2 int, c3 int, c4 bigint, c5 int, t1 text, t2 text, t3 text, t4 text, t5 text"
QUERIES = {"count(*)": "SELECT count(*) FROM {}", "sum(c4)": "SELECT sum(c4) FROM {}"}


def setup(cur, rows: int) -> None:
    bench_dir = pathlib.Path(__file__).resolve().parent
    cur.execute("CREATE EXTENSION hubspot_fdw")
    cur.execute("SET hubspot_fdw.python_path = %s",
                (f"{sysconfig.get_paths()['purelib']}:{bench_dir}",))
    cur.execute(f"CREATE TABLE native ({COLUMNS})")
    cur.execute("INSERT INTO native SELECT g, g, g, g, g, 'name' || (g %% 1000), 'x', 'abc', 'k4', 'zz' "
                "FROM generate_series(0, %s - 1) g", (rows,))
    cur.execute("VACUUM ANALYZE native")
    cur.execute("CREATE SERVER py FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'bench_wrappers.Tuples')")
    cur.execute(f"CREATE FOREIGN TABLE python_tuples ({COLUMNS}) SERVER py OPTIONS (rows %s)", (str(rows),))
    cur.execute("CREATE SERVER local FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'bench_wrappers.Delegated')")
    cur.execute(f"CREATE FOREIGN TABLE delegated ({COLUMNS}) SERVER local OPTIONS (rows %s, table 'native')",
                (str(rows),))
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("SET jit = off")


def medians_ms(cur, cases: dict[tuple[str, str], str], runs: int) -> dict[tuple[str, str], float]:
    """Median time of each statement, the runs of all cases interleaved (fairer under noise)."""
    timings: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
    for sql in cases.values():  # warm-up: caches, instance creation
        cur.execute(sql)
        cur.fetchall()
    for _ in range(runs):
        for case, sql in cases.items():
            started = time.perf_counter()
            cur.execute(sql)
            cur.fetchall()
            timings[case].append((time.perf_counter() - started) * 1000)
    return {case: statistics.median(values) for case, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    run_as_postgres()
    import psycopg2

    with ThrowawayPostgres(settings={"shared_buffers": "256MB"}) as pg:
        conn = psycopg2.connect(pg.dsn)
        conn.autocommit = True
        cur = conn.cursor()
        setup(cur, args.rows)
        tables = {"(a) python tuples": "python_tuples", "(b) delegated scan": "delegated",
                  "(c) native table": "native"}
        results = medians_ms(cur, {(label, q): sql.format(table)
                                   for label, table in tables.items() for q, sql in QUERIES.items()},
                             args.runs)
        conn.close()

    print(f"{args.rows:,} rows x 10 columns, median of {args.runs} runs, parallel off, jit off")
    print(f"{'path':<22}{'query':<10}{'ms':>10}{'x native':>10}")
    for (label, query), ms in results.items():
        ratio = ms / results[("(c) native table", query)]
        print(f"{label:<22}{query:<10}{ms:>10.1f}{ratio:>10.2f}")
    for query in QUERIES:
        native = results[("(c) native table", query)]
        print(f"{query}: delegated {results[('(b) delegated scan', query)] / native:.2f}x (target <= 1.3), "
              f"python {results[('(a) python tuples', query)] / native:.2f}x (target <= 10)")


if __name__ == "__main__":
    main()
