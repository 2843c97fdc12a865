"""Property definitions per object type (Properties v3 model, hubspot-api.md §4).

Holds the catalog: name, type, fieldType, options, read-only/calculated flags,
uniqueness; serializes to HubSpot's Property JSON and accepts new properties.
Owner, pipeline and stage properties have ``externalOptions`` and list no options, as
real portals send them: the values a write may use come from the portal's owners and
pipelines (``PropertyCatalog.external``, set by portal.py).
Does not validate record values (validation.py) and does not store records.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from hubspot_fdw.simulator.clock import iso_ms, parse_iso

FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("text", "textarea", "html", "phonenumber", "file", "calculation_equation"),
    "number": ("number", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox", "calculation_equation"),
    "phone_number": ("phonenumber",),
}

# keys of a real definition sent as they are (when present)
EXTRA_KEYS = ("calculationFormula", "createdUserId", "updatedUserId", "dateDisplayHint", "showCurrencySymbol",
              "numberDisplayHint", "textDisplayHint", "currencyPropertyName")
SCHEMA_EPOCH_MS = 1_565_059_269_148  # 2019-08-06T02:41:09.148Z, when "HubSpot" defined them


@dataclass
class Option:
    label: str
    value: str
    display_order: int = 0
    hidden: bool = False
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "description": self.description,
                "displayOrder": self.display_order, "hidden": self.hidden}


@dataclass
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group: str
    options: list[Option] = field(default_factory=list)
    read_only: bool = False
    calculated: bool = False
    unique: bool = False
    hubspot_defined: bool = True
    description: str = ""
    display_order: int = -1
    referenced_object_type: str | None = None
    created_ms: int = SCHEMA_EPOCH_MS
    updated_ms: int = SCHEMA_EPOCH_MS
    archived: bool = False
    hidden: bool = False
    form_field: bool = False
    archivable: bool | None = None           # None: the rule (custom ones are archivable)
    read_only_definition: bool | None = None  # None: the rule (HubSpot's own are)
    read_only_options: bool | None = None     # sent only when known
    external_options: bool = False
    data_sensitivity: str = "non_sensitive"
    dated: bool = True                        # HubSpot omits createdAt/updatedAt on some
    recorded: bool = False                    # taken as HubSpot sent it (PropertyDef.from_json)
    extra: dict[str, Any] = field(default_factory=dict)  # further keys HubSpot sends as they are
    _option_values: frozenset[str] | None = None

    @property
    def multi(self) -> bool:
        return self.type == "enumeration" and self.field_type == "checkbox"

    def option_values(self) -> frozenset[str]:
        if self._option_values is None:
            self._option_values = frozenset(o.value for o in self.options)
        return self._option_values

    def to_json(self) -> dict[str, Any]:
        """HubSpot's Property JSON. Like HubSpot, ``archived`` is only sent when true."""
        out: dict[str, Any] = {}
        if self.dated:
            out.update({"updatedAt": iso_ms(self.updated_ms), "createdAt": iso_ms(self.created_ms)})
        meta = {"archivable": not self.hubspot_defined if self.archivable is None else self.archivable,
                "readOnlyDefinition": self.hubspot_defined if self.read_only_definition is None
                else self.read_only_definition,
                "readOnlyValue": self.read_only}
        if self.read_only_options is not None:
            meta["readOnlyOptions"] = self.read_only_options
        out.update({
            "name": self.name, "label": self.label, "type": self.type,
            "fieldType": self.field_type, "description": self.description,
            "groupName": self.group, "options": [o.to_json() for o in self.options],
            "displayOrder": self.display_order, "calculated": self.calculated,
            "externalOptions": self.external_options, "hasUniqueValue": self.unique, "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined, "modificationMetadata": meta,
            "formField": self.form_field, "dataSensitivity": self.data_sensitivity,
        })
        if self.referenced_object_type:
            out["referencedObjectType"] = self.referenced_object_type
        if self.calculated and not self.recorded:
            out["calculationFormula"] = "calculated_by_hubspot"
        out.update(self.extra)
        if self.archived:
            out["archived"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PropertyDef":
        """A definition exactly as HubSpot sent it (the realistic profile's facts)."""
        meta = data.get("modificationMetadata") or {}
        extra = {k: data[k] for k in EXTRA_KEYS if k in data}
        dated = "createdAt" in data
        return cls(
            name=data["name"], label=data.get("label", ""), type=data["type"], field_type=data["fieldType"],
            group=data.get("groupName", ""),
            options=[Option(o["label"], o["value"], o.get("displayOrder", i), o.get("hidden", False),
                            o.get("description", "")) for i, o in enumerate(data.get("options") or [])],
            read_only=bool(meta.get("readOnlyValue")), calculated=bool(data.get("calculated")),
            unique=bool(data.get("hasUniqueValue")), hubspot_defined=bool(data.get("hubspotDefined")),
            description=data.get("description", ""), display_order=data.get("displayOrder", -1),
            referenced_object_type=data.get("referencedObjectType"),
            created_ms=parse_iso(data["createdAt"]) or SCHEMA_EPOCH_MS if dated else SCHEMA_EPOCH_MS,
            updated_ms=parse_iso(data.get("updatedAt") or "") or SCHEMA_EPOCH_MS,
            hidden=bool(data.get("hidden")), form_field=bool(data.get("formField")),
            archivable=meta.get("archivable"), read_only_definition=meta.get("readOnlyDefinition"),
            read_only_options=meta.get("readOnlyOptions"), external_options=bool(data.get("externalOptions")),
            data_sensitivity=data.get("dataSensitivity", "non_sensitive"), dated=dated, recorded=True, extra=extra,
        )


def opts(*pairs: str) -> list[Option]:
    """opts("lead:Lead", "customer:Customer") → options with display order."""
    out = []
    for i, pair in enumerate(pairs):
        value, _, label = pair.partition(":")
        out.append(Option(label=label or value, value=value, display_order=i))
    return out


# Compact spec: name, type, fieldType, label, flags ("ro" read-only, "calc" calculated,
# "uniq" unique, "user" not HubSpot-defined, "owner" references owners, "ext" options kept
# elsewhere: pipelines and stages), options. Owner and "ext" properties have externalOptions.
Spec = tuple[str, str, str, str, str, list[Option]]


class PropertyCatalog:
    """All property definitions of one portal, per objectTypeId; thread-safe additions."""

    def __init__(self) -> None:
        self._by_type: dict[str, dict[str, PropertyDef]] = {}
        self._lock = threading.Lock()
        # (objectTypeId, property) → the allowed values of an externalOptions property; None: unknown
        self.external: Callable[[str, str], list[Option] | None] = lambda type_id, name: None

    def define(self, type_id: str, group: str, specs: list[Spec]) -> None:
        table = self._by_type.setdefault(type_id, {})
        for name, ptype, ftype, label, flags, options in specs:
            fl = set(flags.split())
            table[name] = PropertyDef(
                name=name, label=label, type=ptype, field_type=ftype, group=group,
                options=options, read_only="ro" in fl or "calc" in fl,
                calculated="calc" in fl, unique="uniq" in fl,
                hubspot_defined="user" not in fl, display_order=len(table),
                referenced_object_type="OWNER" if "owner" in fl else None,
                form_field=ptype in ("string", "enumeration") and "ro" not in fl,
                external_options=bool({"owner", "ext"} & fl),
            )

    def get(self, type_id: str, name: str) -> PropertyDef | None:
        p = self._by_type.get(type_id, {}).get(name)
        return None if p is None or p.archived else p

    def choices(self, type_id: str, prop: PropertyDef) -> list[Option] | None:
        """The values a write may give ``prop``: its options, or for an externalOptions
        property what the portal keeps elsewhere (owners, pipelines) or else the options it
        lists (None: neither, any value goes)."""
        if not prop.external_options:
            return prop.options
        found = self.external(type_id, prop.name)
        return found if found is not None else prop.options or None

    def all(self, type_id: str, archived: bool = False) -> list[PropertyDef]:
        return [p for p in self._by_type.get(type_id, {}).values() if p.archived == archived]

    def names(self, type_id: str) -> set[str]:
        return {p.name for p in self.all(type_id)}

    def put(self, type_id: str, prop: PropertyDef) -> None:
        """Define or redefine one property as given (its display order included)."""
        self._by_type.setdefault(type_id, {})[prop.name] = prop

    def add(self, type_id: str, prop: PropertyDef) -> None:
        with self._lock:
            table = self._by_type.setdefault(type_id, {})
            prop.display_order = len(table)
            table[prop.name] = prop

    def archive(self, type_id: str, name: str, now_ms: int) -> bool:
        with self._lock:
            p = self.get(type_id, name)
            if p is None:
                return False
            p.archived = True
            p.updated_ms = now_ms
            return True
