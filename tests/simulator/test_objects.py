"""CRM objects v3: list/get/create/update/archive, encodings, validation, merges."""

from __future__ import annotations

import re

import pytest

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


def test_auth_missing_and_wrong_token(api, sim):
    r = api.s.get(sim.base_url + "/crm/v3/objects/contacts", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    body = r.json()
    assert body["category"] == "INVALID_AUTHENTICATION" and body["status"] == "error"
    assert body["message"].startswith("Authentication credentials not found.")
    assert body["correlationId"] == r.headers["X-HubSpot-Correlation-Id"]


def test_list_pages_ascending_by_id_until_no_paging(api, fresh):
    ids, after, pages = [], None, 0
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        body = api.get("/crm/v3/objects/contacts", params=params).json()
        ids += [int(r["id"]) for r in body["results"]]
        pages += 1
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert int(after) == ids[-1] + 1
        assert "link" in body["paging"]["next"]
    assert len(ids) == 300 and ids == sorted(ids) and pages == 3


def test_list_default_and_requested_properties(api, fresh):
    r = api.get("/crm/v3/objects/contacts", params={"limit": 1})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json;charset=utf-8"
    rec = r.json()["results"][0]
    assert list(rec["properties"]) == sorted(["createdate", "email", "firstname", "hs_object_id",
                                              "lastmodifieddate", "lastname"])
    assert rec["createdAt"] == rec["properties"]["createdate"]
    assert rec["updatedAt"] == rec["properties"]["lastmodifieddate"]
    assert rec["properties"]["hs_object_id"] == rec["id"] and rec["archived"] is False
    # repeated and comma spellings, unknown names omitted, known-but-empty as null
    r = api.get("/crm/v3/objects/companies?limit=50&properties=name,nope&properties=annualrevenue")
    recs = r.json()["results"]
    assert all(set(x["properties"]) == {"name", "annualrevenue", "createdate", "hs_lastmodifieddate",
                                        "hs_object_id"} for x in recs)
    assert any(x["properties"]["annualrevenue"] is None for x in recs)


def test_value_encodings(api, fresh):
    recs = api.get("/crm/v3/objects/contacts", params={
        "limit": 100, "properties": "date_of_birth,hs_buying_role,annualrevenue,hs_email_optout"}).json()["results"]
    for r in recs:
        p = r["properties"]
        assert all(v is None or isinstance(v, str) for v in p.values())
        assert p["date_of_birth"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", p["date_of_birth"])
        assert p["hs_email_optout"] in ("true", "false")
        assert ISO_MS.match(p["createdate"])
    assert any(p["properties"]["hs_buying_role"] and ";" in p["properties"]["hs_buying_role"] for p in recs)


def test_limit_over_100_is_rejected(api):
    r = api.get("/crm/v3/objects/contacts", params={"limit": 101})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


def test_unknown_object_type(api):
    r = api.get("/crm/v3/objects/spaceships")
    assert r.status_code == 400
    assert r.json()["message"] == "Unable to infer object type from: spaceships"


def test_type_by_id_and_custom_names(api, fresh):
    a = api.get("/crm/v3/objects/0-3", params={"limit": 2}).json()
    b = api.get("/crm/v3/objects/deals", params={"limit": 2}).json()
    assert a["results"] == b["results"]
    schemas = api.get("/crm/v3/schemas").json()["results"]
    cars = next(s for s in schemas if s["name"] == "cars")
    for key in (cars["objectTypeId"], cars["fullyQualifiedName"], "p_cars"):
        r = api.get(f"/crm/v3/objects/{key}", params={"limit": 1, "properties": "vin,make"})
        assert r.status_code == 200 and r.json()["results"][0]["properties"]["vin"]


def test_get_by_id_email_and_not_found(api, fresh):
    first = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    got = api.get(f"/crm/v3/objects/contacts/{first['id']}").json()
    assert got["id"] == first["id"]
    email = first["properties"]["email"]
    by_email = api.get(f"/crm/v3/objects/contacts/{email.replace('@', '%40')}", params={"idProperty": "email"})
    assert by_email.json()["id"] == first["id"]
    r = api.get("/crm/v3/objects/contacts/999")
    assert r.status_code == 404 and r.json()["message"] == "resource not found"
    r = api.get("/crm/v3/objects/contacts/abc")
    assert r.status_code == 404 and r.json()["category"] == "OBJECT_NOT_FOUND"
    assert r.json()["message"] == "Object not found.  objectId are usually numeric."


def test_create_update_archive_cycle(api, fresh):
    r = api.post("/crm/v3/objects/contacts", json={"properties": {
        "email": "Paul@Arrakis.example", "firstname": "Paul", "lifecyclestage": "lead",
        "hs_buying_role": "CHAMPION;END_USER", "date_of_birth": "1990-05-01",
        "annualrevenue": 1200, "hs_email_optout": True}})
    assert r.status_code == 201, r.text
    c = r.json()
    p = c["properties"]
    assert p["email"] == "paul@arrakis.example" and p["annualrevenue"] == "1200"
    assert p["hs_email_optout"] == "true" and p["hs_object_source"] == "API"
    assert c["createdAt"] == c["updatedAt"] == p["createdate"] == p["lastmodifieddate"]
    cid = c["id"]
    r = api.patch(f"/crm/v3/objects/contacts/{cid}", json={"properties": {
        "lastname": "Atreides", "hs_buying_role": ";BUDGET_HOLDER", "date_of_birth": 641520000000}})
    assert r.status_code == 200
    u = r.json()
    assert u["properties"]["hs_buying_role"] == "CHAMPION;END_USER;BUDGET_HOLDER"
    assert u["properties"]["date_of_birth"] == "1990-05-01"
    assert u["updatedAt"] > c["updatedAt"] and u["createdAt"] == c["createdAt"]
    # an unchanged value does not bump
    same = api.patch(f"/crm/v3/objects/contacts/{cid}", json={"properties": {"lastname": "Atreides"}}).json()
    assert same["updatedAt"] == u["updatedAt"]
    # empty string clears
    cleared = api.patch(f"/crm/v3/objects/contacts/{cid}", json={"properties": {"lastname": ""}}).json()
    assert "lastname" not in cleared["properties"]
    hist = api.get(f"/crm/v3/objects/contacts/{cid}", params={"propertiesWithHistory": "lastname"}).json()
    assert [h["value"] for h in hist["propertiesWithHistory"]["lastname"]] == ["", "Atreides"]
    assert api.delete(f"/crm/v3/objects/contacts/{cid}").status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{cid}").status_code == 404
    arch = api.get(f"/crm/v3/objects/contacts/{cid}", params={"archived": "True"}).json()
    assert arch["archived"] is True and ISO_MS.match(arch["archivedAt"])
    listed = api.get("/crm/v3/objects/contacts", params={"archived": "true", "limit": 100}).json()["results"]
    assert [x["id"] for x in listed] == [cid]


@pytest.mark.parametrize("props,code", [
    ({"email": "example.lcom"}, "INVALID_EMAIL"),
    ({"description": "x"}, "PROPERTY_DOESNT_EXIST"),
    ({"num_associated_deals": "3"}, "READ_ONLY_VALUE"),
    ({"lastmodifieddate": "2024-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
    ({"lifecyclestage": "Lead"}, "INVALID_OPTION"),
    ({"hs_buying_role": "CHAMPION;NOPE"}, "INVALID_OPTION"),
    ({"annualrevenue": "12abc"}, "INVALID_DECIMAL"),
    ({"date_of_birth": "2024-13-45"}, "INVALID_DATE"),
    ({"date_of_birth": "1704110400000"}, "INVALID_DATE"),      # not midnight UTC
    ({"notes_last_contacted": "yesterday"}, "READ_ONLY_VALUE"),
    ({"hs_email_optout": "maybe"}, "INVALID_BOOLEAN"),
])
def test_validation_errors(api, props, code):
    r = api.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "X", **props}})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: [")
    assert body["errors"][0]["code"] == code
    assert list(body)[:3] == ["status", "message", "correlationId"]


def test_invalid_datetime_on_deal(api):
    r = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "x", "closedate": "soon"}})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "INVALID_DATETIME"
    ok = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "x", "closedate": "1704067200000"}})
    assert ok.json()["properties"]["closedate"] == "2024-01-01T00:00:00Z"
    assert ok.json()["properties"]["pipeline"] == "default"


def test_every_invalid_property_listed(api):
    r = api.post("/crm/v3/objects/contacts", json={"properties": {"a1": "x", "b2": "y"}})
    assert [e["context"]["propertyName"][0] for e in r.json()["errors"]] == ["a1", "b2"]


def test_duplicate_email_409_and_unique_400(api, fresh):
    first = api.get("/crm/v3/objects/contacts", params={"limit": 2}).json()["results"]
    email = first[0]["properties"]["email"]
    r = api.post("/crm/v3/objects/contacts", json={"properties": {"email": email.upper()}})
    assert r.status_code == 409
    assert r.json() == {**r.json(), "status": "error", "category": "CONFLICT",
                        "message": f"Contact already exists. Existing ID: {first[0]['id']}"}
    r = api.patch(f"/crm/v3/objects/contacts/{first[1]['id']}", json={"properties": {"email": email}})
    assert r.status_code == 400 and "already has that value" in r.json()["message"]
    new = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "new@x.example"}}).json()
    r = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "NEW@x.example"}})
    assert r.json()["message"] == f"Contact already exists. Existing ID: {new['id']}"


def test_update_missing_is_404(api):
    r = api.patch("/crm/v3/objects/contacts/999", json={"properties": {"firstname": "x"}})
    assert r.status_code == 404 and r.json()["message"] == "resource not found"


def test_merge_contacts(api, fresh):
    a, b = api.get("/crm/v3/objects/contacts", params={"limit": 2}).json()["results"]
    r = api.post("/crm/v3/objects/contacts/merge", json={"primaryObjectId": a["id"], "objectIdToMerge": b["id"]})
    assert r.status_code == 200
    assert r.json()["properties"]["hs_merged_object_ids"] == b["id"]
    assert api.get(f"/crm/v3/objects/contacts/{b['id']}").status_code == 404
    arch = api.get("/crm/v3/objects/contacts", params={"archived": "true"}).json()["results"]
    assert b["id"] not in [x["id"] for x in arch]      # merged-away records are not "archived"


def test_gdpr_delete(api, fresh):
    c = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    r = api.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": c["properties"]["email"],
                                                                "idProperty": "email"})
    assert r.status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{c['id']}").status_code == 404


def test_embedded_associations(api, fresh):
    deals = api.get("/crm/v3/objects/deals", params=[("limit", 20), ("associations", "companies"),
                                                     ("associations", "line_items")]).json()["results"]
    with_co = [d for d in deals if "associations" in d and "companies" in d["associations"]]
    assert with_co
    types = {x["type"] for d in with_co for x in d["associations"]["companies"]["results"]}
    assert {"deal_to_company", "deal_to_company_unlabeled"} <= types
    assert any("line items" in d.get("associations", {}) for d in deals)


def test_association_change_bumps_both_records(api, fresh):
    """HubSpot recalculates both records' association counts, which bumps last-modified."""
    c = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    t = api.get("/crm/v3/objects/tickets", params={"limit": 1}).json()["results"][0]
    r = api.put(f"/crm/v4/objects/contacts/{c['id']}/associations/default/tickets/{t['id']}")
    assert r.status_code == 200
    after_c = api.get(f"/crm/v3/objects/contacts/{c['id']}").json()
    after_t = api.get(f"/crm/v3/objects/tickets/{t['id']}").json()
    assert after_c["updatedAt"] > c["updatedAt"] and after_t["updatedAt"] > t["updatedAt"]
    assert after_c["properties"]["lastmodifieddate"] == after_c["updatedAt"]
    again = api.put(f"/crm/v4/objects/contacts/{c['id']}/associations/default/tickets/{t['id']}")
    assert again.status_code == 200  # no change: no bump
    assert api.get(f"/crm/v3/objects/contacts/{c['id']}").json()["updatedAt"] == after_c["updatedAt"]
    r = api.delete(f"/crm/v4/objects/contacts/{c['id']}/associations/tickets/{t['id']}")
    assert r.status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{c['id']}").json()["updatedAt"] > after_c["updatedAt"]


def test_gdpr_purge_of_an_archived_contact(api, fresh):
    cid = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]["id"]
    assert api.delete(f"/crm/v3/objects/contacts/{cid}").status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{cid}", params={"archived": "true"}).status_code == 200
    assert api.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": cid}).status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{cid}", params={"archived": "true"}).status_code == 404
    assert api.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": cid}).status_code == 404


def test_custom_object_merge(api, fresh):
    a, b = [r["id"] for r in api.get("/crm/v3/objects/2-3465404", params={"limit": 2}).json()["results"]]
    r = api.post("/crm/v3/objects/2-3465404/merge", json={"primaryObjectId": a, "objectIdToMerge": b})
    assert r.status_code == 200 and b in r.json()["properties"]["hs_merged_object_ids"]
    assert api.get(f"/crm/v3/objects/2-3465404/{b}").status_code == 404
