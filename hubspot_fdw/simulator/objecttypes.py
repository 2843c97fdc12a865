"""Registry of CRM object types: names, objectTypeIds and per-type conventions.

Object types are data (hubspot-api.md §3.1, §2.2, §2.8, §5): one entry per type,
one generic code path serves them all, custom `2-…` types included. Does not hold
properties (properties.py) or records (store.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubspot_fdw.simulator import later_types


@dataclass
class ObjectType:
    name: str                      # API name: contacts, line_items, or the custom name
    type_id: str                   # objectTypeId: 0-1, 2-1234
    singular: str                  # contact, line_item, car (association type names)
    error_name: str                # CONTACT, LINE_ITEM (batch not-found text)
    create_prop: str = "createdate"
    modified_prop: str = "hs_lastmodifieddate"
    list_defaults: tuple[str, ...] = ()
    search_defaults: tuple[str, ...] = ()
    searchable: tuple[str, ...] = ()
    pipelines: bool = False
    mergeable: bool = False
    custom: bool = False
    fully_qualified_name: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    id_base: int = 0               # first seeded id; ids ascend from here
    embed_key: str = ""            # key of embedded association blocks ("line items")

    @property
    def always(self) -> tuple[str, ...]:
        return (self.create_prop, "hs_object_id", self.modified_prop)


_ENG = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


def _std(name: str, type_id: str, singular: str, list_defaults: tuple[str, ...],
         searchable: tuple[str, ...] = (), create_prop: str = "createdate",
         modified_prop: str = "hs_lastmodifieddate", pipelines: bool = False,
         mergeable: bool = False, search_defaults: tuple[str, ...] | None = None,
         ordinal: int = 0) -> ObjectType:
    always = (create_prop, "hs_object_id", modified_prop)
    if search_defaults is None:
        search_defaults = list_defaults + always
    return ObjectType(
        name=name, type_id=type_id, singular=singular, error_name=singular.upper(),
        create_prop=create_prop, modified_prop=modified_prop, list_defaults=list_defaults,
        search_defaults=search_defaults, searchable=searchable, pipelines=pipelines,
        mergeable=mergeable, labels={"singular": singular.replace("_", " ").title(),
                                     "plural": name.replace("_", " ").title()},
        id_base=(ordinal + 1) * 10_000_000_000 + 1001,
        embed_key=name.replace("_", " "),
    )


def standard_types() -> list[ObjectType]:
    return [
        _std("contacts", "0-1", "contact", ("firstname", "lastname", "email"),
             ("firstname", "lastname", "email", "phone", "hs_additional_emails", "fax",
              "mobilephone", "company", "hs_marketable_until_renewal"),
             modified_prop="lastmodifieddate", mergeable=True, ordinal=0),
        _std("companies", "0-2", "company", ("name", "domain"),
             ("website", "phone", "name", "domain"), mergeable=True, ordinal=1),
        _std("deals", "0-3", "deal", ("dealname", "amount", "closedate", "pipeline", "dealstage"),
             ("dealname", "pipeline", "dealstage", "description", "dealtype"),
             pipelines=True, mergeable=True, ordinal=2),
        _std("tickets", "0-5", "ticket",
             ("content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_category",
              "hs_ticket_priority", "subject"),
             ("subject", "content", "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_id"),
             pipelines=True, mergeable=True, ordinal=3),
        _std("products", "0-7", "product", ("name", "description", "price"),
             ("name", "description", "price", "hs_sku"), ordinal=4),
        _std("line_items", "0-8", "line_item", ("quantity", "amount", "price"),
             ("name",), ordinal=5),
        _std("quotes", "0-14", "quote",
             ("hs_expiration_date", "hs_public_url_key", "hs_status", "hs_title"),
             ("hs_title",), create_prop="hs_createdate", ordinal=6),
        _std("communications", "0-18", "communication", (), ("hs_communication_body",),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=7),
        _std("tasks", "0-27", "task", (), ("hs_task_body", "hs_task_subject"),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=8),
        _std("notes", "0-46", "note", (), ("hs_note_body",),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=9),
        _std("meetings", "0-47", "meeting", (), ("hs_meeting_title", "hs_meeting_body"),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=10),
        _std("calls", "0-48", "call", (), ("hs_call_title", "hs_body_preview"),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=11),
        _std("emails", "0-49", "email", (), ("hs_email_subject",),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=12),
        _std("postal_mail", "0-116", "postal_mail", (), ("hs_postal_mail_body",),
             create_prop="hs_createdate", search_defaults=_ENG, ordinal=13),
    ] + [  # ordinals after the seeded custom objects' (14, 15): their ids stay put
        _std(name, type_id, singular, defaults, defaults, create_prop="hs_createdate", ordinal=16 + k)
        for k, (name, type_id, singular, defaults) in enumerate(later_types.TYPES)
    ]


def custom_type(name: str, type_id: str, singular_label: str, plural_label: str,
                portal_id: int, primary: str, searchable: tuple[str, ...],
                ordinal: int) -> ObjectType:
    return ObjectType(
        name=name, type_id=type_id, singular=name.rstrip("s") if name.endswith("s") else name,
        error_name=type_id.upper(), create_prop="hs_createdate",
        modified_prop="hs_lastmodifieddate", list_defaults=(primary,),
        search_defaults=(primary, "hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        searchable=searchable, custom=True, fully_qualified_name=f"p{portal_id}_{name}",
        labels={"singular": singular_label, "plural": plural_label},
        id_base=(ordinal + 1) * 10_000_000_000 + 1001, embed_key=f"p{portal_id}_{name}",
    )


def record_url(portal_id: int, t: ObjectType, rid: int | str) -> str:
    """The record's page in HubSpot's app, as real answers carry it (``url``)."""
    if t.name == "tasks":
        return f"https://app.hubspot.com/tasks/{portal_id}/view/all/task/{rid}"
    return f"https://app.hubspot.com/contacts/{portal_id}/record/{t.type_id}/{rid}"


class TypeRegistry:
    """Resolves `{objectType}` path segments: API name, objectTypeId, singular,
    and for custom objects the fully qualified name and `p_{name}`."""

    def __init__(self) -> None:
        self.types: list[ObjectType] = []
        self._by_key: dict[str, ObjectType] = {}

    def add(self, t: ObjectType) -> None:
        self.types.append(t)
        keys = [t.type_id]
        if t.custom:
            keys += [t.fully_qualified_name, f"p_{t.name}"]
        else:
            keys += [t.name, t.singular]
        for k in keys:
            self._by_key[k.lower()] = t

    def find(self, key: str) -> ObjectType | None:
        return self._by_key.get(key.lower())

    def named(self, name: str) -> ObjectType:
        """By API name, custom objects included (internal use; not a path lookup)."""
        return next(t for t in self.types if t.name == name)

    def by_id(self, type_id: str) -> ObjectType:
        return self._by_key[type_id.lower()]
