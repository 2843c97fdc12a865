"""SQL text helpers: identifiers from the portal are always quoted, literals escaped.

Deliberately not here: executing SQL (the FDW host / materializer), choosing types.
"""

from __future__ import annotations

from hubspot_fdw.catalog.columns import TableSpec


def quote_ident(name: str) -> str:
    """Always quote (HubSpot names may be keywords, mixed case or odd characters)."""
    if "\x00" in name:
        raise ValueError("identifiers cannot contain NUL")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A standard-conforming string literal (E'' form when backslashes are present)."""
    if "\x00" in value:
        raise ValueError("string literals cannot contain NUL")
    escaped = value.replace("'", "''")
    if "\\" in escaped:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"


def qualified(schema: str | None, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def column_list(table: TableSpec) -> str:
    return ", ".join(f"{quote_ident(c.name)} {c.sql_type}" for c in table.columns)


def create_table_sql(table: TableSpec, schema: str | None = None, *, unlogged: bool = False) -> str:
    """CREATE TABLE for a spec (cache tables, documentation)."""
    kind = "UNLOGGED TABLE" if unlogged else "TABLE"
    return f"CREATE {kind} {qualified(schema, table.name)} ({column_list(table)})"
