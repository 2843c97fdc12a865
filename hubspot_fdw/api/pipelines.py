"""Pipelines v3 with their stages (deals, tickets and other pipelined types).

Deliberately not here: pipelines as tables (catalog/columns.py).
"""

from __future__ import annotations

from hubspot_fdw.api.models import Pipeline
from hubspot_fdw.api.transport import Transport, path_segment


def list_pipelines(t: Transport, object_type: str) -> list[Pipeline]:
    """Every pipeline of ``object_type`` with its stages (one request, no paging)."""
    body = t.request("GET", f"/crm/v3/pipelines/{path_segment(object_type)}").body or {}
    return [Pipeline.from_json(object_type, p) for p in body.get("results") or []]


def get_pipeline(t: Transport, object_type: str, pipeline_id: str) -> Pipeline:
    body = t.request("GET", f"/crm/v3/pipelines/{path_segment(object_type)}/{path_segment(pipeline_id)}").body
    return Pipeline.from_json(object_type, body)
