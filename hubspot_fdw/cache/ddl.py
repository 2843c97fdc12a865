"""Cache table DDL from a catalog ``TableSpec``: schema, table, key, indexes, and the
ALTER TABLE statements that add columns for new HubSpot properties.

Keys: object tables and owners ``id``; association tables (``<a>_id``, ``<b>_id``);
pipelines (``object_type``, ``id``); pipeline stages (``object_type``, ``pipeline_id``,
``id``) — HubSpot reuses pipeline ids such as ``default`` across object types; property
history (``<singular>_id``, ``property``, ``changed_at``).
Indexes: last-modified (the type's last-modified property column, else ``updated_at``),
``email``/``domain``/``name`` when present, each id column of association tables.

Every statement is idempotent (IF NOT EXISTS). Deliberately not here: executing SQL,
dropping columns (a property deleted in HubSpot keeps its column; values become NULL).
"""

from __future__ import annotations

from typing import Iterable

from hubspot_fdw.cache.names import index_name, qualified_table
from hubspot_fdw.catalog.columns import SYNC_COLUMNS, ColumnSpec, TableSpec
from hubspot_fdw.catalog.sql import quote_ident, quote_literal

SEARCH_COLUMNS = ("email", "domain", "name")


def cache_columns(spec: TableSpec) -> list[ColumnSpec]:
    """The cache table's columns: the spec's columns plus the ``_sync_*`` columns if the
    spec (association tables) lacks them."""
    columns = list(spec.columns)
    present = {c.name for c in columns}
    columns += [c for c in SYNC_COLUMNS if c.name not in present]
    return columns


def key_columns(spec: TableSpec) -> tuple[str, ...]:
    """The primary key of a cache table (see the header)."""
    if spec.kind == "association":
        return (spec.columns[0].name, spec.columns[1].name)
    if spec.kind == "pipelines":
        return ("object_type", "id")
    if spec.kind == "pipeline_stages":
        return ("object_type", "pipeline_id", "id")
    if spec.kind == "history":
        return (spec.columns[0].name, "property", "changed_at")
    return ("id",)


def last_modified_column(spec: TableSpec) -> str | None:
    """The column holding the record's last-modified time (for indexes and lag)."""
    if spec.object_type is not None:
        column = spec.column_for_property(spec.object_type.last_modified_property)
        if column is not None:
            return column.name
    return "updated_at" if spec.has_column("updated_at") else None


def create_schema_sql(schema: str) -> str:
    return f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}"


def _column_sql(column: ColumnSpec) -> str:
    text = f"{quote_ident(column.name)} {column.sql_type}"
    if column.name == "_sync_inserted_at" or column.name == "_sync_updated_at":
        text += " NOT NULL DEFAULT now()"
    return text


def create_table_sql(spec: TableSpec, schema: str) -> str:
    """CREATE TABLE IF NOT EXISTS with every cache column and the primary key."""
    columns = [_column_sql(c) for c in cache_columns(spec)]
    key = ", ".join(quote_ident(k) for k in key_columns(spec))
    columns.append(f"PRIMARY KEY ({key})")
    return f"CREATE TABLE IF NOT EXISTS {qualified_table(schema, spec.name)} ({', '.join(columns)})"


def indexed_columns(spec: TableSpec) -> list[str]:
    """Columns that get a single-column index (besides the primary key)."""
    if spec.kind == "association":
        return [spec.columns[1].name]  # the first id column leads the primary key
    if spec.kind == "history":
        return ["changed_at"]
    wanted: list[str] = []
    lm = last_modified_column(spec)
    if lm:
        wanted.append(lm)
    wanted += [c for c in SEARCH_COLUMNS if spec.has_column(c) and c not in wanted]
    if spec.kind == "pipeline_stages":
        wanted.append("pipeline_id")
    return wanted


def create_index_sql(spec: TableSpec, schema: str) -> list[str]:
    """CREATE INDEX IF NOT EXISTS statements (the primary key index comes with the table;
    for association tables it leads with the first id column, so only the second gets one)."""
    return [f"CREATE INDEX IF NOT EXISTS {quote_ident(index_name(spec.name, column))} "
            f"ON {qualified_table(schema, spec.name)} ({quote_ident(column)})"
            for column in indexed_columns(spec)]


def ensure_table_sql(spec: TableSpec, schema: str) -> list[str]:
    """Everything to create the schema, the table and its indexes (idempotent)."""
    return [create_schema_sql(schema), create_table_sql(spec, schema), *create_index_sql(spec, schema)]


def existing_columns_sql() -> str:
    """Query (params: $1 schema, $2 table) → rows {column_name, data_type} of a cache table;
    no rows when the table does not exist."""
    return ("SELECT a.attname::text AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type "
            "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum")


def add_columns_sql(spec: TableSpec, schema: str, existing: Iterable[str]) -> list[str]:
    """ALTER TABLE … ADD COLUMN IF NOT EXISTS for every cache column not in ``existing``
    (new HubSpot properties become new columns; rows get NULL until their next sync)."""
    have = set(existing)
    return [f"ALTER TABLE {qualified_table(schema, spec.name)} ADD COLUMN IF NOT EXISTS {_column_sql(c)}"
            for c in cache_columns(spec) if c.name not in have]


def comment_sql(spec: TableSpec, schema: str) -> str:
    return (f"COMMENT ON TABLE {qualified_table(schema, spec.name)} IS "
            f"{quote_literal('hubspot_fdw cache of ' + spec.name + ' (written by the materializer)')}")
