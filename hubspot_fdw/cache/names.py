"""Cache names: the cache schema of a server and quoted, qualified cache table names.

One cache per server: option ``cache_schema`` if set, else ``<server>_cache``. A cache
schema may never be a system schema (``pg_catalog``, ``information_schema``, ``pg_toast``,
any ``pg_*``) nor ``public`` (where users keep their own tables: a cache there would mix
with them and be dropped with them).

The default is decided by the extension's C host where it is installed
(``hubspot_fdw._default_cache_schema``, the rule's one home, which the planner uses);
``cache_schema_asked`` asks it, ``default_cache_schema`` is the same rule for databases
without the extension (upstream Multicorn2) and a test keeps the two equal.

Deliberately not here: DDL (ddl.py), reading options from the catalogs (callers pass
the server options they already have).
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Mapping, Sequence

from hubspot_fdw.catalog.sql import quote_ident

DEFAULT_CACHE_SCHEMA = "hubspot_cache"  # the default of a server named "hubspot"
CACHE_SUFFIX = "_cache"
MAX_IDENTIFIER = 63  # NAMEDATALEN - 1
FORBIDDEN_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "public", "hubspot_fdw")


def default_cache_schema(server_name: str) -> str:
    """``<server>_cache`` (cut to 63 bytes with a short hash when the name is long)."""
    name = f"{server_name}{CACHE_SUFFIX}"
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(server_name.encode()).hexdigest()[:8]
    head = server_name.encode()[:MAX_IDENTIFIER - len(CACHE_SUFFIX) - 9].decode(errors="ignore")
    return f"{head}_{digest}{CACHE_SUFFIX}"


def forbidden_schema(name: str) -> str | None:
    """Why ``name`` cannot be a cache schema, or None when it can."""
    if name in FORBIDDEN_SCHEMAS or name.startswith("pg_"):
        return f'"{name}" is a system schema' if name != "public" else '"public" holds users\' own tables'
    if not name or len(name.encode()) > MAX_IDENTIFIER:
        return "a schema name has 1 to 63 bytes"
    return None


def cache_schema(server_options: Mapping[str, str] | None = None, server_name: str | None = None) -> str:
    """The cache schema of a server: option ``cache_schema``, else ``<server>_cache``
    (``hubspot_cache`` when the server name is unknown)."""
    value = (server_options or {}).get("cache_schema")
    if value:
        return value
    return default_cache_schema(server_name) if server_name else DEFAULT_CACHE_SCHEMA


def cache_schema_asked(execute: Callable[[str, Sequence[Any]], list[dict[str, Any]]],
                       server_options: Mapping[str, str], server_name: str) -> str:
    """``cache_schema`` with the default asked from the extension, when it is installed;
    ``execute(sql, params)`` runs SQL and returns rows as dicts."""
    value = server_options.get("cache_schema")
    if value:
        return value
    here = execute("SELECT pg_catalog.to_regprocedure('hubspot_fdw._default_cache_schema(text)') "
                   "IS NOT NULL AS here", [])
    if here and here[0]["here"] in (True, "t", "true"):
        return str(execute("SELECT hubspot_fdw._default_cache_schema($1) AS s", [server_name])[0]["s"])
    return default_cache_schema(server_name)


def qualified_table(schema: str, table: str) -> str:
    """``"schema"."table"``, both always quoted."""
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def index_name(table: str, *parts: str) -> str:
    """A deterministic index name ``<table>_<parts>_idx`` that fits in 63 bytes
    (long names are cut and suffixed with a short hash so they stay unique)."""
    name = "_".join([table, *parts, "idx"])
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    head = name.encode()[:MAX_IDENTIFIER - 9].decode(errors="ignore")
    return f"{head}_{digest}"
