"""Property history tables: ``<objects>_property_history``, one per object type, one row
per value a property had (oldest to newest, the current value included).

Columns: ``<singular>_id``, ``property``, ``value``, ``changed_at``, ``source_type``,
``source_id``, ``source_label``, ``updated_by_user_id``. Which properties: the table
option ``history_properties`` (a comma-separated list, ``*`` = every property), else
the type's default (``DEFAULT_PROPERTIES``, documented in docs/tables.md).

Deliberately not here: HTTP (api/history.py), syncing (materializer/history.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from hubspot_fdw.api.history import PropertyChange
from hubspot_fdw.catalog.columns import ColumnSpec, TableSpec
from hubspot_fdw.catalog.convert import ConversionError, parse_datetime
from hubspot_fdw.catalog.odd_values import without_nul
from hubspot_fdw.catalog.registry import ObjectType

SUFFIX = "_property_history"
ALL = "*"
OWNER = ("hubspot_owner_id",)
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "deals": ("dealstage", "pipeline", "amount", "closedate", "hubspot_owner_id"),
    "contacts": ("lifecyclestage", "hs_lead_status", "hubspot_owner_id"),
    "companies": ("lifecyclestage", "hubspot_owner_id"),
    "tickets": ("hs_pipeline_stage", "hubspot_owner_id"),
}


def table_name(object_type: ObjectType) -> str:
    return object_type.table + SUFFIX


def base_table(name: str) -> str | None:
    """The object table a history table belongs to (``deals`` for ``deals_property_history``)."""
    return name[:-len(SUFFIX)] if name.endswith(SUFFIX) and len(name) > len(SUFFIX) else None


def id_column(object_type: ObjectType) -> str:
    return f"{object_type.singular}_id"


def history_table(object_type: ObjectType, id_name: str | None = None) -> TableSpec:
    columns = (ColumnSpec(id_name or id_column(object_type), "text", kind="id"),
               ColumnSpec("property", "text", kind="field"),
               ColumnSpec("value", "text", kind="field"),
               ColumnSpec("changed_at", "timestamptz", kind="field"),
               ColumnSpec("source_type", "text", kind="field"),
               ColumnSpec("source_id", "text", kind="field"),
               ColumnSpec("source_label", "text", kind="field"),
               ColumnSpec("updated_by_user_id", "bigint", kind="field"))
    return TableSpec(table_name(object_type), "history", columns, object_type=object_type)


def default_properties(object_type: ObjectType) -> tuple[str, ...]:
    return DEFAULT_PROPERTIES.get(object_type.name, OWNER)


def parse_option(text: str | None) -> list[str] | None:
    """``history_properties`` → property names, or None for every property (``*``)."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if ALL in names:
        return None
    return list(dict.fromkeys(names))


def properties(object_type: ObjectType, option: str | None) -> list[str] | None:
    """The properties a history table covers (None = every property of the type)."""
    if option is None:
        return list(default_properties(object_type))
    return parse_option(option)


def _timestamp(text: str | None) -> datetime | None:
    try:
        return parse_datetime(text) if text else None
    except ConversionError:
        return None


def change_row(spec: TableSpec, change: PropertyChange, columns: Sequence[str] | None = None) -> dict[str, Any]:
    """The row of one value (live reads and the cache write the same rows)."""
    # text cannot hold NUL: an old value keeps its other characters (as in object tables)
    row = {spec.column_names[0]: change.object_id, "property": change.property,
           "value": without_nul(change.value)[0], "changed_at": _timestamp(change.timestamp),
           "source_type": change.source_type, "source_id": without_nul(change.source_id)[0],
           "source_label": without_nul(change.source_label)[0],
           "updated_by_user_id": change.updated_by_user_id}
    return row if columns is None else {c: row.get(c) for c in columns}
