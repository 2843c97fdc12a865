"""Cache names: the cache schema of a server and quoted, qualified cache table names.

Deliberately not here: DDL (ddl.py), reading options from the catalogs (callers pass
the server options they already have).
"""

from __future__ import annotations

import hashlib
from typing import Mapping

from hubspot_fdw.catalog.sql import quote_ident

DEFAULT_CACHE_SCHEMA = "hubspot_cache"
MAX_IDENTIFIER = 63  # NAMEDATALEN - 1


def cache_schema(server_options: Mapping[str, str] | None = None) -> str:
    """The cache schema of a server: option ``cache_schema``, default ``hubspot_cache``."""
    value = (server_options or {}).get("cache_schema")
    return value if value else DEFAULT_CACHE_SCHEMA


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
