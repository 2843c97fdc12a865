"""CRM objects v3: list pages, get, batch read, create, update, archive (single and batch).

Works the same for every object type (``contacts``, ``0-1``, ``2-123``...). Property
lists too long for a URL are fetched through POST batch read instead. Batch calls
refuse more than ``BATCH_LIMIT`` inputs before any request (HubSpotUsageError).

Deliberately not here: search (search.py), associations (associations.py), value
conversion (catalog/convert.py).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Iterable, Iterator, Mapping, Sequence

from hubspot_fdw.api.errors import HubSpotError, HubSpotNotFoundError, HubSpotUsageError, error_from_body
from hubspot_fdw.api.models import BatchResult, HubSpotObject, Page
from hubspot_fdw.api.transport import Transport, path_segment

log = logging.getLogger("hubspot_fdw.api.objects")

BATCH_LIMIT = 100
LIST_LIMIT = 100
DEFAULT_MAX_URL_LENGTH = 4000
URI_TOO_LONG = 414


def _get_or_414(t: Transport, path: str, params: dict[str, Any]) -> tuple[bool, Any]:
    """(True, the GET's body), or (False, None) when HubSpot refused the URL as too long
    (414) so the caller asks again with the property list in a POST body."""
    try:
        return True, t.request("GET", path, params=params).body
    except HubSpotError as exc:
        if exc.status == URI_TOO_LONG and params.get("properties"):
            log.debug("%s: URL too long for HubSpot, reading properties by batch read", path)
            return False, None
        raise


def _base(object_type: str) -> str:
    return f"/crm/v3/objects/{path_segment(object_type)}"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _check_batch(inputs: Sequence[Any], what: str) -> None:
    if len(inputs) > BATCH_LIMIT:
        raise HubSpotUsageError(
            f"cannot {what} {len(inputs)} records in one call",
            detail=f"HubSpot batch calls accept at most {BATCH_LIMIT} inputs.",
            hint="Split the statement into smaller ones.",
        )


def _read_params(properties: Sequence[str] | None, associations: Sequence[str] | None,
                 archived: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"archived": "true" if archived else "false"}
    if properties:
        params["properties"] = ",".join(properties)
    if associations:
        params["associations"] = list(associations)
    return params


def get(t: Transport, object_type: str, object_id: str, *, properties: Sequence[str] | None = None,
        associations: Sequence[str] | None = None, archived: bool = False, id_property: str | None = None,
        max_url_length: int = DEFAULT_MAX_URL_LENGTH) -> HubSpotObject:
    """One record by id (or by a unique property with ``id_property``); 404 raises
    ``HubSpotNotFoundError``."""
    path = f"{_base(object_type)}/{path_segment(object_id)}"
    params = _read_params(properties, associations, archived)
    if id_property:
        params["idProperty"] = id_property
    if not (properties and len(t.url(path, params)) > max_url_length):
        done, body = _get_or_414(t, path, params)
        if done:
            return HubSpotObject.from_json(body)
    if properties:                 # too long, by our estimate or by HubSpot's 414
        params.pop("properties")
        envelope = HubSpotObject.from_json(t.request("GET", path, params=params).body)
        found = list(batch_read(t, object_type, [envelope.id], properties=properties, archived=archived))
        if not found:
            raise HubSpotNotFoundError(f"{object_type} record {object_id} not found", status=404)
        full = found[0]
        return HubSpotObject(full.id, full.properties, full.created_at, full.updated_at, full.archived,
                             full.archived_at, envelope.associations)
    raise AssertionError("unreachable: a 414 is only turned into a retry when properties were asked for")


def list_page(t: Transport, object_type: str, *, properties: Sequence[str] | None = None,
              after: str | None = None, limit: int = LIST_LIMIT, archived: bool = False,
              associations: Sequence[str] | None = None,
              max_url_length: int = DEFAULT_MAX_URL_LENGTH) -> Page:
    """One page of the list endpoint (ascending id); ``Page.after`` resumes it."""
    path = _base(object_type)
    params = _read_params(properties, associations, archived)
    params["limit"] = min(max(1, limit), LIST_LIMIT)
    if after:
        params["after"] = after
    long_url = bool(properties) and len(t.url(path, params)) > max_url_length
    done, body = (False, None) if long_url else _get_or_414(t, path, params)
    if not done:                   # too long, by our estimate or by HubSpot's 414
        long_url = True
        params["properties"] = "hs_object_id"
        body = t.request("GET", path, params=params).body
    body = body or {}
    records = [HubSpotObject.from_json(r) for r in body.get("results") or []]
    if long_url and records:
        by_id = {r.id: r for r in batch_read(t, object_type, [r.id for r in records],
                                             properties=properties, archived=archived)}
        records = [_with_assoc(by_id[r.id], r) for r in records if r.id in by_id]
    nxt = ((body.get("paging") or {}).get("next") or {}).get("after")
    return Page(records, str(nxt) if nxt is not None else None)


def _with_assoc(full: HubSpotObject, envelope: HubSpotObject) -> HubSpotObject:
    if envelope.associations is None:
        return full
    return HubSpotObject(full.id, full.properties, full.created_at, full.updated_at, full.archived,
                         full.archived_at, envelope.associations)


def iter_pages(t: Transport, object_type: str, *, after: str | None = None, **kwargs: Any) -> Iterator[Page]:
    """Pages from ``after`` to the end, lazily (checkpoint ``page.after`` between pages)."""
    while True:
        page = list_page(t, object_type, after=after, **kwargs)
        yield page
        if page.after is None or page.after == after:
            return
        after = page.after


def iter_objects(t: Transport, object_type: str, **kwargs: Any) -> Iterator[HubSpotObject]:
    for page in iter_pages(t, object_type, **kwargs):
        yield from page.results


def _batch_errors(body: Mapping[str, Any], status: int) -> list[Any]:
    return [error_from_body(404 if e.get("category") == "OBJECT_NOT_FOUND" else 400, e)
            for e in body.get("errors") or [] if isinstance(e, Mapping)]


def batch_read(t: Transport, object_type: str, ids: Iterable[str], *, properties: Sequence[str] | None = None,
               id_property: str | None = None, archived: bool = False) -> Iterator[HubSpotObject]:
    """Records for ``ids`` (any number; 100 per request). Missing ids are skipped."""
    unique = list(dict.fromkeys(str(i) for i in ids))
    for chunk in _chunks(unique, BATCH_LIMIT):
        payload: dict[str, Any] = {"inputs": [{"id": i} for i in chunk],
                                   "properties": list(properties or []), "propertiesWithHistory": []}
        if id_property:
            payload["idProperty"] = id_property
        response = t.request("POST", f"{_base(object_type)}/batch/read",
                             params={"archived": "true" if archived else "false"},
                             json_body=payload, idempotent=True)
        body = response.body or {}
        for error in _batch_errors(body, response.status):
            if not isinstance(error, HubSpotNotFoundError):
                raise error
        for record in body.get("results") or []:
            yield HubSpotObject.from_json(record)


def create(t: Transport, object_type: str, properties: Mapping[str, str],
           associations: Sequence[Mapping[str, Any]] | None = None) -> HubSpotObject:
    """Create one record. Never retried once it may have reached HubSpot."""
    payload: dict[str, Any] = {"properties": dict(properties)}
    if associations:
        payload["associations"] = list(associations)
    response = t.request("POST", _base(object_type), json_body=payload, idempotent=False, write=True)
    return HubSpotObject.from_json(response.body)


def batch_create(t: Transport, object_type: str, inputs: Sequence[Mapping[str, str]]) -> BatchResult:
    """Create up to 100 records (each input gets an ``objectWriteTraceId``); never retried
    once it may have reached HubSpot."""
    _check_batch(inputs, "create")
    payload = {"inputs": [{"properties": dict(p), "objectWriteTraceId": uuid.uuid4().hex[:12]} for p in inputs]}
    response = t.request("POST", f"{_base(object_type)}/batch/create", json_body=payload, idempotent=False)
    body = response.body or {}
    return BatchResult([HubSpotObject.from_json(r) for r in body.get("results") or []],
                       _batch_errors(body, response.status))


def _idempotent_values(properties: Mapping[str, str]) -> bool:
    # A multi-checkbox value starting with ";" appends instead of replacing.
    return not any(isinstance(v, str) and v.startswith(";") for v in properties.values())


def update(t: Transport, object_type: str, object_id: str, properties: Mapping[str, str], *,
           id_property: str | None = None) -> HubSpotObject:
    """Overwrite the given properties of one record ("" clears a value)."""
    params = {"idProperty": id_property} if id_property else None
    response = t.request("PATCH", f"{_base(object_type)}/{path_segment(object_id)}", params=params,
                         json_body={"properties": dict(properties)},
                         idempotent=_idempotent_values(properties), write=True)
    return HubSpotObject.from_json(response.body)


def batch_update(t: Transport, object_type: str, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
    """Update up to 100 records in one call; unknown ids come back in ``errors``."""
    _check_batch(inputs, "update")
    if not inputs:
        return BatchResult([])
    payload = {"inputs": [{"id": str(i), "properties": dict(p)} for i, p in inputs]}
    response = t.request("POST", f"{_base(object_type)}/batch/update", json_body=payload,
                         idempotent=all(_idempotent_values(p) for _, p in inputs), write=True)
    body = response.body or {}
    return BatchResult([HubSpotObject.from_json(r) for r in body.get("results") or []],
                       _batch_errors(body, response.status))


def archive(t: Transport, object_type: str, object_id: str) -> None:
    """Move one record to the recycle bin."""
    t.request("DELETE", f"{_base(object_type)}/{path_segment(object_id)}", write=True)


def batch_archive(t: Transport, object_type: str, ids: Sequence[str]) -> None:
    """Archive up to 100 records in one call (idempotent: archived stays archived)."""
    _check_batch(ids, "archive")
    if not ids:
        return
    t.request("POST", f"{_base(object_type)}/batch/archive",
              json_body={"inputs": [{"id": str(i)} for i in ids]}, idempotent=True, write=True)
