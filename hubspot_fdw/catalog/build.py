"""The catalog of a portal: every table (objects, property history, associations, owners, pipelines) with
its columns, derived from the portal's schemas and properties.

``build_catalog(client)`` fetches what it needs (schemas once, properties once per
type; an optional type the portal refuses to describe is left out unless asked for by
name); ``Catalog.from_definitions`` builds the same thing from data already fetched.

Deliberately not here: HTTP details (the client), SQL (sql.py), caching the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from hubspot_fdw.api.errors import HubSpotNotFoundError, HubSpotPermissionError, HubSpotValidationError
from hubspot_fdw.api.models import ObjectSchema, PropertyDefinition
from hubspot_fdw.catalog.columns import (
    TableSpec,
    association_table,
    object_table,
    owners_table,
    pipeline_stages_table,
    pipelines_table,
)
from hubspot_fdw.catalog.history import history_table
from hubspot_fdw.catalog.registry import Registry

if TYPE_CHECKING:
    from hubspot_fdw.api.client import HubSpotClient


@dataclass(frozen=True)
class Catalog:
    registry: Registry
    tables: Mapping[str, TableSpec]

    @classmethod
    def from_definitions(cls, registry: Registry,
                         properties: Mapping[str, Sequence[PropertyDefinition]]) -> "Catalog":
        """``properties`` maps an object type key (name, id or table) to its properties;
        types without an entry are left out."""
        tables: dict[str, TableSpec] = {}
        for object_type in registry:
            props = next((properties[k] for k in (object_type.table, object_type.name, object_type.object_type_id)
                          if k in properties), None)
            if props is not None:
                tables[object_type.table] = object_table(object_type, props)
                history = history_table(object_type)
                tables[history.name] = history
        for pair in registry.association_pairs():
            if pair.first.table in tables and pair.second.table in tables:
                tables[pair.table] = association_table(pair)
        for spec in (owners_table(), pipelines_table(), pipeline_stages_table()):
            tables.setdefault(spec.name, spec)
        return cls(registry, dict(sorted(tables.items())))

    def table(self, name: str) -> TableSpec:
        return self.tables[name]

    def object_tables(self) -> list[TableSpec]:
        return [t for t in self.tables.values() if t.kind == "object"]

    def association_tables(self) -> list[TableSpec]:
        return [t for t in self.tables.values() if t.kind == "association"]


def build_catalog(client: "HubSpotClient", *, only: Iterable[str] | None = None,
                  schemas: Sequence[ObjectSchema] | None = None, include_self_pairs: bool = False) -> Catalog:
    """Fetch schemas and properties and derive every table. ``only`` limits the object
    types (names, ids or table names) whose properties are fetched."""
    registry = Registry.from_schemas(client.list_schemas() if schemas is None else schemas,
                                     include_self_pairs=include_self_pairs)
    wanted = None if only is None else {registry.get(k).table for k in only}
    properties: dict[str, Sequence[PropertyDefinition]] = {}
    for t in registry:
        if wanted is not None and t.table not in wanted:
            continue
        try:
            properties[t.table] = client.list_properties(t.api_path)
        except (HubSpotPermissionError, HubSpotNotFoundError, HubSpotValidationError):
            if wanted is not None or not t.optional:
                raise
            # a later object type this portal has not activated or this token may not read
    return Catalog.from_definitions(registry, properties)
