"""SQL the wrapper runs locally: in the user's transaction on the hubspot_fdw host,
through a psycopg2 connection (option ``cache_dsn``, best on the user mapping) under
upstream Multicorn2, whose statements never wait for the user's own transaction
(cache_connection.py).

Deliberately not here: which statements (readmode.py, cache_reads.py, cache_writes.py).
"""

from __future__ import annotations

from typing import Any, Sequence

from hubspot_fdw.cache import BackendRunner, SqlRunner
from hubspot_fdw.fdw.cache_connection import GuardedRunner, connect
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.host.capabilities import HOST_AVAILABLE

_connections: dict[str, Any] = {}


def cache_connection(options: FdwOptions) -> Any:
    """The backend's autocommit psycopg2 connection for ``cache_dsn`` (one per DSN)."""
    connection = _connections.get(str(options.cache_dsn))
    if connection is None or connection.closed:
        connection = connect(str(options.cache_dsn), autocommit=True)
        _connections[str(options.cache_dsn)] = connection
    return connection


def local_runner(options: FdwOptions) -> SqlRunner | None:
    """The runner for local SQL, or None when there is none (Multicorn2 without cache_dsn)."""
    if HOST_AVAILABLE:
        return BackendRunner()
    if not options.cache_dsn:
        return None
    return GuardedRunner(cache_connection(options), [options.cache_schema, "hubspot_fdw"])


def run(options: FdwOptions, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    runner = local_runner(options)
    if runner is None:
        raise FdwError("local SQL needs the hubspot_fdw host or the option cache_dsn",
                       sqlstate="0A000", hint="Under Multicorn2, set cache_dsn in the user mapping, "
                                              "or use the table option read_mode 'live'.")
    return runner.execute(sql, params)


def table_exists(options: FdwOptions, qualified: str) -> bool:
    rows = run(options, "SELECT to_regclass($1) IS NOT NULL AS ok", [qualified])
    return bool(rows and rows[0]["ok"] in (True, "t", "true"))
