"""Table and column definitions: ``TableSpec`` / ``ColumnSpec`` for object tables,
association tables, owners, pipelines and pipeline stages.

Object table column order: ``id text``, one column per property (in the order given,
typed per the type mapping in docs/tables.md), ``created_at``, ``updated_at``, ``archived``, then the cache
bookkeeping ``_sync_hash``, ``_sync_inserted_at``, ``_sync_updated_at``. A property
column is writable unless HubSpot marks its value read-only or calculated.

Deliberately not here: value conversion (convert.py), SQL text (sql.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from hubspot_fdw.api.models import PropertyDefinition
from hubspot_fdw.catalog.naming import association_columns, property_columns
from hubspot_fdw.catalog.registry import AssociationPair, ObjectType

# Properties HubSpot manages itself even if the metadata forgets to say so.
SYSTEM_PROPERTIES = frozenset({"hs_object_id", "createdate", "hs_createdate", "lastmodifieddate",
                               "hs_lastmodifieddate", "hs_merged_object_ids"})
READ_ONLY_TYPES = frozenset({"object_coordinates", "json"})


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    sql_type: str
    kind: str = "property"  # id | property | envelope | sync | association | field | deleted
    property_name: str | None = None
    hubspot_type: str | None = None
    field_type: str | None = None
    writable: bool = False
    label: str | None = None

    @property
    def is_array(self) -> bool:
        return self.sql_type.endswith("[]")


@dataclass(frozen=True)
class TableSpec:
    name: str
    kind: str  # object | history | association | owners | pipelines | pipeline_stages
    columns: tuple[ColumnSpec, ...]
    object_type: ObjectType | None = None
    pair: AssociationPair | None = None
    _by_name: dict[str, ColumnSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> ColumnSpec:
        return self._by_name[name]

    def has_column(self, name: str) -> bool:
        return name in self._by_name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def property_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.kind == "property"]

    def column_for_property(self, property_name: str) -> ColumnSpec | None:
        for c in self.columns:
            if c.property_name == property_name:
                return c
        return None


def sql_type(prop: PropertyDefinition) -> str:
    """The type mapping (docs/tables.md): number → numeric, date → date, datetime → timestamptz, bool → boolean,
    multi-select enumeration → text[], everything else → text."""
    if prop.type == "number":
        return "numeric"
    if prop.type == "date":
        return "date"
    if prop.type == "datetime":
        return "timestamptz"
    if prop.type == "bool":
        return "boolean"
    if prop.type == "enumeration" and prop.field_type == "checkbox":
        return "text[]"
    return "text"


def is_writable(prop: PropertyDefinition) -> bool:
    return not (prop.read_only_value or prop.calculated or prop.field_type == "calculation_equation"
                or prop.type in READ_ONLY_TYPES or prop.name in SYSTEM_PROPERTIES)


ENVELOPE_COLUMNS = (
    ColumnSpec("created_at", "timestamptz", kind="envelope"),
    ColumnSpec("updated_at", "timestamptz", kind="envelope"),
    ColumnSpec("archived", "boolean", kind="envelope"),
)
SYNC_COLUMNS = (
    ColumnSpec("_sync_hash", "text", kind="sync"),
    ColumnSpec("_sync_inserted_at", "timestamptz", kind="sync"),
    ColumnSpec("_sync_updated_at", "timestamptz", kind="sync"),
)


def object_table(object_type: ObjectType, properties: Iterable[PropertyDefinition]) -> TableSpec:
    props = [p for p in properties if not p.archived]
    names = property_columns(p.name for p in props)
    columns = [ColumnSpec("id", "text", kind="id")]
    columns += [ColumnSpec(names[p.name], sql_type(p), kind="property", property_name=p.name,
                           hubspot_type=p.type, field_type=p.field_type,
                           writable=object_type.writable and is_writable(p), label=p.label)
                for p in props]
    columns += [*ENVELOPE_COLUMNS, *SYNC_COLUMNS]
    return TableSpec(object_type.table, "object", tuple(columns), object_type=object_type)


def association_table(pair: AssociationPair) -> TableSpec:
    first, second = association_columns(pair.first.singular, pair.second.singular)
    columns = (ColumnSpec(first, "text", kind="association", writable=True),
               ColumnSpec(second, "text", kind="association", writable=True),
               ColumnSpec("labels", "text[]", kind="association", writable=True))
    return TableSpec(pair.table, "association", columns, pair=pair)


def _fields(specs: Sequence[tuple[str, str]]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(n, t, kind="id" if n == "id" else "field") for n, t in specs)


def owners_table() -> TableSpec:
    return TableSpec("owners", "owners", _fields([
        ("id", "text"), ("email", "text"), ("first_name", "text"), ("last_name", "text"), ("user_id", "text"),
        ("user_id_including_inactive", "text"), ("type", "text"), ("teams", "jsonb"),
    ]) + ENVELOPE_COLUMNS + SYNC_COLUMNS)


def pipelines_table() -> TableSpec:
    return TableSpec("pipelines", "pipelines", _fields([
        ("id", "text"), ("object_type", "text"), ("label", "text"), ("display_order", "integer"),
    ]) + ENVELOPE_COLUMNS + SYNC_COLUMNS)


def pipeline_stages_table() -> TableSpec:
    return TableSpec("pipeline_stages", "pipeline_stages", _fields([
        ("id", "text"), ("pipeline_id", "text"), ("object_type", "text"), ("label", "text"),
        ("display_order", "integer"), ("metadata", "jsonb"),
    ]) + ENVELOPE_COLUMNS + SYNC_COLUMNS)
