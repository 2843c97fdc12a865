"""Associations v4 (labels, single, batch, paging, 207s) and v3 batch read."""

from __future__ import annotations


def ids(api, otype, n):
    return [r["id"] for r in api.get(f"/crm/v3/objects/{otype}", params={"limit": n}).json()["results"]]


def test_labels_api(api, fresh):
    res = api.get("/crm/v4/associations/contacts/companies/labels").json()["results"]
    assert {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None} in res
    assert {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"} in res
    assert any(x["category"] == "USER_DEFINED" and x["label"] == "Billing contact" for x in res)
    r = api.post("/crm/v4/associations/contacts/deals/labels",
                 json={"label": "Manager", "inverseLabel": "Managed deal", "name": "manager_deal"})
    created = r.json()["results"]
    assert len(created) == 2
    back = api.get("/crm/v4/associations/deals/contacts/labels").json()["results"]
    assert any(x["label"] == "Managed deal" for x in back)
    tid = next(x["typeId"] for x in created if x["label"] == "Manager")
    assert api.delete(f"/crm/v4/associations/contacts/deals/labels/{tid}").status_code == 204
    assert api.get("/crm/v4/associations/0-1/0-2/labels").json()["results"] == res


def test_both_directions_and_replace_labels(api, fresh):
    c, t = ids(api, "contacts", 1)[0], ids(api, "tickets", 1)[0]
    r = api.put(f"/crm/v4/objects/contacts/{c}/associations/default/tickets/{t}").json()
    specs = {(x["from"]["id"], x["associationSpec"]["associationTypeId"]) for x in r["results"]}
    assert specs == {(c, 15), (t, 16)}
    fwd = api.get(f"/crm/v4/objects/contacts/{c}/associations/tickets").json()["results"]
    assert any(x["toObjectId"] == int(t) for x in fwd)
    back = api.get(f"/crm/v4/objects/tickets/{t}/associations/contacts").json()["results"]
    assert any(x["toObjectId"] == int(c) and x["associationTypes"][0]["typeId"] == 16 for x in back)
    co = ids(api, "companies", 1)[0]
    labels = api.get("/crm/v4/associations/contacts/companies/labels").json()["results"]
    billing = next(x for x in labels if x["label"] == "Billing contact")
    r = api.put(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}",
                json=[{"associationCategory": "USER_DEFINED", "associationTypeId": billing["typeId"]}])
    assert r.status_code == 201
    assert r.json() == {"fromObjectTypeId": "0-1", "fromObjectId": int(c), "toObjectTypeId": "0-2",
                        "toObjectId": int(co), "labels": ["Billing contact"]}
    r = api.put(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}",
                json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}])
    assert r.json()["labels"] == ["Primary"]                     # the list replaces labels
    assert api.delete(f"/crm/v4/objects/contacts/{c}/associations/companies/{co}").status_code == 204
    back = api.get(f"/crm/v4/objects/companies/{co}/associations/contacts", params={"limit": 500}).json()
    assert int(c) not in [x["toObjectId"] for x in back["results"]]


def test_batch_read_paging_and_no_associations(api, fresh):
    cos = ids(api, "companies", 60)
    r = api.post("/crm/v4/associations/companies/contacts/batch/read",
                 json={"inputs": [{"id": i} for i in cos] + [{"id": "1"}]})
    assert r.status_code == 207
    b = r.json()
    err = next(e for e in b["errors"] if e["context"]["fromObjectId"] == ["1"])
    assert err["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert err["message"] == "No contact is associated with company 1."
    total = sum(len(x["to"]) for x in b["results"])
    assert total >= 250       # ~90% of 300 contacts have a company
    assert all(isinstance(t["toObjectId"], int) for x in b["results"] for t in x["to"])
    r = api.post("/crm/v4/associations/companies/contacts/batch/read",
                 json={"inputs": [{"id": str(i)} for i in range(1001)]})
    assert r.status_code == 400


def test_per_record_paging(api, fresh):
    co = ids(api, "companies", 1)[0]
    cs = ids(api, "contacts", 30)
    r = api.post("/crm/v4/associations/companies/contacts/batch/associate/default",
                 json={"inputs": [{"from": {"id": co}, "to": {"id": c}} for c in cs]})
    assert r.status_code == 200
    seen, after = [], None
    while True:
        params = {"limit": 10, **({"after": after} if after else {})}
        b = api.get(f"/crm/v4/objects/companies/{co}/associations/contacts", params=params).json()
        seen += [x["toObjectId"] for x in b["results"]]
        after = b.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    assert set(int(c) for c in cs) <= set(seen) and len(seen) == len(set(seen))


def test_batch_create_archive_and_label_archive(api, fresh):
    d, c = ids(api, "deals", 2), ids(api, "contacts", 2)
    r = api.post("/crm/v4/associations/deals/contacts/batch/create", json={"inputs": [
        {"from": {"id": d[0]}, "to": {"id": c[0]}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]},
        {"from": {"id": d[1]}, "to": {"id": "999"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]})
    assert r.status_code == 207 and len(r.json()["results"]) == 1
    labels = api.get("/crm/v4/associations/deals/contacts/labels").json()["results"]
    dm = next(x for x in labels if x["label"] == "Decision maker")
    api.post("/crm/v4/associations/deals/contacts/batch/create", json={"inputs": [
        {"from": {"id": d[0]}, "to": {"id": c[0]}, "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": dm["typeId"]}]}]})
    api.post("/crm/v4/associations/deals/contacts/batch/labels/archive", json={"inputs": [
        {"from": {"id": d[0]}, "to": {"id": c[0]}, "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": dm["typeId"]}]}]})
    got = api.get(f"/crm/v4/objects/deals/{d[0]}/associations/contacts").json()["results"]
    row = next(x for x in got if x["toObjectId"] == int(c[0]))
    assert [t["typeId"] for t in row["associationTypes"]] == [3]
    r = api.post("/crm/v4/associations/deals/contacts/batch/archive",
                 json={"inputs": [{"from": {"id": d[0]}, "to": [{"id": c[0]}]}]})
    assert r.status_code == 204
    got = api.get(f"/crm/v4/objects/deals/{d[0]}/associations/contacts").json()["results"]
    assert int(c[0]) not in [x["toObjectId"] for x in got]


def test_v3_batch_read_primary_only_and_custom(api, fresh):
    cs = ids(api, "contacts", 20)
    b = api.post("/crm/v3/associations/contacts/companies/batch/read", json={"inputs": [{"id": i} for i in cs]}).json()
    assert all(len(x["to"]) == 1 and x["to"][0]["type"] == "contact_to_company" for x in b["results"])
    car_type = next(s["objectTypeId"] for s in api.get("/crm/v3/schemas").json()["results"] if s["name"] == "cars")
    cars = ids(api, car_type, 5)
    r = api.post(f"/crm/v4/associations/{car_type}/contacts/batch/read", json={"inputs": [{"id": i} for i in cars]})
    assert r.status_code == 200
    assert any(t["label"] == "Car owner" for x in r.json()["results"] for y in x["to"] for t in y["associationTypes"])


def test_products_cannot_be_associated(api):
    r = api.get("/crm/v4/associations/products/deals/labels")
    assert r.status_code == 400
