"""Associations v4: labels, batch read (<= 1,000 ids, per-id paging), list one record's
associations, create (default or labelled), archive (all or some labels).

Batch read answers 207 ``NO_ASSOCIATIONS_FOUND`` for ids without associations; that
is "zero associations", not an error. ``toObjectId`` may be a JSON number or string.

Deliberately not here: which pairs of types exist (catalog/naming.py), v3 associations.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Iterator, Mapping, Sequence

from hubspot_fdw.api.errors import HubSpotUsageError, error_from_body
from hubspot_fdw.api.models import Association, AssociationType, Page
from hubspot_fdw.api.transport import Transport, path_segment

log = logging.getLogger("hubspot_fdw.api.associations")

READ_BATCH_LIMIT = 1000
WRITE_BATCH_LIMIT = 100
PAGE_LIMIT = 500
NO_ASSOCIATIONS = "crm.associations.NO_ASSOCIATIONS_FOUND"


def _pair(from_type: str, to_type: str) -> str:
    return f"/crm/v4/associations/{path_segment(from_type)}/{path_segment(to_type)}"


def labels(t: Transport, from_type: str, to_type: str) -> list[AssociationType]:
    """Every association type from ``from_type`` to ``to_type`` (label None = unlabeled)."""
    body = t.request("GET", f"{_pair(from_type, to_type)}/labels").body or {}
    return [AssociationType.from_json(r) for r in body.get("results") or []]


def _association(from_id: str, item: Mapping[str, Any]) -> Association:
    return Association(
        from_id=str(from_id),
        to_id=str(item.get("toObjectId", item.get("id"))),
        types=tuple(AssociationType.from_json(a) for a in item.get("associationTypes") or []),
    )


def batch_read(t: Transport, from_type: str, to_type: str, ids: Iterable[str]) -> Iterator[Association]:
    """Associations of every id in ``ids`` (1,000 per request), following per-id paging."""
    pending = [{"id": str(i)} for i in dict.fromkeys(str(i) for i in ids)]
    while pending:
        chunk, pending = pending[:READ_BATCH_LIMIT], pending[READ_BATCH_LIMIT:]
        response = t.request("POST", f"{_pair(from_type, to_type)}/batch/read",
                             json_body={"inputs": chunk}, idempotent=True)
        body = response.body or {}
        for error in body.get("errors") or []:
            if error.get("subCategory") == NO_ASSOCIATIONS:
                continue
            if error.get("category") == "OBJECT_NOT_FOUND":
                log.debug("association batch read: %s", error.get("message"))
                continue
            raise error_from_body(400, error)
        more: list[dict[str, str]] = []
        for result in body.get("results") or []:
            from_id = str((result.get("from") or {}).get("id"))
            for item in result.get("to") or []:
                yield _association(from_id, item)
            nxt = ((result.get("paging") or {}).get("next") or {}).get("after")
            if nxt:
                more.append({"id": from_id, "after": str(nxt)})
        pending = more + pending


def list_page(t: Transport, from_type: str, from_id: str, to_type: str, *, after: str | None = None,
              limit: int = PAGE_LIMIT) -> Page:
    """One page of one record's associations to ``to_type``."""
    params: dict[str, Any] = {"limit": min(max(1, limit), PAGE_LIMIT)}
    if after:
        params["after"] = after
    path = f"/crm/v4/objects/{path_segment(from_type)}/{path_segment(from_id)}/associations/{path_segment(to_type)}"
    body = t.request("GET", path, params=params).body or {}
    nxt = ((body.get("paging") or {}).get("next") or {}).get("after")
    return Page([_association(from_id, r) for r in body.get("results") or []], str(nxt) if nxt else None)


def iter_record(t: Transport, from_type: str, from_id: str, to_type: str) -> Iterator[Association]:
    after = None
    while True:
        page = list_page(t, from_type, from_id, to_type, after=after)
        yield from page.results
        if not page.after or page.after == after:
            return
        after = page.after


def create(t: Transport, from_type: str, from_id: str, to_type: str, to_id: str,
           types: Sequence[AssociationType] | None = None) -> Association:
    """Associate two records: unlabeled (default) when ``types`` is empty, else exactly
    these types (HubSpot replaces the labels between the pair with this set)."""
    base = f"/crm/v4/objects/{path_segment(from_type)}/{path_segment(from_id)}/associations"
    if not types:
        body = t.request("PUT", f"{base}/default/{path_segment(to_type)}/{path_segment(to_id)}", write=True).body or {}
        found = [AssociationType(category=str((r.get("associationSpec") or {}).get("associationCategory",
                                                                                     "HUBSPOT_DEFINED")),
                                 type_id=int((r.get("associationSpec") or {}).get("associationTypeId", 0)))
                 for r in body.get("results") or []
                 if str((r.get("from") or {}).get("id")) == str(from_id)]
        return Association(str(from_id), str(to_id), tuple(found))
    t.request("PUT", f"{base}/{path_segment(to_type)}/{path_segment(to_id)}",
              json_body=[ty.to_spec() for ty in types], write=True)
    return Association(str(from_id), str(to_id), tuple(types))


def archive(t: Transport, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
    """Remove every association (all labels) between two records."""
    t.request("DELETE", f"/crm/v4/objects/{path_segment(from_type)}/{path_segment(from_id)}/associations/"
                        f"{path_segment(to_type)}/{path_segment(to_id)}", write=True)


def batch_create(t: Transport, from_type: str, to_type: str,
                 inputs: Sequence[tuple[str, str, Sequence[AssociationType]]]) -> list[Any]:
    """Create up to 100 labelled associations; returns HubSpot's per-input errors (207)."""
    _check(inputs)
    payload = {"inputs": [{"from": {"id": str(f)}, "to": {"id": str(to)}, "types": [ty.to_spec() for ty in types]}
                          for f, to, types in inputs]}
    body = t.request("POST", f"{_pair(from_type, to_type)}/batch/create", json_body=payload,
                     idempotent=True, write=True).body or {}
    return [error_from_body(400, e) for e in body.get("errors") or []]


def batch_archive(t: Transport, from_type: str, to_type: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Remove all associations between up to 100 (from, to) pairs."""
    _check(pairs)
    grouped: dict[str, list[dict[str, str]]] = {}
    for f, to in pairs:
        grouped.setdefault(str(f), []).append({"id": str(to)})
    t.request("POST", f"{_pair(from_type, to_type)}/batch/archive",
              json_body={"inputs": [{"from": {"id": f}, "to": tos} for f, tos in grouped.items()]},
              idempotent=True, write=True)


def archive_labels(t: Transport, from_type: str, to_type: str,
                   inputs: Sequence[tuple[str, str, Sequence[AssociationType]]]) -> None:
    """Remove only the given labels between up to 100 pairs."""
    _check(inputs)
    payload = {"inputs": [{"from": {"id": str(f)}, "to": {"id": str(to)}, "types": [ty.to_spec() for ty in types]}
                          for f, to, types in inputs]}
    t.request("POST", f"{_pair(from_type, to_type)}/batch/labels/archive", json_body=payload, idempotent=True,
              write=True)


def _check(inputs: Sequence[Any]) -> None:
    if len(inputs) > WRITE_BATCH_LIMIT:
        raise HubSpotUsageError(f"cannot change {len(inputs)} associations in one call",
                                detail=f"HubSpot accepts at most {WRITE_BATCH_LIMIT} inputs.",
                                hint="Split the statement into smaller ones.")
