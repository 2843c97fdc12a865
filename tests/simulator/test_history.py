"""Property history: seeded histories, every write source recorded, served by get, list
and batch read within HubSpot's limits."""

from __future__ import annotations


def _history(api, otype, rid, prop):
    r = api.get(f"/crm/v3/objects/{otype}/{rid}", params={"propertiesWithHistory": prop})
    assert r.status_code == 200
    return r.json()["propertiesWithHistory"][prop]


def test_seeded_deal_has_a_stage_history_ending_at_its_stage(api, fresh):
    deals = api.get("/crm/v3/objects/deals", params={"limit": 50, "properties": "dealstage,pipeline",
                                                      "propertiesWithHistory": "dealstage"}).json()["results"]
    assert len(deals) == 50
    moved = 0
    for d in deals:
        hist = d["propertiesWithHistory"]["dealstage"]
        assert hist[0]["value"] == d["properties"]["dealstage"]          # newest first
        stamps = [h["timestamp"] for h in hist]
        assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == len(stamps)
        assert hist[-1]["sourceType"] == "IMPORT" and hist[-1]["timestamp"] == d["createdAt"]
        if len(hist) > 1:
            moved += 1
            assert hist[0]["sourceType"] == "CRM_UI" and hist[0]["updatedByUserId"] > 0
            assert hist[0]["sourceId"] == f"userId:{hist[0]['updatedByUserId']}"
    assert moved > 10


def test_writes_add_entries_with_their_source(api, fresh):
    deals = api.get("/crm/v3/objects/deals", params={"limit": 20, "properties": "pipeline"}).json()["results"]
    rid = next(d["id"] for d in deals if d["properties"]["pipeline"] == "default")
    before = _history(api, "deals", rid, "dealstage")
    assert api.patch(f"/crm/v3/objects/deals/{rid}", json={"properties": {"dealstage": "contractsent"}}).ok
    assert api.patch(f"/_sim/objects/deals/{rid}", json={"properties": {"dealstage": "closedwon"},
                                                          "userId": 9586504}).ok
    after = _history(api, "deals", rid, "dealstage")
    assert [h["value"] for h in after] == ["closedwon", "contractsent"] + [h["value"] for h in before]
    assert after[0]["sourceType"] == "CRM_UI" and after[0]["updatedByUserId"] == 9586504
    assert after[1]["sourceType"] == "API" and after[1]["sourceId"]
    modified = _history(api, "deals", rid, "hs_lastmodifieddate")
    assert modified[0]["sourceType"] == "CALCULATED"
    closed = _history(api, "deals", rid, "hs_is_closed")
    assert (closed[0]["value"], closed[0]["sourceType"]) == ("true", "CALCULATED")
    assert api.patch(f"/_sim/objects/deals/{rid}", json={"properties": {"amount": "77"}, "source": "IMPORT"}).ok
    amount = _history(api, "deals", rid, "amount")
    assert (amount[0]["value"], amount[0]["sourceType"]) == ("77", "IMPORT")
    created = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "hist@example.com",
                                                                         "lifecyclestage": "lead"}}).json()
    hist = _history(api, "contacts", created["id"], "lifecyclestage")
    assert [(h["value"], h["sourceType"]) for h in hist] == [("lead", "API")]


def test_history_limits(api):
    r = api.get("/crm/v3/objects/deals", params={"limit": 51, "propertiesWithHistory": "dealstage"})
    assert r.status_code == 400
    ids = [r["id"] for r in api.get("/crm/v3/objects/contacts", params={"limit": 51}).json()["results"]]
    r = api.post("/crm/v3/objects/contacts/batch/read",
                 json={"inputs": [{"id": i} for i in ids], "propertiesWithHistory": ["lifecyclestage"]})
    assert r.status_code == 400
    assert r.json()["message"] == ("The maximum number of inputs supported in a batch request for property "
                                   "histories is 50. Please reduce the number of items and try again")
    r = api.post("/crm/v3/objects/contacts/batch/read",
                 json={"inputs": [{"id": i} for i in ids[:50]], "propertiesWithHistory": ["lifecyclestage"]})
    assert r.status_code == 200 and len(r.json()["results"]) == 50
    assert all("lifecyclestage" in x["propertiesWithHistory"] for x in r.json()["results"])
