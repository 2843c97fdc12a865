"""Cache reads: the scan answered from the local cache table with conditions,
columns, order and limit pushed into one SELECT.

On the hubspot_fdw host the SELECT is returned as a ``LocalScan`` and streamed in C
(no Python per row). Under upstream Multicorn2 the same SELECT runs through a
psycopg2 server-side cursor (server option ``cache_dsn``) and rows go through Python.

Deliberately not here: deciding to use the cache (readmode.py), writing it (cache_writes.py).
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from hubspot_fdw.cache import qualified_table, to_pyformat
from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.fdw.sql import table_exists
from hubspot_fdw.host.capabilities import HOST_AVAILABLE, SCAN_OPERATORS, LocalScan


def _pushable(operator: Any) -> bool:
    name = operator[0] if isinstance(operator, tuple) else operator
    return name in SCAN_OPERATORS


def build(table: TableSpec, column_types: dict[str, str], quals: Sequence[Any], columns: set[str],
          sortkeys: Sequence[Any], limit: int | None, schema: str) -> LocalScan:
    wanted = [c for c in table.column_names if c in columns] or [table.column_names[0]]
    conditions = [(q.field_name, q.operator, q.value) for q in quals
                  if q.field_name in column_types and _pushable(q.operator)]
    order = [(k.attname, k.is_reversed, k.nulls_first) for k in sortkeys]
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
