"""Upsert and delete statements for cache tables, with ``$1..$n`` placeholders (run them
through a ``SqlRunner``).

An upsert rewrites a row only when its ``_sync_hash`` changed:
``INSERT … ON CONFLICT (key) DO UPDATE SET … WHERE t._sync_hash IS DISTINCT FROM
EXCLUDED._sync_hash RETURNING (xmax = 0) AS inserted`` — the returned rows are the ones
actually written (``inserted`` true for new rows).

Deliberately not here: building row values (rows.py), executing SQL (runner.py).
"""

from __future__ import annotations

from typing import Any, Sequence

from hubspot_fdw.cache.ddl import cache_columns, key_columns
from hubspot_fdw.cache.names import qualified_table
from hubspot_fdw.cache.rows import CacheRow
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.sql import quote_ident

MAX_PARAMS = 30_000  # stay far below PostgreSQL's 65,535 bind parameters


def _types(spec: TableSpec) -> dict[str, str]:
    return {c.name: c.sql_type for c in cache_columns(spec)}


def row_columns(spec: TableSpec) -> list[str]:
    """The columns an upsert writes: every data column, then ``_sync_hash``."""
    return [c.name for c in spec.columns if c.kind != "sync"] + ["_sync_hash"]


def upsert_many_sql(spec: TableSpec, schema: str, nrows: int, columns: Sequence[str] | None = None) -> str:
    """One INSERT … ON CONFLICT statement for ``nrows`` rows; parameters are the rows'
    values in ``columns`` order (default ``row_columns(spec)``), row after row."""
    columns = list(columns or row_columns(spec))
    types = _types(spec)
    target = qualified_table(schema, spec.name)
    keys = key_columns(spec)
    tuples = []
    n = 0
    for _ in range(nrows):
        cells = []
        for column in columns:
            n += 1
            cells.append(f"${n}::{types[column]}")
        tuples.append("(" + ", ".join(cells) + ")")
    names = ", ".join(quote_ident(c) for c in columns)
    updates = [f"{quote_ident(c)} = EXCLUDED.{quote_ident(c)}" for c in columns if c not in keys]
    updates.append(f"{quote_ident('_sync_updated_at')} = now()")
    return (f"INSERT INTO {target} AS t ({names}) VALUES {', '.join(tuples)} "
            f"ON CONFLICT ({', '.join(quote_ident(k) for k in keys)}) DO UPDATE SET {', '.join(updates)} "
            f"WHERE t.{quote_ident('_sync_hash')} IS DISTINCT FROM EXCLUDED.{quote_ident('_sync_hash')} "
            f"RETURNING (t.xmax = 0) AS inserted")


def upsert_sql(spec: TableSpec, schema: str, columns: Sequence[str] | None = None) -> str:
    """The single-row upsert (what the FDW write path uses)."""
    return upsert_many_sql(spec, schema, 1, columns)


def upsert_params(rows: Sequence[CacheRow], columns: Sequence[str]) -> list[Any]:
    """Flat parameter list for ``upsert_many_sql`` (missing values are NULL)."""
    return [row.values.get(c) for row in rows for c in columns]


def upsert_statements(spec: TableSpec, schema: str, rows: Sequence[CacheRow],
                      max_params: int = MAX_PARAMS) -> list[tuple[str, list[Any]]]:
    """(sql, params) statements that upsert ``rows``: duplicates by key collapsed (last
    wins; ON CONFLICT cannot touch a row twice), chunked to stay under MAX_PARAMS."""
    unique: dict[tuple[str, ...], CacheRow] = {}
    for row in rows:
        unique[row.key] = row
    columns = row_columns(spec)
    per = max(1, max_params // len(columns))
    ordered = list(unique.values())
    statements = []
    for i in range(0, len(ordered), per):
        chunk = ordered[i:i + per]
        statements.append((upsert_many_sql(spec, schema, len(chunk), columns), upsert_params(chunk, columns)))
    return statements


def delete_sql(spec: TableSpec, schema: str) -> str:
    """DELETE one row by its key (``$1`` … in ``key_columns`` order)."""
    where = " AND ".join(f"{quote_ident(k)} = ${i}::text" for i, k in enumerate(key_columns(spec), 1))
    return f"DELETE FROM {qualified_table(schema, spec.name)} WHERE {where}"


def delete_by_keys_sql(spec: TableSpec, schema: str) -> str:
    """DELETE many rows: one ``text[]`` parameter per key column (parallel arrays).
    Returns the deleted keys."""
    keys = key_columns(spec)
    target = qualified_table(schema, spec.name)
    cols = ", ".join(quote_ident(k) for k in keys)
    if len(keys) == 1:
        return f"DELETE FROM {target} WHERE {cols} = ANY($1::text[]) RETURNING {cols}"
    arrays = ", ".join(f"${i}::text[]" for i in range(1, len(keys) + 1))
    return f"DELETE FROM {target} WHERE ({cols}) IN (SELECT * FROM unnest({arrays})) RETURNING {cols}"


def prune_associations_sql(spec: TableSpec, schema: str, side_column: str) -> str:
    """DELETE the associations of the records ``$1::text[]`` (ids in ``side_column``) that
    are not among the pairs kept (``$2`` first ids, ``$3`` second ids, parallel arrays)."""
    first, second = spec.columns[0].name, spec.columns[1].name
    target = qualified_table(schema, spec.name)
    return (f"DELETE FROM {target} WHERE {quote_ident(side_column)} = ANY($1::text[]) "
            f"AND ({quote_ident(first)}, {quote_ident(second)}) NOT IN "
            f"(SELECT * FROM unnest($2::text[], $3::text[])) RETURNING {quote_ident(first)}")
