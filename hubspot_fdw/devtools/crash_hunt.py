"""A bounded sqlsmith run against one database, and whether any backend crashed meanwhile.

sqlsmith (Debian package ``sqlsmith``) sends random queries over every table it sees;
errors are expected and counted, a crash is not. A crash is detected the way PostgreSQL
signals it: when a backend dies, the postmaster ends every other session with "crash of
another server process", so a watcher session opened before the run that no longer
answers afterwards (or answers with that message) means a crash. sqlsmith runs as a
role without superuser rights, so it cannot end the watcher with pg_terminate_backend.

With ``parallel=True`` every query is planned with parallel query forced on
(``debug_parallel_query`` on PostgreSQL 16+, ``force_parallel_mode`` on 15, two workers
per Gather): HubSpot foreign tables must then still never
reach the embedded interpreter from parallel mode.

Used by bench/crash_hunt.py and tests/fdw/test_crash_hunt.py. Installs nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import psycopg2


@dataclass(frozen=True)
class HuntResult:
    mode: str
    parallel: bool
    queries: int          # queries sqlsmith sent (its progress characters)
    seconds: float
    crashed: bool
    watcher_error: str | None
    sqlsmith_exit: int
    output: str           # sqlsmith's output (progress and error counts)

    @property
    def tail(self) -> str:
        return self.output[-2000:]

    @property
    def rate(self) -> float:
        return self.queries / self.seconds if self.seconds else 0.0


def sqlsmith_path() -> str | None:
    return shutil.which("sqlsmith")


def parallel_settings(server_version_num: int) -> dict[str, str]:
    """Settings that plan every query in parallel mode, for this server version."""
    force = "debug_parallel_query" if server_version_num >= 160000 else "force_parallel_mode"
    # (zero parallel costs would put a Gather under every nested loop: sqlsmith's own
    # catalog queries then launch workers by the thousand and never finish loading)
    return {force: "on", "max_parallel_workers_per_gather": "2"}


def _conninfo(dsn: str, mode: str, statement_timeout_ms: int, extra: dict[str, str]) -> str:
    settings = {"hubspot_fdw.read_mode": mode, "statement_timeout": str(statement_timeout_ms), **extra}
    options = " ".join(f"-c {name}={value}" for name, value in settings.items())
    return f"{dsn} options='{options}'"


_PROGRESS = re.compile(r"[.eStC]+")  # sqlsmith --verbose: one character per query


def _queries(output: str) -> int:
    """Queries sent: sqlsmith prints '.' (ok), 'e' (error), 'S' (syntax error),
    't' (timeout) or 'C' (connection lost) per query, on lines of their own."""
    return sum(len(line.strip()) for line in output.splitlines()
               if line.strip() and _PROGRESS.fullmatch(line.strip()))


def hunt(admin_dsn: str, role_dsn: str, mode: str, max_queries: int, seed: int,
         statement_timeout_ms: int = 2000, wall_limit: float = 300.0, parallel: bool = False) -> HuntResult:
    """Run sqlsmith over ``role_dsn`` in read mode ``mode`` (parallel query forced on if
    ``parallel``); watch with ``admin_dsn``."""
    binary = sqlsmith_path()
    if binary is None:
        raise FileNotFoundError("sqlsmith is not installed (Debian package sqlsmith)")
    watcher = psycopg2.connect(admin_dsn)
    watcher.autocommit = True
    extra = parallel_settings(watcher.server_version) if parallel else {}
    started = time.monotonic()
    command = [binary, f"--target={_conninfo(role_dsn, mode, statement_timeout_ms, extra)}", "--exclude-catalog",
               f"--max-queries={max_queries}", f"--seed={seed}", "--verbose"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=wall_limit)
        output, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) else (
            expired.stdout or "")
        output += "\n(sqlsmith stopped at the wall-clock limit)"
        code = -1
    seconds = time.monotonic() - started
    error: str | None = None
    try:
        with watcher.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except psycopg2.Error as failure:
        error = str(failure).strip()
    finally:
        watcher.close()
    crashed = error is not None and "administrator command" not in error
    return HuntResult(mode, parallel, _queries(output), seconds, crashed, error, code, output)
