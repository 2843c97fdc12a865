"""IMPORT FOREIGN SCHEMA: one foreign table per catalog table (every object type,
custom objects, their property history, owners, pipelines and stages, association pairs), honouring
LIMIT TO / EXCEPT, with table options naming the object type and column options
recording each property's HubSpot name, type and writability.

Deliberately not here: deriving tables from HubSpot metadata (the catalog) or
creating cache tables (the materializer).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.recording import RecordingClient
from hubspot_fdw.cache.on_import import add_declared_columns
from hubspot_fdw.catalog import Catalog, ColumnSpec, ObjectType, Registry, TableSpec, build_catalog
from hubspot_fdw.catalog.history import table_name as history_table_name
from hubspot_fdw.fdw import comments
from hubspot_fdw.fdw.client import client_for
from hubspot_fdw.fdw.errors import FdwError, adapt
from hubspot_fdw.fdw.options import FdwOptions, validate_options
from hubspot_fdw.host.multicorn_compat import api as _multicorn

ColumnDefinition = _multicorn().ColumnDefinition
TableDefinition = _multicorn().TableDefinition

REMOTE_SCHEMAS = ("hubspot",)


class ImportedTable(TableDefinition):
    """A TableDefinition that records the server's name as a table option."""

    spec: TableSpec | None = None
    server_options: Mapping[str, str] = {}

    def to_statement(self, schema_name: str, server_name: str) -> str:
        self.options = {**self.options, "server": server_name}
        if self.spec is not None:  # the cache table gets the declared columns in this transaction
            add_declared_columns(server_name, self.server_options, self.spec)
        return super().to_statement(schema_name, server_name)


def column_options(column: ColumnSpec) -> dict[str, str]:
    if column.kind != "property":
        return {}
    options = {"property": column.property_name or column.name, "hubspot_type": column.hubspot_type or "string"}
    if column.field_type:
        options["field_type"] = column.field_type
    if not column.writable:
        options["read_only"] = "true"
    return options


def _table_options(table: TableSpec) -> dict[str, str]:
    options = {"table": table.name}
    if table.kind in ("object", "history") and table.object_type is not None:
        options["object_type"] = table.object_type.api_path
    if table.kind == "association" and table.pair is not None:
        options["from_object_type"] = table.pair.first.api_path
        options["to_object_type"] = table.pair.second.api_path
    return options


def definition(table: TableSpec) -> TableDefinition:
    columns = [ColumnDefinition(c.name, type_name=c.sql_type, options=column_options(c) or None)
               for c in table.columns if not (table.kind in ("association", "history") and c.kind == "sync")]
    return ImportedTable(table.name, columns=columns, options=_table_options(table))


def _needed_types(registry: Registry, names: Iterable[str]) -> set[str]:
    wanted = set(names)
    types = {t.table for t in registry if t.table in wanted or history_table_name(t) in wanted}
    for pair in registry.association_pairs():
        if pair.table in wanted:
            types |= {pair.first.table, pair.second.table}
    return types


def selected(catalog: Catalog, restriction_type: str | None, restricts: list[str]) -> list[TableSpec]:
    names = set(restricts or [])
    if restriction_type == "limit":
        return [t for t in catalog.tables.values() if t.name in names]
    if restriction_type == "except":
        return [t for t in catalog.tables.values() if t.name not in names]
    return list(catalog.tables.values())


def _import_type(registry: Registry, key: str) -> ObjectType:
    found = registry.find(key)
    if found is None:
        raise FdwError(f'invalid value for option "object_type": "{key}"', sqlstate="HV00D",
                       hint="Use an object type of the portal: " + ", ".join(sorted(t.name for t in registry)) + ".")
    return found


def import_schema(schema: str, srv_options: Mapping[str, str], options: Mapping[str, str],
                  restriction_type: str | None, restricts: list[str]) -> list[TableDefinition]:
    if schema not in REMOTE_SCHEMAS:
        raise FdwError(f'unknown remote schema "{schema}"', sqlstate="3F000",
                       hint="Use IMPORT FOREIGN SCHEMA hubspot FROM SERVER ... INTO ....")
    validate_options("import", options)
    fdw_options = FdwOptions.parse({k: v for k, v in srv_options.items() if k != "wrapper"})
    client = RecordingClient(client_for(fdw_options))  # keeps labels for the table comments
    try:
        schemas = client.list_schemas()
        registry = Registry.from_schemas(schemas)
        only = None
        if restriction_type == "limit":
            only = _needed_types(registry, restricts)
        if options.get("object_type"):
            only = {_import_type(registry, options["object_type"]).table}
        catalog = build_catalog(client, only=only, schemas=schemas)
    except HubSpotFdwError as error:
        raise adapt(error, fdw_options.access_token) from None
    tables = selected(catalog, restriction_type, restricts)
    comments.stash(tables, client)
    definitions = [definition(t) for t in tables]
    for table, spec in zip(definitions, tables):  # IMPORT also adds the cache columns (cache/on_import.py)
        table.spec, table.server_options = spec, srv_options
    return definitions
