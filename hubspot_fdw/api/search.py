"""CRM search: filters, one sort, lazy paging, and the 10,000-result cap.

HubSpot serves at most 10,000 results per query. ``search`` pages lazily and, when the
cap is reached, re-windows: it starts a new query with the sort property ``GTE`` the
last value seen (skipping the ids already yielded at that value). If one value holds
the whole window (a bulk import sharing one last-modified instant), that value is
drained by a second query ``<prop> EQ v`` sorted by ``hs_object_id`` (itself
re-windowed with ``hs_object_id GT``), then the main query continues with ``GT v``.
Without a sort, results are ordered by ``hs_object_id`` so any size can be read.

Search requests use the search rate pool (no rate-limit headers come back).

Deliberately not here: choosing which SQL conditions can be pushed down (the FDW's
job); eventual consistency of the index (callers overlap their cursors).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Mapping, Sequence

from hubspot_fdw.api.budget import Pool
from hubspot_fdw.api.errors import HubSpotUsageError
from hubspot_fdw.api.models import HubSpotObject, Page
from hubspot_fdw.api.transport import Transport, path_segment

log = logging.getLogger("hubspot_fdw.api.search")

PAGE_LIMIT = 200
RESULT_CAP = 10_000
OPERATORS = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
                       "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})


@dataclass(frozen=True)
class Filter:
    """One search filter; ``value``/``high_value`` strings, ``values`` for IN/NOT_IN."""

    property_name: str
    operator: str
    value: str | None = None
    values: tuple[str, ...] | None = None
    high_value: str | None = None

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise HubSpotUsageError(f"unknown search operator {self.operator!r}", sqlstate="22023")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"propertyName": self.property_name, "operator": self.operator}
        if self.value is not None:
            data["value"] = self.value
        if self.values is not None:
            data["values"] = list(self.values)
        if self.high_value is not None:
            data["highValue"] = self.high_value
        return data


FilterLike = Filter | Mapping[str, Any]


def _filter_json(f: FilterLike) -> dict[str, Any]:
    return f.to_json() if isinstance(f, Filter) else dict(f)


def filter_value(value: str) -> str:
    """A property value as a filter wants it: ISO datetimes/dates become epoch ms."""
    if len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        text = value[:-1] + "+00:00" if value.endswith("Z") else value
        if len(text) == 10:
            text += "T00:00:00+00:00"
        try:
            return str(int(round(datetime.fromisoformat(text).timestamp() * 1000)))
        except ValueError:
            return value
    return value


def search_page(t: Transport, object_type: str, *, filter_groups: Sequence[Sequence[FilterLike]] = (),
                sorts: Sequence[tuple[str, str]] = (), properties: Sequence[str] | None = None,
                query: str | None = None, limit: int = PAGE_LIMIT, after: str | int | None = None
                ) -> tuple[Page, int]:
    """One search request: (page, total)."""
    payload: dict[str, Any] = {
        "filterGroups": [{"filters": [_filter_json(f) for f in group]} for group in filter_groups if group],
        "limit": min(max(1, limit), PAGE_LIMIT),
    }
    if sorts:
        payload["sorts"] = [{"propertyName": p, "direction": d} for p, d in sorts]
    if properties is not None:
        payload["properties"] = list(properties)
    if query:
        payload["query"] = query
    if after not in (None, "", 0, "0"):
        payload["after"] = str(after)
    response = t.request("POST", f"/crm/v3/objects/{path_segment(object_type)}/search",
                         json_body=payload, pool=Pool.SEARCH, idempotent=True)
    body = response.body or {}
    nxt = ((body.get("paging") or {}).get("next") or {}).get("after")
    records = [HubSpotObject.from_json(r) for r in body.get("results") or []]
    return Page(records, str(nxt) if nxt is not None else None), int(body.get("total") or 0)


def count(t: Transport, object_type: str, filter_groups: Sequence[Sequence[FilterLike]] = ()) -> int:
    """How many records match (HubSpot's ``total``; one request)."""
    return search_page(t, object_type, filter_groups=filter_groups, properties=["hs_object_id"], limit=1)[1]


def _with_extra(groups: Sequence[Sequence[FilterLike]], extra: Sequence[Filter]) -> list[list[FilterLike]]:
    if not extra:
        return [list(g) for g in groups if g]
    if not any(groups):
        return [list(extra)]
    return [list(g) + list(extra) for g in groups if g]


def search(t: Transport, object_type: str, *, filter_groups: Sequence[Sequence[FilterLike]] = (),
           sort: tuple[str, str] | None = None, properties: Sequence[str] | None = None,
           query: str | None = None, limit: int | None = None, page_size: int = PAGE_LIMIT,
           result_cap: int = RESULT_CAP) -> Iterator[HubSpotObject]:
    """All matching records, lazily, past the 10,000 cap. ``sort`` = (property, ASCENDING|DESCENDING);
    ``limit`` stops after that many records."""
    prop, direction = sort if sort else ("hs_object_id", "ASCENDING")
    direction = direction.upper()
    if properties is not None and prop not in properties:
        properties = [*properties, prop]
    produced = 0
    for record in _windowed(t, object_type, filter_groups, prop, direction, properties, query, page_size,
                            result_cap):
        yield record
        produced += 1
        if limit is not None and produced >= limit:
            return


def modified_since(t: Transport, object_type: str, last_modified_property: str, since_ms: int, *,
                   properties: Sequence[str] | None = None, page_size: int = PAGE_LIMIT,
                   result_cap: int = RESULT_CAP) -> Iterator[HubSpotObject]:
    """Incremental sync: records with last-modified >= ``since_ms``, ascending, past the cap."""
    groups = [[Filter(last_modified_property, "GTE", str(int(since_ms)))]]
    return search(t, object_type, filter_groups=groups, sort=(last_modified_property, "ASCENDING"),
                  properties=properties, page_size=page_size, result_cap=result_cap)


def _windowed(t: Transport, object_type: str, groups: Sequence[Sequence[FilterLike]], prop: str,
              direction: str, properties: Sequence[str] | None, query: str | None, page_size: int,
              cap: int, extra: Sequence[Filter] = (), skip: frozenset[str] = frozenset()
              ) -> Iterator[HubSpotObject]:
    unique = prop == "hs_object_id"
    inclusive, strict = ("GTE", "GT") if direction == "ASCENDING" else ("LTE", "LT")
    window_extra: list[Filter] = list(extra)
    while True:
        after = 0
        first_value: str | None = None
        last_value: str | None = None
        at_last: set[str] = set()
        exhausted = False
        while True:
            size = min(page_size, cap - after)
            if size <= 0:
                break
            page, _ = search_page(t, object_type, filter_groups=_with_extra(groups, window_extra),
                                  sorts=[(prop, direction)], properties=properties, query=query,
                                  limit=size, after=after)
            for record in page.results:
                value = record.id if unique else record.properties.get(prop)
                if first_value is None:
                    first_value = value
                if value != last_value:
                    last_value, at_last = value, set()
                at_last.add(record.id)
                if record.id in skip:
                    continue
                yield record
            if page.after is None or not page.results:
                exhausted = True
                break
            after = int(page.after)
        if exhausted:
            return
        if last_value is None:
            raise HubSpotUsageError(
                f"search on {object_type} exceeds {cap} results and cannot be re-windowed",
                detail=f"The sort property {prop} has no value on the last record returned.",
                hint="Add conditions to narrow the query.")
        bound = filter_value(last_value)
        log.debug("search %s reached %d results; re-windowing at %s %s %s", object_type, cap, prop,
                  inclusive, last_value)
        base_extra = list(extra)
        if unique:
            # ids are unique: GT moves past everything read; ``skip`` (ids a tie drain
            # must not repeat) stays in force for the whole drain.
            window_extra = base_extra + [Filter(prop, strict, bound)]
        elif first_value == last_value:
            # The whole window shares one value: drain it by id, then continue past it.
            seen = frozenset(at_last) | skip
            yield from _windowed(t, object_type, groups, "hs_object_id", "ASCENDING", properties, query,
                                 page_size, cap, base_extra + [Filter(prop, "EQ", bound)], seen)
            window_extra, skip = base_extra + [Filter(prop, strict, bound)], frozenset()
        else:
            window_extra, skip = base_extra + [Filter(prop, inclusive, bound)], frozenset(at_last)
