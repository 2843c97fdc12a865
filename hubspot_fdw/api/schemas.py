"""Schemas v3: custom object types (``/crm-object-schemas/v3/schemas``).

Deliberately not here: turning schemas into registry entries (catalog/registry.py).
"""

from __future__ import annotations

from hubspot_fdw.api.errors import HubSpotNotFoundError
from hubspot_fdw.api.models import ObjectSchema
from hubspot_fdw.api.transport import Transport, path_segment

SCHEMAS_PATH = "/crm-object-schemas/v3/schemas"
ALT_SCHEMAS_PATH = "/crm/v3/schemas"  # the path HubSpot's guides use; both are served


def list_schemas(t: Transport, *, archived: bool = False) -> list[ObjectSchema]:
    """Every custom object schema of the portal, with properties and associations."""
    params = {"archived": "true" if archived else "false"}
    try:
        body = t.request("GET", SCHEMAS_PATH, params=params).body or {}
    except HubSpotNotFoundError:
        body = t.request("GET", ALT_SCHEMAS_PATH, params=params).body or {}
    return [ObjectSchema.from_json(s) for s in body.get("results") or []]


def get_schema(t: Transport, object_type: str) -> ObjectSchema:
    return ObjectSchema.from_json(t.request("GET", f"{SCHEMAS_PATH}/{path_segment(object_type)}").body)
