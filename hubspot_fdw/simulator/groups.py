"""Property groups per object type (Properties v3 groups model).

A group exists once declared (created through the API) or once a property names it;
the seeded ones are derived from the catalog the first time a type's groups are read.
Does not route requests (routes_groups.py) and does not hold properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubspot_fdw.simulator.properties import PropertyCatalog


@dataclass
class PropertyGroup:
    name: str
    label: str
    display_order: int
    archived: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "displayOrder": self.display_order,
                "archived": self.archived}


def default_label(name: str) -> str:
    return name.replace("_", " ").replace("information", " information").strip().title()


class GroupStore:
    def __init__(self, catalog: PropertyCatalog) -> None:
        self.catalog = catalog
        self._by_type: dict[str, dict[str, PropertyGroup]] = {}

    def of(self, type_id: str) -> dict[str, PropertyGroup]:
        """All groups of a type (archived included), adding any a property names."""
        table = self._by_type.setdefault(type_id, {})
        for prop in self.catalog.all(type_id):
            if prop.group not in table:
                table[prop.group] = PropertyGroup(prop.group, default_label(prop.group), len(table))
        return table

    def live(self, type_id: str) -> list[PropertyGroup]:
        return sorted((g for g in self.of(type_id).values() if not g.archived),
                      key=lambda g: (g.display_order, g.name))

    def get(self, type_id: str, name: str) -> PropertyGroup | None:
        g = self.of(type_id).get(name)
        return None if g is None or g.archived else g
