"""Property history reads: batch reads split at 50 inputs, list pages of 50, values
oldest first with HubSpot's empty value as None, long property lists kept out of URLs."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import responses

from .helpers import BASE, make_client

DEALS = f"{BASE}/crm/v3/objects/deals"


def _with_history(i: int) -> dict:
    return {"id": str(i), "properties": {"hs_object_id": str(i)}, "propertiesWithHistory": {"dealstage": [
        {"value": "closedwon", "timestamp": "2024-03-01T00:00:00.000Z", "sourceType": "CRM_UI",
         "sourceId": "userId:7", "updatedByUserId": 7},
        {"value": "", "timestamp": "2024-02-01T00:00:00.000Z", "sourceType": "API", "sourceId": "123"},
        {"value": "appointmentscheduled", "timestamp": "2024-01-01T00:00:00.000Z", "sourceType": "IMPORT"}]}}


@responses.activate
def test_batch_read_history_splits_at_fifty_inputs() -> None:
    def answer(request):
        ids = [int(i["id"]) for i in json.loads(request.body)["inputs"]]
        return 200, {}, json.dumps({"status": "COMPLETE", "results": [_with_history(i) for i in ids]})
    responses.add_callback(responses.POST, f"{DEALS}/batch/read", callback=answer)
    changes = list(make_client().batch_read_history("deals", [str(i) for i in range(1, 121)], ["dealstage"]))
    sizes = [len(json.loads(c.request.body)["inputs"]) for c in responses.calls]
    assert sizes == [50, 50, 20]
    assert json.loads(responses.calls[0].request.body)["propertiesWithHistory"] == ["dealstage"]
    first = [c for c in changes if c.object_id == "1"]
    assert [c.value for c in first] == ["appointmentscheduled", None, "closedwon"]
    assert (first[-1].source_type, first[-1].source_id, first[-1].updated_by_user_id) == ("CRM_UI", "userId:7", 7)


@responses.activate
def test_history_pages_ask_fifty_records() -> None:
    responses.get(DEALS, json={"results": [_with_history(1)], "paging": {"next": {"after": "2"}}})
    page = make_client().history_page("deals", ["dealstage", "amount"])
    query = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert query["limit"] == ["50"] and query["propertiesWithHistory"] == ["dealstage,amount"]
    assert page.ids == ["1"] and page.after == "2" and len(page.changes) == 3


@responses.activate
def test_long_property_lists_go_through_batch_read() -> None:
    names = [f"custom_property_{i:04d}" for i in range(200)]
    responses.get(DEALS, json={"results": [{"id": "1", "properties": {}}]})
    responses.post(f"{DEALS}/batch/read", json={"status": "COMPLETE", "results": [_with_history(1)]})
    page = make_client().history_page("deals", names)
    query = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert "propertiesWithHistory" not in query and query["properties"] == ["hs_object_id"]
    assert json.loads(responses.calls[1].request.body)["propertiesWithHistory"] == names
    assert page.ids == ["1"] and len(page.changes) == 3
