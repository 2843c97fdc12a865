"""Pipelines v3 with their stages (deals, tickets and other pipelined types), and the
values of the properties that hold a record's pipeline and stage.

HubSpot lists those properties (``pipeline``/``dealstage`` of deals, ``hs_pipeline``/
``hs_pipeline_stage`` of the other types) with ``externalOptions`` and no options: their
values and labels are the pipelines' and stages' ids and labels (``pipeline_options``).

Deliberately not here: pipelines as tables (catalog/columns.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from hubspot_fdw.api.models import Pipeline
from hubspot_fdw.api.transport import Transport, path_segment


@dataclass(frozen=True)
class PipelineOption:
    """One value of a pipeline or stage property, as a dropdown option."""

    value: str
    label: str
    display_order: int


def list_pipelines(t: Transport, object_type: str) -> list[Pipeline]:
    """Every pipeline of ``object_type`` with its stages (one request, no paging)."""
    body = t.request("GET", f"/crm/v3/pipelines/{path_segment(object_type)}").body or {}
    return [Pipeline.from_json(object_type, p) for p in body.get("results") or []]


def get_pipeline(t: Transport, object_type: str, pipeline_id: str) -> Pipeline:
    body = t.request("GET", f"/crm/v3/pipelines/{path_segment(object_type)}/{path_segment(pipeline_id)}").body
    return Pipeline.from_json(object_type, body)


def pipeline_properties(object_type: str) -> tuple[str, str]:
    """The properties holding a record's pipeline id and stage id (``object_type`` by name
    or objectTypeId)."""
    return ("pipeline", "dealstage") if object_type in ("deals", "0-3") else ("hs_pipeline", "hs_pipeline_stage")


def _order(item: object) -> tuple[int, str]:
    order = getattr(item, "display_order", None)
    return (order if isinstance(order, int) else 0, str(getattr(item, "id", "")))


def pipeline_options(object_type: str, pipelines: Sequence[Pipeline]) -> dict[str, list[PipelineOption]]:
    """Property name → its values and labels: the live pipelines, and their live stages
    (pipelines in display order, each one's stages in theirs)."""
    live = sorted((p for p in pipelines if not p.archived), key=_order)
    pipe_prop, stage_prop = pipeline_properties(object_type)
    stages = [s for p in live for s in sorted((s for s in p.stages if not s.archived), key=_order)]
    return {pipe_prop: [PipelineOption(p.id, p.label, i) for i, p in enumerate(live)],
            stage_prop: [PipelineOption(s.id, s.label, i) for i, s in enumerate(stages)]}
