"""Properties v3: the property definitions of one object type.

Deliberately not here: mapping properties to columns (catalog/columns.py).
"""

from __future__ import annotations

from hubspot_fdw.api.models import PropertyDefinition
from hubspot_fdw.api.transport import Transport, path_segment


def list_properties(t: Transport, object_type: str, *, archived: bool = False) -> list[PropertyDefinition]:
    """Every property of ``object_type`` (one request; HubSpot does not page this)."""
    body = t.request("GET", f"/crm/v3/properties/{path_segment(object_type)}",
                     params={"archived": "true" if archived else "false"}).body or {}
    return [PropertyDefinition.from_json(p) for p in body.get("results") or []]


def get_property(t: Transport, object_type: str, name: str) -> PropertyDefinition:
    body = t.request("GET", f"/crm/v3/properties/{path_segment(object_type)}/{path_segment(name)}").body
    return PropertyDefinition.from_json(body)
