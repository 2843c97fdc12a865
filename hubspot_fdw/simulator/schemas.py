"""Custom object schemas (hubspot-api.md §6): the ObjectSchema model and JSON.

Does not route requests (routes_meta.py) and does not store records (store.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hubspot_fdw.simulator.associations import AssociationRegistry
from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.objecttypes import ObjectType
from hubspot_fdw.simulator.properties import PropertyCatalog


@dataclass
class Schema:
    otype: ObjectType
    primary: str
    secondary: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    searchable: list[str] = field(default_factory=list)
    created_ms: int = 0
    updated_ms: int = 0
    archived: bool = False
    description: str = ""

    @property
    def id(self) -> str:
        return self.otype.type_id.split("-", 1)[1]

    def to_json(self, catalog: PropertyCatalog, registry: AssociationRegistry,
                include_properties: bool = True, include_associations: bool = True) -> dict[str, Any]:
        t = self.otype
        out: dict[str, Any] = {
            "id": self.id, "objectTypeId": t.type_id, "name": t.name,
            "fullyQualifiedName": t.fully_qualified_name, "labels": dict(t.labels),
            "description": self.description,
            "primaryDisplayProperty": self.primary,
            "secondaryDisplayProperties": list(self.secondary),
            "requiredProperties": list(self.required),
            "searchableProperties": list(self.searchable),
        }
        # not asked for: empty lists (the ObjectSchema model always has both keys)
        out["properties"] = [p.to_json() for p in catalog.all(t.type_id)] if include_properties else []
        out["associations"] = []
        if include_associations:
            assocs = []
            for (a, b), defs in sorted(registry.by_pair.items()):
                if a != t.type_id:
                    continue
                for d in defs:
                    if d.key == "":
                        assocs.append({"id": str(d.type_id), "name": d.name, "fromObjectTypeId": a,
                                       "toObjectTypeId": b, "createdAt": iso_ms(self.created_ms),
                                       "updatedAt": iso_ms(self.updated_ms)})
            out["associations"] = assocs
        out.update({"metaType": "PORTAL_SPECIFIC", "archived": self.archived,
                    "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
                    "createdByUserId": 9586504, "updatedByUserId": 9586504})
        return out
