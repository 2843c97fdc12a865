"""ColumnDefinition and TableDefinition: columns given to ``__init__`` and
tables returned by ``import_schema`` (rendered with ``to_statement``)."""

from __future__ import annotations

from typing import Iterable


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _options_clause(options: dict[str, str] | None) -> str:
    if not options:
        return ""
    body = ", ".join(f"{quote_identifier(k)} {quote_literal(v)}" for k, v in options.items())
    return f" OPTIONS ({body})"


class ColumnDefinition:
    """A foreign table column; ``type_name`` is inserted verbatim in DDL."""

    def __init__(self, column_name: str, type_oid: int = 0, typmod: int = 0,
                 type_name: str = "", base_type_name: str = "",
                 options: dict[str, str] | None = None) -> None:
        self.column_name = column_name
        self.type_oid = type_oid
        self.typmod = typmod
        self.type_name = type_name
        self.base_type_name = base_type_name or type_name
        self.options = dict(options or {})

    def to_statement(self) -> str:
        return f"{quote_identifier(self.column_name)} {self.type_name}{_options_clause(self.options)}"

    def __repr__(self) -> str:
        return f"ColumnDefinition({self.column_name!r}, {self.type_name!r})"


class TableDefinition:
    """A table for IMPORT FOREIGN SCHEMA."""

    def __init__(self, table_name: str, schema: str | None = None,
                 columns: Iterable[ColumnDefinition] = (),
                 options: dict[str, str] | None = None) -> None:
        self.table_name = table_name
        self.schema = schema
        self.columns = list(columns)
        self.options = dict(options or {})

    def to_statement(self, schema_name: str, server_name: str) -> str:
        columns = ",\n  ".join(c.to_statement() for c in self.columns)
        return (f"CREATE FOREIGN TABLE {quote_identifier(schema_name)}."
                f"{quote_identifier(self.table_name)} (\n  {columns}\n) "
                f"SERVER {quote_identifier(server_name)}{_options_clause(self.options)}")

    def __repr__(self) -> str:
        return f"TableDefinition({self.table_name!r}, {len(self.columns)} columns)"
