"""IMPORT FOREIGN SCHEMA's part of the cache: the columns a re-import declares are added
to the existing cache table in the same transaction, so no statement ever sees a
foreign column the cache table lacks (values arrive as the sync re-reads records).

Only on the hubspot_fdw host (SQL in the importing transaction); only cache tables the
importing role owns (else the read path's NULL fallback covers the gap); never a cache
schema stamped for another server. Tables that do not exist yet are left to the sync.
Deliberately not here: the DDL text (ddl.py), choosing tables (fdw/importer.py).
"""

from __future__ import annotations

import logging
from typing import Mapping

from hubspot_fdw.cache.ddl import add_columns_sql, existing_columns_sql
from hubspot_fdw.cache.names import cache_schema_asked
from hubspot_fdw.catalog.columns import TableSpec

log = logging.getLogger("hubspot_fdw.cache.on_import")


def add_declared_columns(server_name: str, server_options: Mapping[str, str], spec: TableSpec) -> list[str]:
    """ALTER the cache table of ``spec`` to have every declared column; returns the statements run."""
    from hubspot_fdw.host.capabilities import HOST_AVAILABLE, execute_sql
    if not HOST_AVAILABLE:
        return []
    schema = cache_schema_asked(execute_sql, server_options, server_name)
    existing = [r["column_name"] for r in execute_sql(existing_columns_sql(), [schema, spec.name])]
    if not existing:
        return []
    # ownership first: a role with USAGE on the server may import, but may not read cache_portals
    owned = execute_sql("SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') AS ok FROM pg_catalog.pg_class c "
                        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = $1 AND c.relname = $2", [schema, spec.name])
    if not owned or owned[0]["ok"] not in (True, "t", "true"):
        log.info("%s.%s: not owned by this role; new columns come with the next sync", schema, spec.name)
        return []
    stamp = execute_sql("SELECT server_name FROM hubspot_fdw.cache_portals WHERE cache_schema = $1", [schema])
    if stamp and stamp[0]["server_name"] != server_name:
        return []
    statements = add_columns_sql(spec, schema, existing)
    for sql in statements:
        execute_sql(sql)
    return statements
