"""Property history (``propertiesWithHistory``): list pages and batch reads that carry
every value a property had, flattened to one ``PropertyChange`` per value.

HubSpot's limits with history: list pages of at most ``HISTORY_PAGE_LIMIT`` (50)
records, batch reads of at most ``HISTORY_BATCH_LIMIT`` (50) inputs; both are split
here so callers may pass any number of ids. Each record's values come back newest
first; ``changes_of`` returns them oldest first, properties in name order.

Deliberately not here: table rows (catalog/history.py), which properties to ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

from hubspot_fdw.api.objects import _base, _batch_errors, _chunks
from hubspot_fdw.api.errors import HubSpotNotFoundError
from hubspot_fdw.api.transport import Transport

HISTORY_PAGE_LIMIT = 50
HISTORY_BATCH_LIMIT = 50
MAX_GET_NAMES = 2000       # longer property lists go through batch read (POST body), not the URL


@dataclass(frozen=True)
class PropertyChange:
    """One value a property of a record had."""

    object_id: str
    property: str
    value: str | None          # HubSpot's "" (emptied) as None
    timestamp: str | None
    source_type: str | None
    source_id: str | None
    source_label: str | None
    updated_by_user_id: int | None


@dataclass(frozen=True)
class HistoryPage:
    ids: list[str]                 # every record on the page, with history or not
    changes: list[PropertyChange]
    after: str | None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _user(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def changes_of(record: Mapping[str, Any]) -> list[PropertyChange]:
    """A record's ``propertiesWithHistory``, oldest value first per property."""
    rid = str(record["id"])
    out: list[PropertyChange] = []
    history = record.get("propertiesWithHistory") or {}
    for name in sorted(history):
        values = [v for v in history[name] or [] if isinstance(v, Mapping)][::-1]   # HubSpot: newest first
        values.sort(key=lambda v: str(v.get("timestamp") or ""))                     # stable: ties keep it
        out += [PropertyChange(rid, name, _text(v.get("value")) or None, _text(v.get("timestamp")),
                               _text(v.get("sourceType")), _text(v.get("sourceId")),
                               _text(v.get("sourceLabel")), _user(v.get("updatedByUserId"))) for v in values]
    return out


def history_page(t: Transport, object_type: str, properties: Sequence[str], *, after: str | None = None,
                 limit: int = HISTORY_PAGE_LIMIT) -> HistoryPage:
    """One list page (ascending id) with the history of ``properties``."""
    size = min(max(1, limit), HISTORY_PAGE_LIMIT)
    names = ",".join(properties)
    if len(names) > MAX_GET_NAMES:    # ids from the list, history by batch read
        params: dict[str, Any] = {"limit": size, "properties": "hs_object_id", "archived": "false"}
        if after:
            params["after"] = after
        body = t.request("GET", _base(object_type), params=params).body or {}
        ids = [str(r["id"]) for r in body.get("results") or []]
        changes = list(batch_read_history(t, object_type, ids, properties))
    else:
        params = {"limit": size, "properties": "hs_object_id", "propertiesWithHistory": names,
                  "archived": "false"}
        if after:
            params["after"] = after
        body = t.request("GET", _base(object_type), params=params).body or {}
        records = body.get("results") or []
        ids = [str(r["id"]) for r in records]
        changes = [c for r in records for c in changes_of(r)]
    nxt = ((body.get("paging") or {}).get("next") or {}).get("after")
    return HistoryPage(ids, changes, str(nxt) if nxt is not None else None)


def batch_read_history(t: Transport, object_type: str, ids: Iterable[str],
                       properties: Sequence[str]) -> Iterator[PropertyChange]:
    """The history of ``properties`` for ``ids`` (any number; 50 per request), in the
    order of the ids; missing ids are skipped."""
    unique = list(dict.fromkeys(str(i) for i in ids))
    for chunk in _chunks(unique, HISTORY_BATCH_LIMIT):
        payload = {"inputs": [{"id": i} for i in chunk], "properties": ["hs_object_id"],
                   "propertiesWithHistory": list(properties)}
        response = t.request("POST", f"{_base(object_type)}/batch/read", params={"archived": "false"},
                             json_body=payload, idempotent=True)
        body = response.body or {}
        for error in _batch_errors(body, response.status):
            if not isinstance(error, HubSpotNotFoundError):
                raise error
        by_id = {str(r["id"]): r for r in body.get("results") or []}
        for i in chunk:
            if i in by_id:
                yield from changes_of(by_id[i])
