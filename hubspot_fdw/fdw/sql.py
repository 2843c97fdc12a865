"""SQL the wrapper runs locally: in the user's transaction on the hubspot_fdw host,
through a psycopg2 connection (server option ``cache_dsn``) under upstream Multicorn2.

Deliberately not here: which statements (readmode.py, cache_reads.py, cache_writes.py).
"""

from __future__ import annotations

from typing import Any, Sequence

from hubspot_fdw.cache import BackendRunner, PsycopgRunner, SqlRunner
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.host.capabilities import HOST_AVAILABLE

_connections: dict[str, Any] = {}


def local_runner(options: FdwOptions) -> SqlRunner | None:
    """The runner for local SQL, or None when there is none (Multicorn2 without cache_dsn)."""
    if HOST_AVAILABLE:
        return BackendRunner()
    if not options.cache_dsn:
        return None
    connection = _connections.get(options.cache_dsn)
    if connection is None or connection.closed:
        import psycopg2

        connection = psycopg2.connect(options.cache_dsn)
        connection.autocommit = True
        _connections[options.cache_dsn] = connection
    return PsycopgRunner(connection)


def run(options: FdwOptions, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    runner = local_runner(options)
    if runner is None:
        raise FdwError("local SQL needs the hubspot_fdw host or the server option cache_dsn",
                       sqlstate="0A000", hint="Under Multicorn2, set cache_dsn on the server or use read_mode 'live'.")
    return runner.execute(sql, params)


def table_exists(options: FdwOptions, qualified: str) -> bool:
    rows = run(options, "SELECT to_regclass($1) IS NOT NULL AS ok", [qualified])
    return bool(rows and rows[0]["ok"] in (True, "t", "true"))
