"""Cache reads: the scan answered from the local cache table with conditions,
columns, order and limit pushed into one SELECT.

On the hubspot_fdw host the SELECT is returned as a ``LocalScan`` and streamed in C
(no Python per row). Under upstream Multicorn2 the same SELECT runs through a
psycopg2 server-side cursor (option ``cache_dsn``), guarded against lock waits
(cache_connection.py), and rows go through Python.

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
from hubspot_fdw.fdw.cache_connection import guarded, scan_connection
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


def live_hint() -> str:
    """How to read live instead: the session setting exists only on our host (under
    upstream Multicorn2 ``SET hubspot_fdw.read_mode`` makes a placeholder nothing reads)."""
    if HOST_AVAILABLE:
        return "SET hubspot_fdw.read_mode = 'live'"
    return "ALTER FOREIGN TABLE ... OPTIONS (ADD read_mode 'live')"


def check_table(options: FdwOptions, table: TableSpec) -> None:
    target = qualified_table(options.cache_schema, table.name)
    if not table_exists(options, target):
        raise FdwError(f"cache table {target} does not exist", sqlstate="55000",
                       hint="Run the materializer (hubspot-fdw sync), or " + live_hint() + ".")
    check_stamp(options)


def check_stamp(options: FdwOptions) -> None:
    """Refuse a cache schema that is not this server's: stamped for another server, or
    not stamped while this server's cache is stamped elsewhere (the rule the planner
    applies too, cache_substitute.c)."""
    if not options.server or not table_exists(options, "hubspot_fdw.cache_portals"):
        return
    rows = run(options, "SELECT server_name, cache_schema FROM hubspot_fdw.cache_portals "
                        "WHERE cache_schema = $1 OR server_name = $2", [options.cache_schema, options.server])
    this = [r for r in rows if r["cache_schema"] == options.cache_schema]
    if this and this[0]["server_name"] != options.server:
        raise FdwError(f'cache schema "{options.cache_schema}" belongs to server "{this[0]["server_name"]}", '
                       f'not "{options.server}"', sqlstate="55000",
                       detail="Each server keeps its own cache; this one would show another portal's records.",
                       hint=f"ALTER SERVER {options.server} OPTIONS (SET cache_schema '{options.server}_cache') "
                            "(or drop the option for the default), then sync that server.")
    if rows and not this:
        raise FdwError(f'schema "{options.cache_schema}" is not the cache of server "{options.server}"',
                       sqlstate="55000",
                       detail=f'The sync stamped schema "{rows[0]["cache_schema"]}" as this server\'s cache.',
                       hint="Check the server's cache_schema option.")


def execute(options: FdwOptions, scan: LocalScan) -> Any:
    """What ``execute`` returns: the LocalScan itself on our host, else a row iterator."""
    if HOST_AVAILABLE:
        return scan
    return _psycopg_rows(options, scan)


def _psycopg_rows(options: FdwOptions, scan: LocalScan) -> Iterator[dict[str, Any]]:
    import psycopg2

    if not options.cache_dsn:
        raise FdwError("cache reads under Multicorn2 need the option cache_dsn", sqlstate="0A000",
                       hint="Set cache_dsn in the user mapping, or use the table option read_mode 'live'.")
    sql = to_pyformat(scan.sql)
    params = {f"p{i}": v for i, v in enumerate(scan.params, 1)}
    with scan_connection(options.cache_dsn) as connection:
        def declare() -> Any:
            cursor = connection.cursor(name="hubspot_fdw_cache_scan")
            cursor.itersize = 1000
            try:
                cursor.execute(sql, params)
                first = cursor.fetchmany(cursor.itersize)  # the locks are taken here
            except BaseException:
                try:
                    cursor.close()
                except psycopg2.Error:
                    pass  # the transaction is aborted; guarded() rolls it back
                raise
            return cursor, first

        cursor, first = guarded(connection, declare, [options.cache_schema, "hubspot_fdw"])
        with cursor:
            names = [d[0] for d in cursor.description]
            for row in first:
                yield dict(zip(names, row))
            for row in cursor:
                yield dict(zip(names, row))
