"""Search: request shape, lazy paging, and the 10,000-result cap handled by re-windowing.

A fake search endpoint (a ``responses`` callback over an in-memory data set) enforces
a small cap so re-windowing is exercised with few records; one test uses the real
10,000 cap.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import responses
from hypothesis import given, settings, strategies as st

from hubspot_fdw.api import search as search_mod
from hubspot_fdw.api.search import Filter, filter_value

from .helpers import BASE, make_client

SEARCH = f"{BASE}/crm/v3/objects/deals/search"
LM = "hs_lastmodifieddate"


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FakeSearch:
    """Applies filters/sort/after/limit like HubSpot; 400 for a page beyond ``cap``."""

    def __init__(self, rows: list[tuple[int, int]], cap: int) -> None:
        self.rows = rows  # (id, lm_ms)
        self.cap = cap
        self.requests: list[dict] = []

    def value(self, row: tuple[int, int], prop: str) -> int:
        return row[0] if prop == "hs_object_id" else row[1]

    def match(self, row: tuple[int, int], f: dict) -> bool:
        v, x = self.value(row, f["propertyName"]), int(f.get("value", 0))
        return {"EQ": v == x, "GT": v > x, "GTE": v >= x, "LT": v < x, "LTE": v <= x}[f["operator"]]

    def __call__(self, request):
        body = json.loads(request.body)
        self.requests.append(body)
        groups = body.get("filterGroups") or []
        rows = [r for r in self.rows if not groups or any(all(self.match(r, f) for f in g["filters"]) for g in groups)]
        sort = (body.get("sorts") or [{"propertyName": "hs_object_id", "direction": "ASCENDING"}])[0]
        # ties in an arbitrary (not id) order, as HubSpot does not promise one
        rows.sort(key=lambda r: (self.value(r, sort["propertyName"]), (r[0] * 7919) % 104729),
                  reverse=sort["direction"] == "DESCENDING")
        after, limit = int(body.get("after", 0)), body["limit"]
        if after + limit > self.cap:
            return 400, {}, json.dumps({"status": "error", "category": "VALIDATION_ERROR", "message": "too far"})
        page = rows[after:after + limit]
        out = {"total": len(rows), "results": [
            {"id": str(i), "properties": {"hs_object_id": str(i), LM: iso(lm)}, "createdAt": iso(lm),
             "updatedAt": iso(lm), "archived": False} for i, lm in page]}
        if after + limit < len(rows):
            out["paging"] = {"next": {"after": str(after + limit)}}
        return 200, {}, json.dumps(out)


def run(rows, cap, **kwargs):
    fake = FakeSearch(rows, cap)
    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, SEARCH, callback=fake)
        client = make_client()
        got = list(search_mod.search(client.transport, "deals", page_size=20, result_cap=cap, **kwargs))
    return got, fake


def ids(records):
    return [int(r.id) for r in records]


def test_distinct_values_rewindow_in_order() -> None:
    rows = [(1000 + i, 1_700_000_000_000 + i * 1000) for i in range(200)]
    got, fake = run(rows, 50, sort=(LM, "ASCENDING"), properties=["dealname"])
    assert ids(got) == [r[0] for r in rows]
    assert len(fake.requests) > 4
    assert all(req["properties"] == ["dealname", LM] for req in fake.requests)
    assert any(f["operator"] == "GTE" for req in fake.requests for g in req["filterGroups"] for f in g["filters"])


def test_ties_across_the_cap_are_read_once() -> None:
    base = 1_700_000_000_000
    rows = [(i, base + (i // 10) * 1000) for i in range(1, 301)]  # groups of 10 equal timestamps
    got, _ = run(rows, 45, sort=(LM, "ASCENDING"))
    assert sorted(ids(got)) == [r[0] for r in rows] and len(got) == len(set(ids(got)))


def test_more_ties_than_the_cap_are_split_by_id() -> None:
    base = 1_700_000_000_000
    rows = [(i, base) for i in range(1, 131)] + [(i, base + 5000 + i) for i in range(131, 171)]
    got, fake = run(rows, 50, sort=(LM, "ASCENDING"))
    assert sorted(ids(got)) == list(range(1, 171)) and len(got) == 170
    # the tie was drained with an EQ query sorted by id
    assert any(req.get("sorts", [{}])[0].get("propertyName") == "hs_object_id" and
               any(f["operator"] == "EQ" for g in req["filterGroups"] for f in g["filters"]) for req in fake.requests)
    lms = [datetime.fromisoformat(r.properties[LM].replace("Z", "+00:00")) for r in got]
    assert lms == sorted(lms)


def test_without_sort_rewindows_by_id_and_keeps_user_filters() -> None:
    rows = [(i, 1_700_000_000_000 + (i % 7)) for i in range(1, 181)]
    got, fake = run(rows, 40, filter_groups=[[Filter("hs_object_id", "GT", "20")], [Filter("hs_object_id", "LT", "5")]])
    assert ids(got) == [1, 2, 3, 4] + list(range(21, 181))
    later = fake.requests[-1]["filterGroups"]
    assert len(later) == 2 and all(len(g["filters"]) == 2 for g in later)


def test_descending() -> None:
    rows = [(1000 + i, 1_700_000_000_000 + (i // 3) * 1000) for i in range(120)]
    got, _ = run(rows, 30, sort=(LM, "DESCENDING"))
    assert sorted(ids(got)) == sorted(r[0] for r in rows) and len(got) == 120


def test_limit_stops_early_and_lazily() -> None:
    rows = [(i, 1_700_000_000_000 + i) for i in range(1, 500)]
    got, fake = run(rows, 10_000, limit=25)
    assert ids(got) == list(range(1, 26)) and len(fake.requests) == 2


def test_real_cap_of_10000() -> None:
    rows = [(i, 1_700_000_000_000 + i // 4) for i in range(1, 10_601)]
    fake = FakeSearch(rows, 10_000)
    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, SEARCH, callback=fake)
        got = list(make_client().search_modified_since("deals", LM, 1_700_000_000_000))
    assert len(got) == 10_600 and len(set(ids(got))) == 10_600
    assert all(req["limit"] <= 200 and int(req.get("after", 0)) + req["limit"] <= 10_000 for req in fake.requests)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=150), st.integers(min_value=20, max_value=60))
def test_property_every_record_exactly_once(offsets: list[int], cap: int) -> None:
    rows = [(i + 1, 1_700_000_000_000 + off * 1000) for i, off in enumerate(offsets)]
    got, _ = run(rows, cap, sort=(LM, "ASCENDING"))
    assert sorted(ids(got)) == [r[0] for r in rows]


def test_request_shape_and_search_pool() -> None:
    with responses.RequestsMock() as mocked:
        mocked.post(SEARCH, json={"total": 1, "results": []})
        page, total = make_client().search_page(
            "deals", filter_groups=[[Filter("dealstage", "IN", values=("closedwon",)),
                                     Filter("amount", "BETWEEN", "1", high_value="5")]],
            sorts=[("amount", "DESCENDING")], properties=["amount"], query="acme", limit=500)
        body = json.loads(mocked.calls[0].request.body)
    assert body == {"filterGroups": [{"filters": [
        {"propertyName": "dealstage", "operator": "IN", "values": ["closedwon"]},
        {"propertyName": "amount", "operator": "BETWEEN", "value": "1", "highValue": "5"}]}],
        "limit": 200, "sorts": [{"propertyName": "amount", "direction": "DESCENDING"}],
        "properties": ["amount"], "query": "acme"}
    assert page.results == [] and page.after is None and total == 1


def test_filter_value_and_bad_operator() -> None:
    assert filter_value("2024-01-01T00:00:00Z") == "1704067200000"
    assert filter_value("2024-01-01T00:00:00.250Z") == "1704067200250"
    assert filter_value("2024-01-01") == "1704067200000"
    assert filter_value("17.5") == "17.5"
    with pytest.raises(Exception) as info:
        Filter("x", "LIKE", "y")
    assert info.value.sqlstate == "22023"
