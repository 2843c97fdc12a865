"""Batch read/create/update/upsert/archive: caps, 207s, atomic vs traced creates."""

from __future__ import annotations


def first_ids(api, n, otype="contacts"):
    return [r["id"] for r in api.get(f"/crm/v3/objects/{otype}", params={"limit": n}).json()["results"]]


def test_batch_read_207_not_found(api, fresh):
    ids = first_ids(api, 3)
    r = api.post("/crm/v3/objects/contacts/batch/read",
                 json={"properties": ["email"], "inputs": [{"id": i} for i in ids] + [{"id": "999"}]})
    assert r.status_code == 207
    b = r.json()
    assert b["status"] == "COMPLETE" and b["numErrors"] == 1 and len(b["results"]) == 3
    e = b["errors"][0]
    assert e["category"] == "OBJECT_NOT_FOUND" and e["context"] == {"ids": ["999"]}
    assert e["message"] == ("Could not get some CONTACT objects, they may be deleted or not exist. "
                            "Check that ids are valid.")
    ok = api.post("/crm/v3/objects/contacts/batch/read", json={"inputs": [{"id": ids[0]}]})
    assert ok.status_code == 200 and "errors" not in ok.json()
    assert "associations" not in ok.json()["results"][0]


def test_batch_read_by_email_and_caps(api, fresh):
    recs = api.get("/crm/v3/objects/contacts", params={"limit": 2}).json()["results"]
    r = api.post("/crm/v3/objects/contacts/batch/read",
                 json={"idProperty": "email", "inputs": [{"id": x["properties"]["email"]} for x in recs]})
    assert {x["id"] for x in r.json()["results"]} == {x["id"] for x in recs}
    r = api.post("/crm/v3/objects/contacts/batch/read", json={"inputs": [{"id": str(i)} for i in range(101)]})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    r = api.post("/crm/v3/objects/contacts/batch/read",
                 json={"propertiesWithHistory": ["email"], "inputs": [{"id": str(i)} for i in range(51)]})
    assert r.status_code == 400 and "property histories is 50" in r.json()["message"]


def test_batch_create_atomic_without_trace_ids(api, fresh):
    before = api.post("/crm/v3/objects/tickets/search", json={}).json()["total"]
    r = api.post("/crm/v3/objects/tickets/batch/create", json={"inputs": [
        {"properties": {"subject": "ok"}}, {"properties": {"hs_ticket_priority": "WHATEVER"}}]})
    assert r.status_code == 400
    assert api.post("/crm/v3/objects/tickets/search", json={}).json()["total"] == before
    r = api.post("/crm/v3/objects/tickets/batch/create", json={"inputs": [
        {"properties": {"subject": "a"}}, {"properties": {"subject": "b", "hs_ticket_priority": "HIGH"}}]})
    assert r.status_code == 201
    res = r.json()["results"]
    assert len(res) == 2 and all(x["properties"]["hs_pipeline"] == "0" for x in res)


def test_batch_create_partial_with_trace_ids(api, fresh):
    r = api.post("/crm/v3/objects/tickets/batch/create", json={"inputs": [
        {"properties": {"subject": "ok"}, "objectWriteTraceId": "t1"},
        {"properties": {"hs_ticket_priority": "WHATEVER"}, "objectWriteTraceId": "t2"}]})
    assert r.status_code == 207
    b = r.json()
    assert [x["objectWriteTraceId"] for x in b["results"]] == ["t1"]
    assert b["errors"][0]["context"] == {"objectWriteTraceId": ["t2"]}
    assert b["errors"][0]["category"] == "VALIDATION_ERROR"


def test_batch_update_upsert_archive(api, fresh):
    ids = first_ids(api, 2, "companies")
    r = api.post("/crm/v3/objects/companies/batch/update", json={"inputs": [
        {"id": ids[0], "properties": {"name": "Renamed"}}, {"id": "999", "properties": {"name": "x"}}]})
    assert r.status_code == 207 and r.json()["results"][0]["properties"]["name"] == "Renamed"
    assert r.json()["errors"][0]["context"] == {"ids": ["999"]}
    bad = api.post("/crm/v3/objects/companies/batch/update", json={"inputs": [{"id": ids[1], "properties": {"x": "1"}}]})
    assert bad.status_code == 400
    email = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]["properties"]["email"]
    r = api.post("/crm/v3/objects/contacts/batch/upsert", json={"inputs": [
        {"id": email, "idProperty": "email", "properties": {"firstname": "Up"}},
        {"id": "brand@new.example", "idProperty": "email", "properties": {"firstname": "New"}}]})
    assert r.status_code == 200
    res = {x["properties"]["email"]: x for x in r.json()["results"]}
    assert res[email]["new"] is False and res["brand@new.example"]["new"] is True
    r = api.post("/crm/v3/objects/companies/batch/archive", json={"inputs": [{"id": i} for i in ids]})
    assert r.status_code == 204 and r.content == b""
    arch = api.get("/crm/v3/objects/companies", params={"archived": "true"}).json()["results"]
    assert {x["id"] for x in arch} == set(ids)
