"""Option checks at first use that our host's validator does at CREATE/ALTER time:
column options (everywhere), and under upstream Multicorn2 where each option was set.

Multicorn2 validates no option and hands the wrapper one dict merged from the table,
server and user mapping, so a token set on the server looks like one from the user
mapping. With a cache connection (``cache_dsn``) the wrapper reads the server's and the
table's options from the catalog and applies the same rules as our validator: a secret
(``access_token``) anywhere but the user mapping is refused, an option in the wrong
place fails, and ``cache_dsn`` on the server (readable by every role) draws a WARNING.
Without a cache connection the catalog cannot be read: that limitation is documented.

Deliberately not here: the rules themselves (options.py).
"""

from __future__ import annotations

from typing import Any, Mapping

from hubspot_fdw.cache import SqlRunner
from hubspot_fdw.fdw.options import FdwOptions, validate_options
from hubspot_fdw.host.multicorn_compat import utils as _multicorn_utils

_warned: set[str] = set()   # servers already warned about in this backend

_CATALOG_SQL = (
    "SELECT 'server' AS kind, s.srvoptions AS options FROM pg_catalog.pg_foreign_server s "
    "WHERE s.srvname = $1 "
    "UNION ALL SELECT 'table', ft.ftoptions FROM pg_catalog.pg_foreign_table ft "
    "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
    "WHERE s.srvname = $1 AND ft.ftoptions @> ARRAY['table=' || $2]::text[]")


def check_columns(fdw_columns: Mapping[str, Any]) -> None:
    """Every column's options (``ColumnDefinition.options``) by the column rules."""
    for column in fdw_columns.values():
        options = getattr(column, "options", None) or {}
        if options:
            validate_options("column", options)


def _as_dict(items: list[str] | None) -> dict[str, str]:
    result = {}
    for item in items or []:
        key, _, value = item.partition("=")
        result[key] = value
    return result


def check_catalog(options: FdwOptions, runner: SqlRunner | None) -> bool:
    """Check where the server's and this table's options were set; False when it cannot
    (no cache connection, or the table does not record its server)."""
    if runner is None or not options.server or not options.table:
        return False
    rows = runner.execute(_CATALOG_SQL, [options.server, options.table])
    for row in rows:
        found = _as_dict(row["options"])
        if row["kind"] == "server":
            found.pop("wrapper", None)  # Multicorn's own option
            if "cache_dsn" in found and options.server not in _warned:
                _warned.add(options.server)
                utils = _multicorn_utils()
                utils.log_to_postgres(
                    f'option "cache_dsn" of server "{options.server}" can be read by every role',
                    utils.WARNING,
                    hint=f'Move it to the user mapping: ALTER SERVER "{options.server}" OPTIONS (DROP cache_dsn); '
                         "ALTER USER MAPPING FOR ... OPTIONS (ADD cache_dsn '...').")
        validate_options(row["kind"], found)
    return True
