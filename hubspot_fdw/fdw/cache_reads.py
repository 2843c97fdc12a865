"""Cache reads: the scan answered from the local cache table with conditions,
columns, order and limit pushed into one SELECT.

On the hubspot_fdw host the SELECT is returned as a ``LocalScan`` and streamed in C
(no Python per row). Under upstream Multicorn2 the same SELECT runs through a
psycopg2 server-side cursor (server option ``cache_dsn``) and rows go through Python.

A column the foreign table declares but the cache table lacks yet (a property just
imported, not yet synced) reads as NULL instead of failing. A cache schema stamped for
another server (``hubspot_fdw.cache_portals``) is never read.

Deliberately not here: deciding to use the cache (readmode.py), writing it (cache_writes.py).
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from hubspot_fdw.cache import qualified_table, to_pyformat
from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.fdw.sql import run, table_exists
from hubspot_fdw.host.capabilities import HOST_AVAILABLE, SCAN_OPERATORS, LocalScan


def _pushable(operator: Any) -> bool:
    name = operator[0] if isinstance(operator, tuple) else operator
    return name in SCAN_OPERATORS


def _present_columns(schema: str, table: str) -> set[str] | None:
    """The cache table's columns (None when unknown: not on our host)."""
    if not HOST_AVAILABLE:
        return None
    from hubspot_fdw.cache import existing_columns_sql
    from hubspot_fdw.host.capabilities import execute_sql
    return {r["column_name"] for r in execute_sql(existing_columns_sql(), [schema, table])}


def build(table: TableSpec, column_types: dict[str, str], quals: Sequence[Any], columns: set[str],
          sortkeys: Sequence[Any], limit: int | None, schema: str) -> LocalScan:
    present = _present_columns(schema, table.name)
    usable = (lambda c: True) if not present else (lambda c: c in present)
    wanted = [c for c in table.column_names if c in columns and usable(c)] or [table.column_names[0]]
    conditions = [(q.field_name, q.operator, q.value) for q in quals
                  if q.field_name in column_types and _pushable(q.operator) and usable(q.field_name)]
    order = [(k.attname, k.is_reversed, k.nulls_first) for k in sortkeys if usable(k.attname)]
    return LocalScan.build(table.name, wanted, column_types, conditions, order, limit, schema=schema)


def describe(scan: LocalScan) -> list[str]:
    lines = [f"Cache query: {scan.sql}"]
    if scan.params:
        lines.append("Cache parameters: " + ", ".join(repr(p) for p in scan.params))
    return lines


def check_table(options: FdwOptions, table: TableSpec) -> None:
    target = qualified_table(options.cache_schema, table.name)
    if not table_exists(options, target):
        raise FdwError(f"cache table {target} does not exist", sqlstate="55000",
                       hint="Run the materializer (hubspot-fdw sync) or SET hubspot_fdw.read_mode = 'live'.")
    check_stamp(options)


def check_stamp(options: FdwOptions) -> None:
    """Refuse a cache schema stamped for another server."""
    if not options.server or not table_exists(options, "hubspot_fdw.cache_portals"):
        return
    rows = run(options, "SELECT server_name FROM hubspot_fdw.cache_portals WHERE cache_schema = $1",
               [options.cache_schema])
    if rows and rows[0]["server_name"] != options.server:
        raise FdwError(f'cache schema "{options.cache_schema}" belongs to server "{rows[0]["server_name"]}", '
                       f'not "{options.server}"', sqlstate="55000",
                       detail="Each server keeps its own cache; this one would show another portal's records.",
                       hint=f"ALTER SERVER {options.server} OPTIONS (SET cache_schema '{options.server}_cache') "
                            "(or drop the option for the default), then sync that server.")


def execute(options: FdwOptions, scan: LocalScan) -> Any:
    """What ``execute`` returns: the LocalScan itself on our host, else a row iterator."""
    if HOST_AVAILABLE:
        return scan
    return _psycopg_rows(options, scan)


def _psycopg_rows(options: FdwOptions, scan: LocalScan) -> Iterator[dict[str, Any]]:
    import psycopg2

    if not options.cache_dsn:
        raise FdwError("cache reads under Multicorn2 need the server option cache_dsn", sqlstate="0A000",
                       hint="Set cache_dsn, or use read_mode 'live'.")
    connection = psycopg2.connect(options.cache_dsn)
    try:
        with connection.cursor(name="hubspot_fdw_cache_scan") as cursor:
            cursor.itersize = 1000
            cursor.execute(to_pyformat(scan.sql), {f"p{i}": v for i, v in enumerate(scan.params, 1)})
            names: list[str] | None = None
            for row in cursor:
                if names is None:
                    names = [d[0] for d in cursor.description]
                yield dict(zip(names, row))
    finally:
        connection.close()
