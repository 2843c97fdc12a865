"""Properties, schemas (both paths), owners, pipelines."""

from __future__ import annotations


def test_properties_shape_and_flags(api, fresh):
    res = api.get("/crm/v3/properties/contacts").json()["results"]
    byname = {p["name"]: p for p in res}
    cd = byname["createdate"]
    assert cd["type"] == "datetime" and cd["fieldType"] == "date"
    assert cd["modificationMetadata"]["readOnlyValue"] is True
    assert byname["num_associated_deals"]["calculated"] is True
    assert byname["hs_buying_role"]["fieldType"] == "checkbox" and byname["hs_buying_role"]["options"]
    assert byname["email"]["hasUniqueValue"] is True
    assert byname["hubspot_owner_id"]["referencedObjectType"] == "OWNER"
    assert {p["type"] for p in res} >= {"string", "number", "date", "datetime", "enumeration", "bool"}
    one = api.get("/crm/v3/properties/contacts/email").json()
    assert one == byname["email"]
    assert api.get("/crm/v3/properties/contacts/nope").status_code == 404


def test_create_property_and_use_it(api, fresh):
    body = {"name": "favourite_spice", "label": "Favourite spice", "type": "enumeration", "fieldType": "select",
            "groupName": "contactinformation", "options": [{"label": "Melange", "value": "melange"}]}
    r = api.post("/crm/v3/properties/contacts", json=body)
    assert r.status_code == 201 and r.json()["hubspotDefined"] is False
    assert api.post("/crm/v3/properties/contacts", json=body).status_code == 409
    bad = api.post("/crm/v3/properties/contacts", json={**body, "name": "x2", "fieldType": "number"})
    assert bad.status_code == 400
    c = api.post("/crm/v3/objects/contacts", json={"properties": {"favourite_spice": "melange"}})
    assert c.json()["properties"]["favourite_spice"] == "melange"
    assert api.delete("/crm/v3/properties/contacts/favourite_spice").status_code == 204
    assert api.delete("/crm/v3/properties/contacts/email").status_code == 400


def test_schemas_both_paths_and_create(api, fresh):
    a = api.get("/crm/v3/schemas").json()["results"]
    b = api.get("/crm-object-schemas/v3/schemas").json()["results"]
    assert a == b and {s["name"] for s in a} == {"cars", "service_requests"}
    cars = next(s for s in a if s["name"] == "cars")
    assert cars["fullyQualifiedName"].startswith("p") and cars["objectTypeId"].startswith("2-")
    assert any(p["name"] == "vin" and p["hasUniqueValue"] for p in cars["properties"])
    assert any(x["toObjectTypeId"] == "0-1" for x in cars["associations"])
    assert api.get(f"/crm/v3/schemas/{cars['objectTypeId']}").json()["name"] == "cars"
    r = api.post("/crm-object-schemas/v3/schemas", json={
        "name": "boats", "labels": {"singular": "Boat", "plural": "Boats"}, "primaryDisplayProperty": "hull",
        "requiredProperties": ["hull"], "searchableProperties": ["hull"],
        "properties": [{"name": "hull", "label": "Hull", "type": "string", "fieldType": "text"}],
        "associatedObjects": ["CONTACT"]})
    assert r.status_code == 201
    tid = r.json()["objectTypeId"]
    rec = api.post(f"/crm/v3/objects/{tid}", json={"properties": {"hull": "H-1"}})
    assert rec.status_code == 201 and "hs_createdate" in rec.json()["properties"]
    assert api.get("/crm/v3/objects/p_boats", params={"properties": "hull"}).json()["results"][0]["properties"]["hull"] == "H-1"


def test_owners(api, fresh):
    r = api.get("/crm/v3/owners/", params={"limit": 5}).json()
    assert len(r["results"]) == 5 and "paging" in r
    o = r["results"][0]
    assert set(o) >= {"id", "email", "type", "firstName", "lastName", "userId", "createdAt", "updatedAt", "archived"}
    assert api.get(f"/crm/v3/owners/{o['id']}").json() == o
    assert api.get("/crm/v3/owners", params={"email": o["email"]}).json()["results"] == [o]
    arch = api.get("/crm/v3/owners", params={"archived": "true"}).json()["results"]
    assert arch and all(x["archived"] and x["userId"] is None for x in arch)
    ids = {x["id"] for x in api.get("/crm/v3/owners", params={"limit": 500}).json()["results"]}
    used = {d["properties"]["hubspot_owner_id"] for d in api.get(
        "/crm/v3/objects/deals", params={"limit": 100, "properties": "hubspot_owner_id"}).json()["results"]}
    assert used - {None} <= ids


def test_pipelines(api):
    deals = api.get("/crm/v3/pipelines/deals").json()["results"]
    default = next(p for p in deals if p["id"] == "default")
    assert default["createdAt"] == "1970-01-01T00:00:00Z"
    won = next(s for s in default["stages"] if s["id"] == "closedwon")
    assert won["metadata"] == {"isClosed": "true", "probability": "1.0"}
    t = api.get("/crm/v3/pipelines/tickets/0/stages").json()["results"]
    assert {s["metadata"]["ticketState"] for s in t} == {"OPEN", "CLOSED"}
    assert api.get("/crm/v3/pipelines/deals/nope").status_code == 404


# Real portals (recorded listings of deals and companies) send owner, pipeline and stage
# properties with externalOptions and no options; a plain dropdown lists its options.
EXTERNAL = {"contacts": ("hubspot_owner_id",), "companies": ("hubspot_owner_id",),
            "deals": ("hubspot_owner_id", "pipeline", "dealstage"),
            "tickets": ("hubspot_owner_id", "hs_pipeline", "hs_pipeline_stage"), "p_cars": ("hubspot_owner_id",)}


def test_owner_pipeline_and_stage_properties_list_no_options(api, fresh):
    for object_type, names in EXTERNAL.items():
        listed = {p["name"]: p for p in api.get(f"/crm/v3/properties/{object_type}").json()["results"]}
        for name in names:
            one = api.get(f"/crm/v3/properties/{object_type}/{name}").json()
            assert one == listed[name]
            assert (one["externalOptions"], one["options"]) == (True, []), (object_type, name)
    deals = {p["name"]: p for p in api.get("/crm/v3/properties/deals").json()["results"]}
    assert deals["dealstage"]["fieldType"] == "radio"
    assert deals["dealtype"]["externalOptions"] is False and len(deals["dealtype"]["options"]) == 2
    boats = api.post("/crm-object-schemas/v3/schemas", json={
        "name": "yachts", "labels": {"singular": "Yacht", "plural": "Yachts"}, "primaryDisplayProperty": "hull",
        "properties": [{"name": "hull", "label": "Hull", "type": "string", "fieldType": "text"}]}).json()
    owner = api.get(f"/crm/v3/properties/{boats['objectTypeId']}/hubspot_owner_id").json()
    assert (owner["externalOptions"], owner["options"]) == (True, [])


def test_writes_still_take_only_real_owners_and_stages(api, fresh):
    owner = api.get("/crm/v3/owners", params={"limit": 1}).json()["results"][0]["id"]
    ok = api.post("/crm/v3/objects/deals", json={"properties": {
        "dealname": "x", "pipeline": "default", "dealstage": "closedwon", "hubspot_owner_id": owner}})
    assert ok.status_code == 201
    for name, value in (("dealstage", "nosuchstage"), ("hubspot_owner_id", "999"), ("pipeline", "nope")):
        bad = api.patch(f"/crm/v3/objects/deals/{ok.json()['id']}", json={"properties": {name: value}})
        assert bad.status_code == 400 and bad.json()["category"] == "VALIDATION_ERROR"
        assert f"{value} was not one of the allowed options" in bad.json()["message"], bad.json()
    assert 'value: \\"closedwon\\"' in api.patch(f"/crm/v3/objects/deals/{ok.json()['id']}", json={
        "properties": {"dealstage": "nosuchstage"}}).json()["message"]
    # a stage added to a pipeline can be used at once; an archived one no more
    made = api.post("/crm/v3/pipelines/deals/default/stages", json={
        "label": "Parked", "displayOrder": 9, "metadata": {"probability": "0.1"}}).json()
    moved = api.patch(f"/crm/v3/objects/deals/{ok.json()['id']}", json={"properties": {"dealstage": made["id"]}})
    assert moved.status_code == 200
    assert api.delete(f"/crm/v3/pipelines/deals/default/stages/{made['id']}").status_code == 204
    again = api.patch(f"/crm/v3/objects/deals/{ok.json()['id']}", json={"properties": {"dealstage": made["id"]}})
    assert again.status_code == 400
