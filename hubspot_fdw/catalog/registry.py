"""Object types as data: the standard CRM types, custom types from the schemas API,
and the pairs of types HubSpot can associate.

One ``ObjectType`` entry per type carries everything the generic code needs: API
name, objectTypeId, singular (association names), table name, create-date and
last-modified properties, whether it has pipelines. Owners and pipelines are not CRM
objects; their tables come from columns.py.

Deliberately not here: HTTP (the client fetches schemas; ``Registry.from_schemas``
only reads them), columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from hubspot_fdw.api.models import ObjectSchema
from hubspot_fdw.catalog.naming import association_table, snake_case


@dataclass(frozen=True)
class ObjectType:
    name: str              # API name for standard types (contacts); schema name for custom ones
    object_type_id: str    # 0-1, 2-123456
    singular: str          # contact, line_item, car
    table: str             # contacts, line_items, cars
    api_path: str          # the {objectType} segment to use in URLs
    created_property: str = "createdate"
    last_modified_property: str = "hs_lastmodifieddate"
    pipelines: bool = False
    custom: bool = False
    associable: bool = True
    writable: bool = True    # False: HubSpot's API only reads these records
    optional: bool = False   # a portal may not have it (not activated, no scope): import skips it


def _std(name: str, type_id: str, singular: str, *, created: str = "createdate",
         modified: str = "hs_lastmodifieddate", pipelines: bool = False, associable: bool = True,
         writable: bool = True, optional: bool = False) -> ObjectType:
    return ObjectType(name=name, object_type_id=type_id, singular=singular, table=name, api_path=name,
                      created_property=created, last_modified_property=modified, pipelines=pipelines,
                      associable=associable, writable=writable, optional=optional)


def _new(name: str, type_id: str, singular: str, **kwargs: bool) -> ObjectType:
    """An object type HubSpot added later: not every portal has it (or every token its scope)."""
    return _std(name, type_id, singular, created="hs_createdate", optional=True, **kwargs)


STANDARD_TYPES: tuple[ObjectType, ...] = (
    _std("contacts", "0-1", "contact", modified="lastmodifieddate"),
    _std("companies", "0-2", "company"),
    _std("deals", "0-3", "deal", pipelines=True),
    _std("tickets", "0-5", "ticket", pipelines=True),
    _std("products", "0-7", "product", associable=False),
    _std("line_items", "0-8", "line_item"),
    _std("quotes", "0-14", "quote", created="hs_createdate"),
    _std("communications", "0-18", "communication", created="hs_createdate"),
    _std("tasks", "0-27", "task", created="hs_createdate"),
    _std("notes", "0-46", "note", created="hs_createdate"),
    _std("meetings", "0-47", "meeting", created="hs_createdate"),
    _std("calls", "0-48", "call", created="hs_createdate"),
    _std("emails", "0-49", "email", created="hs_createdate"),
    _std("postal_mail", "0-116", "postal_mail", created="hs_createdate"),
    # objectTypeIds and writability as HubSpot's developer docs give them (2026)
    _new("leads", "0-136", "lead"),
    _new("services", "0-162", "service"),
    _new("appointments", "0-421", "appointment"),
    _new("courses", "0-410", "course"),
    _new("listings", "0-420", "listing"),
    _new("invoices", "0-53", "invoice"),
    _new("orders", "0-123", "order"),
    _new("carts", "0-142", "cart"),
    _new("subscriptions", "0-69", "subscription"),
    _new("feedback_submissions", "0-19", "feedback_submission", writable=False),
    _new("goal_targets", "0-74", "goal_target", associable=False),
)

_CORE = ("contact", "company", "deal", "ticket")
_ENGAGEMENTS = ("call", "email", "meeting", "note", "task", "communication", "postal_mail")
# associations of the later object types that HubSpot's guides describe
_LATER_PAIRS = (
    ("lead", "contact"), ("lead", "company"),
    ("service", "contact"), ("service", "company"), ("appointment", "contact"), ("appointment", "company"),
    ("course", "contact"), ("course", "company"), ("listing", "contact"), ("listing", "company"),
    ("invoice", "contact"), ("invoice", "line_item"),
    ("order", "contact"), ("order", "line_item"), ("order", "cart"),
    ("cart", "contact"), ("cart", "line_item"),
    ("subscription", "contact"), ("subscription", "company"), ("subscription", "line_item"),
    ("feedback_submission", "contact"),
)


def _standard_pairs() -> frozenset[frozenset[str]]:
    pairs = {frozenset((a, b)) for a in _CORE for b in _CORE if a != b}
    pairs |= {frozenset(("quote", x)) for x in ("deal", "contact", "company", "line_item")}
    pairs.add(frozenset(("deal", "line_item")))
    pairs |= {frozenset((c, e)) for c in _CORE for e in _ENGAGEMENTS}
    pairs |= {frozenset(p) for p in _LATER_PAIRS}
    return frozenset(pairs)


STANDARD_PAIRS = _standard_pairs()
SELF_ASSOCIABLE = frozenset(_CORE)  # same-type associations exist for these (449-452)


def custom_type(schema: ObjectSchema, taken_tables: Iterable[str] = ()) -> ObjectType:
    """The registry entry of a custom object schema."""
    singular = snake_case(schema.singular_label or schema.name)
    table = snake_case(schema.plural_label) if schema.plural_label else f"{snake_case(schema.name)}s"
    if table in set(taken_tables):
        table = f"{table}_{schema.object_type_id.replace('-', '_')}"
    return ObjectType(name=schema.name, object_type_id=schema.object_type_id, singular=singular, table=table,
                      api_path=schema.object_type_id, created_property="hs_createdate",
                      last_modified_property="hs_lastmodifieddate", custom=True)


@dataclass(frozen=True)
class AssociationPair:
    """One unordered pair of associable types, in table (alphabetical) order."""

    first: ObjectType
    second: ObjectType

    @property
    def table(self) -> str:
        return association_table(self.first.singular, self.second.singular)


class Registry:
    """Every object type of a portal, looked up by API name, objectTypeId, singular or table."""

    def __init__(self, types: Iterable[ObjectType], custom_pairs: Iterable[tuple[str, str]] = (),
                 include_self_pairs: bool = False) -> None:
        self.types: tuple[ObjectType, ...] = tuple(types)
        self._by_key: dict[str, ObjectType] = {}
        for t in self.types:
            for key in (t.name, t.object_type_id, t.singular, t.table, t.api_path):
                self._by_key.setdefault(key.lower(), t)
        self._custom_pairs = tuple(custom_pairs)
        self.include_self_pairs = include_self_pairs

    @classmethod
    def standard(cls) -> "Registry":
        return cls(STANDARD_TYPES)

    @classmethod
    def from_schemas(cls, schemas: Iterable[ObjectSchema], *, include_self_pairs: bool = False) -> "Registry":
        types = list(STANDARD_TYPES)
        pairs: list[tuple[str, str]] = []
        for schema in sorted((s for s in schemas if not s.archived), key=lambda s: s.object_type_id):
            types.append(custom_type(schema, [t.table for t in types]))
            pairs += [(a.from_object_type_id, a.to_object_type_id) for a in schema.associations]
        return cls(types, pairs, include_self_pairs)

    def __iter__(self) -> Iterator[ObjectType]:
        return iter(self.types)

    def find(self, key: str) -> ObjectType | None:
        return self._by_key.get(key.lower())

    def get(self, key: str) -> ObjectType:
        found = self.find(key)
        if found is None:
            raise KeyError(f"unknown HubSpot object type {key!r}")
        return found

    def association_pairs(self) -> list[AssociationPair]:
        """One entry per unordered pair HubSpot can associate, never a reversed twin."""
        keys: set[frozenset[str]] = set()
        by_singular = {t.singular: t for t in self.types}
        for pair in STANDARD_PAIRS:
            if all(s in by_singular for s in pair):
                keys.add(frozenset(by_singular[s].object_type_id for s in pair))
        if self.include_self_pairs:
            keys |= {frozenset((by_singular[s].object_type_id,)) for s in SELF_ASSOCIABLE if s in by_singular}
        for a, b in self._custom_pairs:
            ta, tb = self.find(a), self.find(b)
            if ta and tb and ta.associable and tb.associable and (ta != tb or self.include_self_pairs):
                keys.add(frozenset((ta.object_type_id, tb.object_type_id)))
        result = []
        for key in keys:
            members = sorted((self.get(k) for k in key), key=lambda t: t.singular)
            first, second = members[0], members[-1]
            result.append(AssociationPair(first, second))
        return sorted(result, key=lambda p: p.table)
