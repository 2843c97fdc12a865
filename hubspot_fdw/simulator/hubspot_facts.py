"""Facts about real HubSpot portals that the simulator is held to.

``data/hubspot_properties.json`` holds the HubSpot-defined property definitions of a
real portal (companies, deals) exactly as HubSpot's API answered; it is written by
``scripts/recorded_facts.py`` from recorded answers and read here once. The default
profile's definitions agree with it wherever a name is in both (``align``); the
realistic profile takes the definitions from it (profiles.py).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from hubspot_fdw.simulator.properties import PropertyCatalog

DATA = Path(__file__).resolve().parent / "data" / "hubspot_properties.json"


@lru_cache(maxsize=1)
def recorded_properties() -> dict[str, tuple[dict[str, Any], ...]]:
    """Object type name → HubSpot's own property definitions, as HubSpot sent them."""
    with DATA.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    return {name: tuple(props) for name, props in raw.items()}


@lru_cache(maxsize=1)
def by_name() -> dict[str, dict[str, Any]]:
    """Property name → its definition on the first recorded type that has it."""
    out: dict[str, dict[str, Any]] = {}
    for props in recorded_properties().values():
        for prop in props:
            out.setdefault(prop["name"], prop)
    return out


def align(catalog: PropertyCatalog, type_id: str, type_name: str) -> None:
    """Give the type's already defined properties HubSpot's type, fieldType,
    calculated/read-only flags and externalOptions wherever the facts know the name for
    this type."""
    facts = {p["name"]: p for p in recorded_properties().get(type_name, ())}
    for prop in catalog.all(type_id):
        fact = facts.get(prop.name)
        if fact is None:
            continue
        prop.type, prop.field_type = fact["type"], fact["fieldType"]
        prop.calculated = bool(fact.get("calculated"))
        prop.read_only = bool((fact.get("modificationMetadata") or {}).get("readOnlyValue"))
        prop.external_options = bool(fact.get("externalOptions"))
