"""Live reads: one ``LivePlan`` per scan, built from the quals, columns, sort and limit,
used both to run the scan (lazily, page by page) and to describe it in EXPLAIN as the
exact HubSpot request.

Object tables: ``id =`` / ``id IN`` → batch read; pushable conditions (filters.py) or
an accepted sort → search (a sort runs as two searches, records with the property
and records without it, so NULLs land where PostgreSQL puts them); otherwise list
pages. Association tables: v4 batch read from the side whose ids are given, else
per page of the first type's ids. Property history tables: batch read with history for
given ids (50 per request), else list pages of 50 with history. Owners and pipelines:
their own listings.

Deliberately not here: the cache path (cache_reads.py), writes (writes.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, Iterable, Iterator, Sequence

from hubspot_fdw.api import Filter, HubSpotClient
from hubspot_fdw.api.history import HISTORY_BATCH_LIMIT, HISTORY_PAGE_LIMIT, PropertyChange
from hubspot_fdw.cache.rows import owner_values, pipeline_values, stage_values
from hubspot_fdw.catalog import Registry, TableSpec, record_to_row
from hubspot_fdw.catalog.odd_values import OddValue, nul_free, without_nul
from hubspot_fdw.catalog.history import change_row
from hubspot_fdw.catalog.history import properties as history_properties
from hubspot_fdw.fdw.filters import MAX_FILTERS, ORDERED_TYPES, target, translate
from hubspot_fdw.fdw.id_order import MAX_ID_SORT_LIMIT, IdWalk

LIST_LIMIT = 100
SEARCH_LIMIT = 200
ASSOCIATION_CHUNK = 100


@dataclass(frozen=True)
class Sort:
    column: str
    prop: str
    descending: bool
    nulls_first: bool


@dataclass
class LivePlan:
    table: TableSpec
    kind: str                      # batch_read | search | id_search | id_sorted | list | associations | ... | empty
    columns: list[str]
    properties: list[str] = field(default_factory=list)
    ids: list[str] | None = None
    filters: list[Filter] = field(default_factory=list)
    sort: Sort | None = None
    limit: int | None = None
    from_side: int = 0             # associations: 0 = first type's ids, 1 = second's
    every_property: bool = False   # property history: history_properties '*' and no property condition

    # -- EXPLAIN ---------------------------------------------------------------------------
    def describe(self) -> list[str]:
        """The HubSpot requests this scan makes, exactly as sent (paging aside)."""
        path = f"/crm/v3/objects/{self.table.object_type.api_path}" if self.table.object_type else ""
        if self.kind == "empty":
            return ["HubSpot: no request (the conditions match no id)"]
        if self.kind == "batch_read":
            body = {"inputs": [{"id": i} for i in self.ids or []], "properties": self.properties}
            return [f"HubSpot: POST {path}/batch/read {json.dumps(body)}"]
        if self.kind == "search":
            return [f"HubSpot: POST {path}/search {json.dumps(body)}" for body in self.search_bodies()]
        if self.kind == "id_search":
            return self.id_walk().describe(path)
        if self.kind == "id_sorted":
            return self.id_walk().describe_everything(path)
        if self.kind == "list":
            size = min(LIST_LIMIT, self.limit or LIST_LIMIT)
            return [f"HubSpot: GET {path}?limit={size}&properties={','.join(self.properties)} "
                    "(then each paging.next.after)"]
        if self.kind == "associations":
            pair = self.table.pair
            types = (pair.first.api_path, pair.second.api_path)
            src, dst = (types if self.from_side == 0 else types[::-1])
            url = f"/crm/v4/associations/{src}/{dst}/batch/read"
            if self.ids is not None:
                return [f"HubSpot: POST {url} {json.dumps({'inputs': [{'id': i} for i in self.ids]})}"]
            return [f"HubSpot: GET /crm/v3/objects/{src}?limit={ASSOCIATION_CHUNK}&properties=hs_object_id "
                    f"(then each paging.next.after), and per page POST {url}"]
        if self.kind in ("history_batch", "history_list"):
            return self._describe_history(path)
        if self.kind == "owners":
            return ["HubSpot: GET /crm/v3/owners/?limit=100 (then each paging.next.after)"]
        return [f"HubSpot: GET /crm/v3/pipelines/{t}" for t in pipeline_types()]

    def _describe_history(self, path: str) -> list[str]:
        names = "<every property>" if self.every_property else ",".join(self.properties)
        lines = []
        if self.every_property:
            lines.append(f"HubSpot: GET /crm/v3/properties/{self.table.object_type.api_path} (the property names)")
        if self.kind == "history_batch":
            body = {"inputs": [{"id": i} for i in self.ids or []], "properties": ["hs_object_id"],
                    "propertiesWithHistory": [names] if self.every_property else self.properties}
            return lines + [f"HubSpot: POST {path}/batch/read {json.dumps(body)} "
                            f"({HISTORY_BATCH_LIMIT} inputs per request)"]
        return lines + [f"HubSpot: GET {path}?limit={HISTORY_PAGE_LIMIT}&properties=hs_object_id"
                        f"&propertiesWithHistory={names} (then each paging.next.after)"]

    def search_bodies(self) -> list[dict[str, Any]]:
        groups = [self.filters] if self.filters else []
        size = min(SEARCH_LIMIT, self.limit or SEARCH_LIMIT)
        if self.sort is None:
            return [_search_body(groups, [("hs_object_id", "ASCENDING")], self.properties, size)]
        direction = "DESCENDING" if self.sort.descending else "ASCENDING"
        has = [[*self.filters, Filter(self.sort.prop, "HAS_PROPERTY")]]
        has_not = [[*self.filters, Filter(self.sort.prop, "NOT_HAS_PROPERTY")]]
        sorted_part = _search_body(has, [(self.sort.prop, direction)], self.properties, size)
        null_part = _search_body(has_not, [("hs_object_id", "ASCENDING")], self.properties, size)
        return [null_part, sorted_part] if self.sort.nulls_first else [sorted_part, null_part]

    # -- execution -------------------------------------------------------------------------
    def rows(self, client: HubSpotClient, odd: list[OddValue] | None = None) -> Iterator[dict[str, Any]]:
        """The scan's rows; values HubSpot holds that a column cannot (catalog/odd_values.py)
        read as the cache stores them and are appended to ``odd``."""
        if self.kind == "empty":
            return iter(())
        if self.kind == "batch_read":
            records = client.batch_read(self.table.object_type.api_path, self.ids or [],
                                        properties=self.properties)
            return (record_to_row(self.table, r, self.columns, odd) for r in records)
        if self.kind == "search":
            return self._search_rows(client, odd)
        if self.kind == "id_search":
            return (record_to_row(self.table, r, self.columns, odd) for r in self.id_walk().records(client))
        if self.kind == "id_sorted":
            return (record_to_row(self.table, r, self.columns, odd) for r in self.id_walk().everything(client))
        if self.kind == "list":
            pages = client.iter_pages(self.table.object_type.api_path, properties=self.properties,
                                      limit=min(LIST_LIMIT, self.limit or LIST_LIMIT))
            return (record_to_row(self.table, r, self.columns, odd) for page in pages for r in page.results)
        if self.kind == "associations":
            return association_rows(client, self)
        if self.kind in ("history_batch", "history_list"):
            return history_rows(client, self)
        if self.kind == "owners":
            return owner_rows(client, self.columns)
        return pipeline_rows(client, self.kind, self.columns)

    def id_walk(self) -> IdWalk:
        return IdWalk(self.table.object_type.api_path, self.filters, self.properties, self.limit or 1,
                      bool(self.sort and self.sort.descending))

    def _search_rows(self, client: HubSpotClient, odd: list[OddValue] | None) -> Iterator[dict[str, Any]]:
        api = self.table.object_type.api_path
        for body in self.search_bodies():
            groups = [[Filter(**_filter_args(f)) for f in g["filters"]] for g in body["filterGroups"]]
            prop, direction = body["sorts"][0]["propertyName"], body["sorts"][0]["direction"]
            sort = None if prop == "hs_object_id" else (prop, direction)
            for record in client.search(api, filter_groups=groups, sort=sort, properties=self.properties,
                                        limit=self.limit):
                yield record_to_row(self.table, record, self.columns, odd)


def _filter_args(data: dict[str, Any]) -> dict[str, Any]:
    return {"property_name": data["propertyName"], "operator": data["operator"], "value": data.get("value"),
            "values": tuple(data["values"]) if "values" in data else None, "high_value": data.get("highValue")}


def _search_body(groups: list[list[Filter]], sorts: list[tuple[str, str]], properties: list[str],
                 size: int) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [f.to_json() for f in g]} for g in groups if g],
            "sorts": [{"propertyName": p, "direction": d} for p, d in sorts],
            "properties": properties, "limit": size}


def pipeline_types() -> list[str]:
    return [t.api_path for t in Registry.standard() if t.pipelines]


def live_sortable(table: TableSpec, column: str) -> bool:
    """Whether a live scan returns rows in PostgreSQL's order of ``column``: numbers, dates
    and datetimes by a search sort (NULLs read apart), ``id`` by id length (id_order.py).
    Not text properties: HubSpot orders strings its own way (case-insensitively), not in
    the column's collation."""
    if table.kind != "object":
        return False
    if column == "id":
        return True
    found = target(table, column)
    return found is not None and found[1] in ORDERED_TYPES and found[2] != "checkbox"


# -- planning ---------------------------------------------------------------------------------
def plan(table: TableSpec, quals: Sequence[Any], columns: Iterable[str], sortkeys: Sequence[Any] = (),
         limit: int | None = None, history: str | None = None) -> LivePlan:
    """``history``: the table option history_properties (property history tables)."""
    wanted = [c for c in table.column_names if c in set(columns)]
    if table.kind == "association":
        return _association_plan(table, quals, wanted, limit)
    if table.kind == "history":
        return _history_plan(table, quals, wanted, limit, history)
    if table.kind != "object":
        return LivePlan(table, table.kind, wanted, limit=limit)
    properties = [table.column(c).property_name or c for c in wanted if table.column(c).kind == "property"]
    properties = properties or ["hs_object_id"]
    ids = ids_from_quals(quals, "id")
    if ids is not None:
        return LivePlan(table, "batch_read" if ids else "empty", wanted, properties, ids=ids, limit=limit)
    filters = [f for f in (translate(table, q.field_name, q.operator, q.value) for q in quals) if f]
    sort = None
    if len(sortkeys) == 1 and sortkeys[0].attname == "id":
        key = sortkeys[0]
        sort = Sort("id", "hs_object_id", key.is_reversed, key.nulls_first)
        kind = "id_sorted" if limit is None or limit > MAX_ID_SORT_LIMIT else "id_search"
        return LivePlan(table, kind, wanted, properties, filters=filters[:MAX_FILTERS - 1], sort=sort,
                        limit=limit)
    if len(sortkeys) == 1 and live_sortable(table, sortkeys[0].attname):
        key = sortkeys[0]
        sort = Sort(key.attname, target(table, key.attname)[0], key.is_reversed, key.nulls_first)
    filters = filters[:MAX_FILTERS - (1 if sort else 0)]
    kind = "search" if filters or sort else "list"
    return LivePlan(table, kind, wanted, properties, filters=filters, sort=sort, limit=limit)


def ids_from_quals(quals: Sequence[Any], column: str) -> list[str] | None:
    """The ids an ``=``/``IN`` condition on ``column`` allows (intersected), or None."""
    result: list[str] | None = None
    for q in quals:
        if q.field_name != column:
            continue
        if q.operator == "=" and q.value is not None:
            values = [str(q.value)]
        elif isinstance(q.operator, tuple) and q.operator == ("=", True) and isinstance(q.value, (list, tuple)):
            values = [str(v) for v in q.value if v is not None]
        else:
            continue
        values = list(dict.fromkeys(values))
        result = values if result is None else [v for v in result if v in values]
    return result


def _history_plan(table: TableSpec, quals: Sequence[Any], wanted: list[str], limit: int | None,
                  option: str | None) -> LivePlan:
    """``<singular>_id`` = / IN → batch read with history; ``property`` = / IN narrows the
    properties asked for (within the table's history_properties); else list pages."""
    assert table.object_type is not None
    configured = history_properties(table.object_type, option)      # None = every property
    asked = ids_from_quals(quals, "property")
    if asked is not None:
        configured = asked if configured is None else [p for p in configured if p in asked]
    ids = ids_from_quals(quals, table.column_names[0])
    if configured == [] or ids == []:
        return LivePlan(table, "empty", wanted, limit=limit)
    kind = "history_batch" if ids is not None else "history_list"
    return LivePlan(table, kind, wanted, list(configured) if configured is not None else [], ids=ids,
                    limit=limit, every_property=configured is None)


def history_rows(client: HubSpotClient, plan: LivePlan) -> Iterator[dict[str, Any]]:
    assert plan.table.object_type is not None
    api = plan.table.object_type.api_path
    names = plan.properties
    if plan.every_property:
        names = sorted(p.name for p in client.list_properties(api))
    if plan.kind == "history_batch":
        changes: Iterable[PropertyChange] = client.batch_read_history(api, plan.ids or [], names)
        yield from (change_row(plan.table, c, plan.columns) for c in changes)
        return
    after = None
    while True:
        page = client.history_page(api, names, after=after)
        yield from (change_row(plan.table, c, plan.columns) for c in page.changes)
        if page.after is None or page.after == after:
            return
        after = page.after


def _association_plan(table: TableSpec, quals: Sequence[Any], wanted: list[str], limit: int | None) -> LivePlan:
    first, second = table.column_names[0], table.column_names[1]
    for side, column in ((0, first), (1, second)):
        ids = ids_from_quals(quals, column)
        if ids is not None:
            return LivePlan(table, "associations" if ids else "empty", wanted, ids=ids, from_side=side, limit=limit)
    return LivePlan(table, "associations", wanted, limit=limit)


# -- rows of the special tables -------------------------------------------------------------------
JSON_COLUMNS = ("teams", "metadata")   # jsonb columns of owners and stages: sent as JSON text


def _pick(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The ``columns`` of a row of owners, pipelines, stages or associations, text without
    NUL characters, as the cache stores them (cache/rows.py)."""
    return {c: json.dumps(nul_free(row.get(c))) if c in JSON_COLUMNS else without_nul(row.get(c))[0]
            for c in columns}


def association_rows(client: HubSpotClient, plan: LivePlan) -> Iterator[dict[str, Any]]:
    pair = plan.table.pair
    first, second = plan.table.column_names[0], plan.table.column_names[1]
    types = (pair.first.api_path, pair.second.api_path)
    src, dst = types if plan.from_side == 0 else types[::-1]

    def chunks() -> Iterator[list[str]]:
        if plan.ids is not None:
            yield plan.ids
            return
        for page in client.iter_pages(src, properties=["hs_object_id"], limit=ASSOCIATION_CHUNK):
            yield [r.id for r in page.results]

    for ids in chunks():
        for assoc in client.batch_read_associations(src, dst, ids):
            a, b = (assoc.from_id, assoc.to_id) if plan.from_side == 0 else (assoc.to_id, assoc.from_id)
            yield _pick({first: a, second: b, "labels": assoc.labels}, plan.columns)


def owner_rows(client: HubSpotClient, columns: list[str]) -> Iterator[dict[str, Any]]:
    for o in client.iter_owners():
        yield _pick(owner_values(o), columns)


def pipeline_rows(client: HubSpotClient, kind: str, columns: list[str]) -> Iterator[dict[str, Any]]:
    for object_type in pipeline_types():
        for p in client.list_pipelines(object_type):
            if kind == "pipelines":
                yield _pick(pipeline_values(p), columns)
                continue
            for s in p.stages:
                yield _pick(stage_values(p, s), columns)


# -- sort and limit applied in Python where the request could not do them ----------------------------
def sort_rows(rows: Iterable[dict[str, Any]], sortkeys: Sequence[Any]) -> list[dict[str, Any]]:
    result = list(rows)
    for key in reversed(list(sortkeys)):
        present = [r for r in result if r.get(key.attname) is not None]
        missing = [r for r in result if r.get(key.attname) is None]
        present.sort(key=lambda r: _sort_value(r[key.attname]), reverse=key.is_reversed)
        result = missing + present if key.nulls_first else present + missing
    return result


def _sort_value(value: Any) -> Any:
    return Decimal(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def window(rows: Iterable[dict[str, Any]], limit: int | None, offset: int | None) -> Iterator[dict[str, Any]]:
    start = offset or 0
    stop = None if limit is None else start + limit
    return islice(rows, start, stop)
