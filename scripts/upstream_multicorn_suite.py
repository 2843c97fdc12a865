"""Run upstream Multicorn2's own regression suite on hubspot_fdw's host (for maintainers).

    python scripts/upstream_multicorn_suite.py /path/to/multicorn2-checkout [--keep]

The suite's SQL and expected output are used unchanged except for one rewrite: on the
lines that create or drop the extension or name the foreign data wrapper, ``multicorn``
becomes ``hubspot_fdw``. The checkout's ``python/`` directory (its test wrappers
``multicorn.testfdw``, ``multicorn.fsfdw``, ...) goes on ``hubspot_fdw.python_path``
after the installed hubspot_fdw environment, so upstream's own ``multicorn`` package is
the one the wrappers import. pg_regress runs against a throwaway server (127.0.0.1, a
free port) made from the PostgreSQL installation of ``PG_BIN`` (default: Debian's 15);
hubspot_fdw must be installed there (``make install PG_CONFIG=...``). As root, the
script re-runs itself as ``postgres``.

Prints one line per test, ``identical`` or ``differs``, a summary, and whether the
server crashed. ``--keep`` keeps the work directory (diffs, results, server log).
Not part of ``make test``: the project ships none of upstream's code or tests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_fdw.devtools.throwaway_pg import PG_BIN, ThrowawayPostgres, run_as_postgres  # noqa: E402

# The tests upstream's Makefile runs for Python 3 and PostgreSQL 14+ without SQLAlchemy.
TESTS = (
    "multicorn_cache_invalidation", "multicorn_column_options_test", "multicorn_error_test",
    "multicorn_logger_test", "multicorn_planner_test", "multicorn_regression_test",
    "multicorn_sequence_test", "multicorn_test_date", "multicorn_test_dict",
    "multicorn_test_limit", "multicorn_test_list", "multicorn_test_sort",
    "write_savepoints", "write_test", "import_test", "write_filesystem", "write_batch_test",
)

TIMEOUT = 900  # seconds for the whole suite (a hung backend must not hang the script)

# Only these lines name the extension or the wrapper; everything else stays as it is.
RENAMED_LINE = re.compile(r"(extension|foreign data wrapper)\s+multicorn\b", re.IGNORECASE)


def rename_line(line: str) -> str:
    return RENAMED_LINE.sub(lambda m: m.group(0)[: -len("multicorn")] + "hubspot_fdw", line)


def copy_renamed(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            (target / path.name).write_text("".join(rename_line(l) for l in text.splitlines(True)),
                                            encoding="utf-8")


def test_directory(checkout: Path) -> Path:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for name in (f"test-{version}", "test-3.x", "test-3.9"):
        if (checkout / name / "sql").is_dir():
            return (checkout / name).resolve()
    raise SystemExit(f"{checkout}: no test-{version}/sql (is this a Multicorn2 checkout?)")


def prepare(checkout: Path, work: Path) -> None:
    tests = test_directory(checkout)
    copy_renamed(tests / "sql", work / "suite" / "sql")
    copy_renamed(tests / "expected", work / "suite" / "expected")
    copy_renamed(checkout / "test-common", work / "test-common")
    shutil.copytree(checkout / "python", work / "python")


def run_suite(work: Path, pg: ThrowawayPostgres) -> dict[str, bool]:
    regress = Path(subprocess.run([str(PG_BIN / "pg_config"), "--pkglibdir"], check=True,
                                  capture_output=True, text=True).stdout.strip())
    regress = regress / "pgxs" / "src" / "test" / "regress" / "pg_regress"
    (work / "out").mkdir()
    with open(work / "pg_regress.log", "w") as log_file:
        try:
            subprocess.run([str(regress), f"--bindir={PG_BIN}", "--inputdir=suite", "--outputdir=out",
                            "--encoding=UTF8", "--host=127.0.0.1", f"--port={pg.port}",
                            f"--user={os.environ.get('USER', 'postgres')}", *TESTS],
                           cwd=work, stdout=log_file, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"pg_regress did not finish within {TIMEOUT} s: the tests not reported differ")
    log = (work / "pg_regress.log").read_text()
    results = {}
    for test in TESTS:
        match = re.search(rf"\b{test}\s+\.\.\.\s+(ok|FAILED|failed)", log)
        results[test] = bool(match and match.group(1) == "ok")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a Multicorn2 checkout (pgsql-io/multicorn2)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    run_as_postgres()
    checkout = args.checkout.resolve()
    work = Path(tempfile.mkdtemp(prefix="upstream-multicorn-"))
    prepare(checkout, work)
    site = sysconfig.get_paths()["purelib"]
    settings = {"hubspot_fdw.python_path": f"'{site}:{work / 'python'}'",
                "lc_messages": "'C'", "max_parallel_workers_per_gather": "0"}
    with ThrowawayPostgres(settings=settings) as pg:
        os.environ["USER"] = os.environ.get("USER") or "postgres"
        results = run_suite(work, pg)
        server_log = (pg.directory / "server.log").read_text(errors="replace")
        shutil.copy(pg.directory / "server.log", work / "server.log")
    crashes = len(re.findall(r"was terminated by signal", server_log))
    for test in TESTS:
        print(f"{test:32} {'identical' if results[test] else 'differs'}")
    identical = sum(results.values())
    print(f"{identical} of {len(TESTS)} identical; server crashes: {crashes}")
    if args.keep:
        print(f"work directory: {work} (out/regression.diffs, server.log)")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if identical == len(TESTS) and crashes == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
