"""The ``TableSpec`` of one foreign table, rebuilt from its options and columns alone
(no HTTP at ``__init__``).

IMPORT FOREIGN SCHEMA records everything needed: table options ``table``,
``object_type`` (or ``from_object_type``/``to_object_type``), column options
``property``, ``hubspot_type``, ``field_type``, ``read_only``. A hand-written
foreign table without column options still works: property types are guessed
from the SQL types and HubSpot itself refuses read-only properties.

Deliberately not here: fetching properties (the catalog), options parsing.
"""

from __future__ import annotations

from typing import Mapping

from hubspot_fdw.catalog import ColumnSpec, ObjectType, Registry, TableSpec
from hubspot_fdw.catalog.history import base_table, history_table
from hubspot_fdw.catalog.registry import AssociationPair
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions, is_true

FIELD_KINDS = ("owners", "pipelines", "pipeline_stages")
ENVELOPE = ("created_at", "updated_at", "archived")
SYNC = ("_sync_hash", "_sync_inserted_at", "_sync_updated_at")
_GUESSED_TYPES = {"numeric": "number", "date": "date", "timestamp with time zone": "datetime",
                  "timestamptz": "datetime", "boolean": "bool", "text[]": "enumeration"}


def object_type(key: str, table: str | None = None) -> ObjectType:
    found = Registry.standard().find(key)
    if found is not None:
        return found
    return ObjectType(name=key, object_type_id=key, singular=key, table=table or key, api_path=key,
                      created_property="hs_createdate", custom=True)


def _column(name: str, definition: object, kind: str) -> ColumnSpec:
    sql_type = getattr(definition, "type_name", "") or "text"
    options: Mapping[str, str] = getattr(definition, "options", None) or {}
    if kind != "object":
        column_kind = "id" if name == "id" and kind != "association" else (
            "association" if kind == "association" else "field")
        if name in ENVELOPE:
            column_kind = "envelope"
        if name in SYNC:
            column_kind = "sync"
        return ColumnSpec(name, sql_type, kind=column_kind, writable=kind == "association")
    if name == "id":
        return ColumnSpec(name, sql_type, kind="id")
    if name in ENVELOPE and "property" not in options:
        return ColumnSpec(name, sql_type, kind="envelope")
    if name in SYNC:
        return ColumnSpec(name, sql_type, kind="sync")
    if is_true(options.get("deleted_in_hubspot")):
        return ColumnSpec(name, sql_type, kind="deleted", property_name=options.get("property", name))
    hubspot_type = options.get("hubspot_type") or _GUESSED_TYPES.get(sql_type, "string")
    field_type = options.get("field_type") or ("checkbox" if sql_type == "text[]" else None)
    read_only = is_true(options.get("read_only"))
    return ColumnSpec(name, sql_type, kind="property", property_name=options.get("property", name),
                      hubspot_type=hubspot_type, field_type=field_type, writable=not read_only)


def table_spec(options: FdwOptions, columns: Mapping[str, object]) -> TableSpec:
    """The spec of the foreign table these options and columns describe."""
    name = options.table or options.object_type
    if name is None:
        raise FdwError("a HubSpot foreign table needs the table option \"table\" or \"object_type\"",
                       sqlstate="HV00D", hint="Create the tables with IMPORT FOREIGN SCHEMA hubspot.")
    if options.from_object_type or name.startswith("associations_"):
        if not (options.from_object_type and options.to_object_type):
            raise FdwError(f'association table "{name}" needs options from_object_type and to_object_type',
                           sqlstate="HV00D")
        pair = AssociationPair(object_type(options.from_object_type), object_type(options.to_object_type))
        specs = tuple(_column(n, d, "association") for n, d in columns.items())
        return TableSpec(name, "association", specs, pair=pair)
    if base_table(name) is not None and options.object_type is not None:
        otype = object_type(options.object_type, base_table(name))
        id_name = next(iter(columns), None)
        spec = history_table(otype, id_name)
        unknown = [n for n in columns if not spec.has_column(n)]
        if unknown:
            raise FdwError(f'property history table "{name}" has no column "{unknown[0]}"', sqlstate="HV00D",
                           hint="Its columns: " + ", ".join(spec.column_names) + ".")
        return TableSpec(name, "history", spec.columns, object_type=otype)
    if name in FIELD_KINDS and options.object_type is None:
        specs = tuple(_column(n, d, name) for n, d in columns.items())
        return TableSpec(name, name, specs)
    otype = object_type(options.object_type or name, options.table)
    specs = tuple(_column(n, d, "object") for n, d in columns.items())
    if not any(c.kind == "id" for c in specs):
        raise FdwError(f'HubSpot table "{name}" needs an "id" column', sqlstate="HV00D")
    return TableSpec(otype.table if options.table is None else name, "object", specs, object_type=otype)
