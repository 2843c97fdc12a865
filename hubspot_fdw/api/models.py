"""Records the client returns: plain dataclasses parsed leniently from HubSpot JSON.

Values stay as HubSpot sent them (property values are strings or None); turning
them into Python/SQL values is the catalog's job (catalog/convert.py).

Deliberately not here: HTTP, paging, conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from hubspot_fdw.api.errors import HubSpotError


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class HubSpotObject:
    """One CRM record (SimplePublicObject)."""

    id: str
    properties: dict[str, str | None]
    created_at: str | None = None
    updated_at: str | None = None
    archived: bool = False
    archived_at: str | None = None
    associations: dict[str, list[dict[str, Any]]] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "HubSpotObject":
        props = data.get("properties") or {}
        assoc = None
        if isinstance(data.get("associations"), Mapping):
            assoc = {str(k): list((v or {}).get("results") or []) for k, v in data["associations"].items()}
        return cls(
            id=str(data["id"]),
            properties={str(k): _str_or_none(v) for k, v in props.items()},
            created_at=_str_or_none(data.get("createdAt")),
            updated_at=_str_or_none(data.get("updatedAt")),
            archived=bool(data.get("archived", False)),
            archived_at=_str_or_none(data.get("archivedAt")),
            associations=assoc,
        )


@dataclass(frozen=True)
class Page:
    """One page of a paged listing; ``after`` is the checkpointable cursor of the next
    page (None on the last page)."""

    results: list[Any]
    after: str | None


@dataclass(frozen=True)
class BatchResult:
    """Outcome of a batch call: the records HubSpot returned and per-input errors (207)."""

    results: list[HubSpotObject]
    errors: list[HubSpotError] = field(default_factory=list)

    def raise_for_errors(self) -> None:
        if self.errors:
            raise self.errors[0]


@dataclass(frozen=True)
class PropertyOption:
    label: str
    value: str
    display_order: int | None = None
    hidden: bool = False


@dataclass(frozen=True)
class PropertyDefinition:
    """A HubSpot property (the parts the catalog needs)."""

    name: str
    label: str
    type: str
    field_type: str
    group_name: str | None = None
    description: str | None = None
    options: tuple[PropertyOption, ...] = ()
    calculated: bool = False
    read_only_value: bool = False
    read_only_definition: bool = False
    has_unique_value: bool = False
    hidden: bool = False
    hubspot_defined: bool = False
    referenced_object_type: str | None = None
    archived: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PropertyDefinition":
        meta = data.get("modificationMetadata") or {}
        return cls(
            name=str(data["name"]),
            label=str(data.get("label") or data["name"]),
            type=str(data.get("type") or "string"),
            field_type=str(data.get("fieldType") or "text"),
            group_name=_str_or_none(data.get("groupName")),
            description=_str_or_none(data.get("description")),
            options=tuple(
                PropertyOption(label=str(o.get("label", o.get("value", ""))), value=str(o.get("value", "")),
                               display_order=o.get("displayOrder"), hidden=bool(o.get("hidden", False)))
                for o in data.get("options") or [] if isinstance(o, Mapping)
            ),
            calculated=bool(data.get("calculated", False)),
            read_only_value=bool(meta.get("readOnlyValue", False)),
            read_only_definition=bool(meta.get("readOnlyDefinition", False)),
            has_unique_value=bool(data.get("hasUniqueValue", False)),
            hidden=bool(data.get("hidden", False)),
            hubspot_defined=bool(data.get("hubspotDefined", False)),
            referenced_object_type=_str_or_none(data.get("referencedObjectType")),
            archived=bool(data.get("archived", False)),
        )


@dataclass(frozen=True)
class SchemaAssociation:
    id: str
    from_object_type_id: str
    to_object_type_id: str
    name: str | None = None


@dataclass(frozen=True)
class ObjectSchema:
    """A custom object type from the schemas API."""

    id: str
    object_type_id: str
    name: str
    fully_qualified_name: str | None
    singular_label: str | None
    plural_label: str | None
    primary_display_property: str | None = None
    required_properties: tuple[str, ...] = ()
    properties: tuple[PropertyDefinition, ...] = ()
    associations: tuple[SchemaAssociation, ...] = ()
    archived: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ObjectSchema":
        labels = data.get("labels") or {}
        return cls(
            id=str(data.get("id", "")),
            object_type_id=str(data["objectTypeId"]),
            name=str(data["name"]),
            fully_qualified_name=_str_or_none(data.get("fullyQualifiedName")),
            singular_label=_str_or_none(labels.get("singular")),
            plural_label=_str_or_none(labels.get("plural")),
            primary_display_property=_str_or_none(data.get("primaryDisplayProperty")),
            required_properties=tuple(str(p) for p in data.get("requiredProperties") or []),
            properties=tuple(PropertyDefinition.from_json(p) for p in data.get("properties") or []),
            associations=tuple(
                SchemaAssociation(id=str(a.get("id", "")), from_object_type_id=str(a.get("fromObjectTypeId", "")),
                                  to_object_type_id=str(a.get("toObjectTypeId", "")), name=_str_or_none(a.get("name")))
                for a in data.get("associations") or [] if isinstance(a, Mapping)
            ),
            archived=bool(data.get("archived", False)),
        )


@dataclass(frozen=True)
class Owner:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    user_id: str | None
    user_id_including_inactive: str | None
    type: str | None
    teams: tuple[dict[str, Any], ...]
    created_at: str | None
    updated_at: str | None
    archived: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Owner":
        return cls(
            id=str(data["id"]),
            email=_str_or_none(data.get("email")),
            first_name=_str_or_none(data.get("firstName")),
            last_name=_str_or_none(data.get("lastName")),
            user_id=_str_or_none(data.get("userId")),
            user_id_including_inactive=_str_or_none(data.get("userIdIncludingInactive")),
            type=_str_or_none(data.get("type")),
            teams=tuple(dict(t) for t in data.get("teams") or []),
            created_at=_str_or_none(data.get("createdAt")),
            updated_at=_str_or_none(data.get("updatedAt")),
            archived=bool(data.get("archived", False)),
        )


@dataclass(frozen=True)
class PipelineStage:
    id: str
    label: str
    display_order: int | None
    metadata: dict[str, str]
    archived: bool
    created_at: str | None
    updated_at: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PipelineStage":
        return cls(
            id=str(data["id"]), label=str(data.get("label", "")), display_order=data.get("displayOrder"),
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            archived=bool(data.get("archived", False)),
            created_at=_str_or_none(data.get("createdAt")), updated_at=_str_or_none(data.get("updatedAt")),
        )


@dataclass(frozen=True)
class Pipeline:
    id: str
    object_type: str
    label: str
    display_order: int | None
    archived: bool
    created_at: str | None
    updated_at: str | None
    stages: tuple[PipelineStage, ...]

    @classmethod
    def from_json(cls, object_type: str, data: Mapping[str, Any]) -> "Pipeline":
        return cls(
            id=str(data["id"]), object_type=object_type, label=str(data.get("label", "")),
            display_order=data.get("displayOrder"), archived=bool(data.get("archived", False)),
            created_at=_str_or_none(data.get("createdAt")), updated_at=_str_or_none(data.get("updatedAt")),
            stages=tuple(PipelineStage.from_json(s) for s in data.get("stages") or []),
        )


@dataclass(frozen=True)
class AssociationType:
    """One association type (direction-specific typeId) and its label (None = unlabeled)."""

    category: str
    type_id: int
    label: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "AssociationType":
        return cls(
            category=str(data.get("category") or data.get("associationCategory") or "HUBSPOT_DEFINED"),
            type_id=int(data.get("typeId", data.get("associationTypeId", 0))),
            label=_str_or_none(data.get("label")),
        )

    def to_spec(self) -> dict[str, Any]:
        return {"associationCategory": self.category, "associationTypeId": self.type_id}


@dataclass(frozen=True)
class Association:
    """The association between two records, with every type (label) between them."""

    from_id: str
    to_id: str
    types: tuple[AssociationType, ...]

    @property
    def labels(self) -> list[str]:
        return sorted({t.label for t in self.types if t.label})
