"""Cache rows: one builder for records, associations, owners and pipelines, used by both
the materializer and the foreign tables' write path, so both compute the same
``_sync_hash`` for the same HubSpot state.

``_sync_hash`` = sha256 of a canonical JSON of the converted values (column name →
value, sync columns excluded, NULL values left out so that adding an empty column does
not change any hash). A value that does not convert to its column type becomes NULL, text
loses its NUL characters; both are reported as ``CastFailure`` (catalog/odd_values.py);
it never raises.

Deliberately not here: SQL text (upsert.py), deciding when to write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable, Mapping

from hubspot_fdw.api.models import Association, HubSpotObject, Owner, Pipeline, PipelineStage
from hubspot_fdw.cache.ddl import key_columns
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.convert import datetime_or_none
from hubspot_fdw.catalog.odd_values import OddValue, column_values, without_nul


CastFailure = OddValue  # a value stored as NULL, or text stored without its NUL characters


@dataclass
class CacheRow:
    """One cache row: ``values`` holds every data column and ``_sync_hash``."""

    table: str
    values: dict[str, Any]
    key: tuple[str, ...]
    failures: list[CastFailure] = field(default_factory=list)

    @property
    def sync_hash(self) -> str:
        return self.values["_sync_hash"]


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, float):
        return {"n": repr(value)}
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return {"t": aware.astimezone(timezone.utc).isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Mapping):
        return {"j": {str(k): _canonical(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return str(value)


def sync_hash(values: Mapping[str, Any]) -> str:
    """Stable hash of a row's values (``_sync_*`` keys and None values ignored)."""
    items = {k: _canonical(v) for k, v in values.items() if v is not None and not k.startswith("_sync_")}
    text = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _finish(spec: TableSpec, values: dict[str, Any], failures: list[CastFailure]) -> CacheRow:
    values = {k: without_nul(v)[0] for k, v in values.items()}  # owners, pipelines, labels too
    values["_sync_hash"] = sync_hash(values)
    key = tuple(str(values[k]) for k in key_columns(spec))
    return CacheRow(spec.name, values, key, failures)


def object_row(spec: TableSpec, record: HubSpotObject) -> CacheRow:
    """The cache row of a CRM record (all of ``spec``'s data columns); odd values
    (catalog/odd_values.py) are stored as live reads show them and listed in ``failures``."""
    values, failures = column_values(spec, record)
    return _finish(spec, values, failures)


def association_row(spec: TableSpec, first_id: str, second_id: str, labels: Iterable[str | None]) -> CacheRow:
    """The cache row of an association; ids in table (alphabetical) order, labels sorted,
    unlabeled = empty array."""
    first, second = spec.columns[0].name, spec.columns[1].name
    values: dict[str, Any] = {first: str(first_id), second: str(second_id),
                              "labels": sorted({label for label in labels if label})}
    return _finish(spec, values, [])


def association_row_from(spec: TableSpec, from_singular: str, association: Association) -> CacheRow:
    """The row of an association read from the ``from_singular`` side (v4 batch read)."""
    assert spec.pair is not None, "association_row_from needs an association table"
    if spec.pair.first.singular == from_singular:
        return association_row(spec, association.from_id, association.to_id, association.labels)
    return association_row(spec, association.to_id, association.from_id, association.labels)


_ts = datetime_or_none


def owner_values(owner: Owner) -> dict[str, Any]:
    """The owners table's columns of one owner (its cache row's and a live read's)."""
    return {"id": owner.id, "email": owner.email, "first_name": owner.first_name,
            "last_name": owner.last_name, "user_id": owner.user_id,
            "user_id_including_inactive": owner.user_id_including_inactive, "type": owner.type,
            "teams": list(owner.teams), "created_at": _ts(owner.created_at),
            "updated_at": _ts(owner.updated_at), "archived": owner.archived}


def pipeline_values(pipeline: Pipeline) -> dict[str, Any]:
    """The pipelines table's columns of one pipeline."""
    return {"id": pipeline.id, "object_type": pipeline.object_type, "label": pipeline.label,
            "display_order": pipeline.display_order, "created_at": _ts(pipeline.created_at),
            "updated_at": _ts(pipeline.updated_at), "archived": pipeline.archived}


def stage_values(pipeline: Pipeline, stage: PipelineStage) -> dict[str, Any]:
    """The pipeline_stages table's columns of one stage of ``pipeline``."""
    return {"id": stage.id, "pipeline_id": pipeline.id, "object_type": pipeline.object_type,
            "label": stage.label, "display_order": stage.display_order, "metadata": dict(stage.metadata),
            "created_at": _ts(stage.created_at), "updated_at": _ts(stage.updated_at),
            "archived": stage.archived}


def owner_row(spec: TableSpec, owner: Owner) -> CacheRow:
    return _finish(spec, {k: v for k, v in owner_values(owner).items() if spec.has_column(k)}, [])


def pipeline_rows(pipelines_spec: TableSpec, stages_spec: TableSpec,
                  pipelines: Iterable[Pipeline]) -> tuple[list[CacheRow], list[CacheRow]]:
    """Rows of the pipelines and pipeline_stages tables for some pipelines."""
    prow: list[CacheRow] = []
    srow: list[CacheRow] = []
    for p in pipelines:
        prow.append(_finish(pipelines_spec, pipeline_values(p), []))
        srow.extend(_finish(stages_spec, stage_values(p, s), []) for s in p.stages)
    return prow, srow
