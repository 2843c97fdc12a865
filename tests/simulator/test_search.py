"""CRM search: operators, groups, query, sort, paging, caps, index lag."""

from __future__ import annotations

import time

import pytest
import requests

from hubspot_fdw.simulator.process import start_simulator


def search(api, otype, **body):
    r = api.post(f"/crm/v3/objects/{otype}/search", json=body)
    return r


def all_deals(api):
    out, after = [], None
    while True:
        params = {"limit": 100, "properties": "amount,dealstage,dealname,closedate,hs_priority"}
        if after:
            params["after"] = after
        b = api.get("/crm/v3/objects/deals", params=params).json()
        out += b["results"]
        if "paging" not in b:
            return out
        after = b["paging"]["next"]["after"]


def f(prop, op, **kw):
    return {"filterGroups": [{"filters": [{"propertyName": prop, "operator": op, **kw}]}], "limit": 200,
            "properties": ["amount", "dealstage", "dealname", "closedate", "hs_priority"]}


@pytest.fixture
def deals(api, fresh):
    return all_deals(api)


def ids(resp):
    assert resp.status_code == 200, resp.text
    return {r["id"] for r in resp.json()["results"]}


def test_operators(api, deals):
    amt = {d["id"]: float(d["properties"]["amount"]) for d in deals if d["properties"]["amount"]}
    assert ids(search(api, "deals", **f("amount", "GT", value="50000"))) == {i for i, a in amt.items() if a > 50000}
    assert ids(search(api, "deals", **f("amount", "LTE", value="50000"))) == {i for i, a in amt.items() if a <= 50000}
    assert ids(search(api, "deals", **f("amount", "BETWEEN", value="1000", highValue="30000"))) == \
        {i for i, a in amt.items() if 1000 <= a <= 30000}
    assert ids(search(api, "deals", **f("amount", "HAS_PROPERTY"))) == set(amt)
    assert ids(search(api, "deals", **f("amount", "NOT_HAS_PROPERTY"))) == {d["id"] for d in deals} - set(amt)
    stage = {d["id"]: d["properties"]["dealstage"] for d in deals}
    assert ids(search(api, "deals", **f("dealstage", "EQ", value="closedwon"))) == \
        {i for i, s in stage.items() if s == "closedwon"}
    assert ids(search(api, "deals", **f("dealstage", "NEQ", value="closedwon"))) == \
        {i for i, s in stage.items() if s != "closedwon"}
    assert ids(search(api, "deals", **f("dealstage", "IN", values=["closedwon", "closedlost"]))) == \
        {i for i, s in stage.items() if s in ("closedwon", "closedlost")}
    assert ids(search(api, "deals", **f("dealstage", "NOT_IN", values=["closedwon"]))) == \
        {i for i, s in stage.items() if s != "closedwon"}
    # enumerations are case-sensitive
    assert ids(search(api, "deals", **f("dealstage", "EQ", value="ClosedWon"))) == set()


def test_date_filters_epoch_ms_and_sort(api, deals):
    r = search(api, "deals", **f("closedate", "GTE", value="1704067200000"),
               sorts=[{"propertyName": "closedate", "direction": "DESCENDING"}])
    got = r.json()["results"]
    dates = [x["properties"]["closedate"] for x in got]
    assert dates == sorted(dates, reverse=True) and all(d >= "2024-01-01" for d in dates)
    assert r.json()["total"] == sum(1 for d in deals if d["properties"]["closedate"] >= "2024-01-01")


def test_string_case_rules_and_tokens(api, fresh):
    c = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]["properties"]

    def g(*a, **k):
        return {**f(*a, **k), "properties": ["email", "firstname"]}
    email = c["email"]
    assert ids(search(api, "contacts", **g("email", "EQ", value=email.upper())))     # EQ ignores case
    assert ids(search(api, "contacts", **g("email", "IN", values=[email])))
    assert not ids(search(api, "contacts", **g("email", "IN", values=[email.upper()])))  # IN wants lower-case
    domain = email.split("@")[1]
    hits = search(api, "contacts", **g("email", "CONTAINS_TOKEN", value=f"*@{domain}")).json()
    assert hits["total"] > 0 and all(r["properties"]["email"].endswith(domain) for r in hits["results"])
    neg = search(api, "contacts", **g("email", "NOT_CONTAINS_TOKEN", value=f"*@{domain}")).json()
    assert hits["total"] + neg["total"] == 300
    assert ids(search(api, "contacts", **g("firstname", "CONTAINS_TOKEN", value=c["firstname"].lower())))


def test_groups_or_and_query(api, fresh):
    body = {"filterGroups": [
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]},
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedlost"},
                     {"propertyName": "amount", "operator": "GT", "value": "10"}]}], "limit": 200,
            "properties": ["dealstage", "amount"]}
    res = search(api, "deals", **body).json()["results"]
    assert all(r["properties"]["dealstage"] == "closedwon" or
               (r["properties"]["dealstage"] == "closedlost" and float(r["properties"]["amount"]) > 10)
               for r in res)
    c = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    q = search(api, "contacts", query=c["properties"]["lastname"][:4]).json()
    assert c["id"] in {r["id"] for r in q["results"]} or q["total"] > 10


def test_defaults_paging_and_total(api, fresh):
    first = search(api, "contacts").json()
    assert first["total"] == 300 and len(first["results"]) == 10
    assert first["paging"]["next"]["after"] == "10"
    assert set(first["results"][0]["properties"]) == {"firstname", "lastname", "email", "lastmodifieddate",
                                                      "hs_object_id", "createdate"}
    assert "associations" not in first["results"][0]
    seen, after = [], "0"
    while after is not None:
        b = search(api, "contacts", limit=200, after=after, properties=["email"]).json()
        seen += [r["id"] for r in b["results"]]
        after = b.get("paging", {}).get("next", {}).get("after")
    assert len(seen) == 300 == len(set(seen))
    assert set(b["results"][0]["properties"]) == {"email", "createdate", "lastmodifieddate", "hs_object_id"}


@pytest.mark.parametrize("body,fragment", [
    ({"after": "10000"}, "10000"),
    ({"limit": 201}, "limit"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}] * 6}, "Too many"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}]}, "Too many"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 6}] * 4}, "Too many"),
    ({"query": "x" * 3001}, "3000"),
    ({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]}, "nope"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "1"}]}]}, "operator"),
    ({"sorts": [{"propertyName": "email"}, {"propertyName": "firstname"}]}, "one sort"),
])
def test_search_validation(api, body, fragment):
    r = search(api, "contacts", **body)
    assert r.status_code == 400
    assert r.json()["category"] == "VALIDATION_ERROR" and fragment in r.json()["message"]


def test_archived_excluded_and_association_filter(api, fresh):
    c = api.get("/crm/v3/objects/contacts", params={"limit": 1, "associations": "companies"}).json()["results"][0]
    co = c["associations"]["companies"]["results"][0]["id"]
    hit = search(api, "contacts", filterGroups=[{"filters": [
        {"propertyName": "associations.company", "operator": "EQ", "value": co}]}], limit=200).json()
    assert c["id"] in {r["id"] for r in hit["results"]}
    api.delete(f"/crm/v3/objects/contacts/{c['id']}")
    assert search(api, "contacts").json()["total"] == 299


def test_index_lag():
    with start_simulator(seed=3, contacts=20, companies=5, deals=0, tickets=0, index_lag_ms=600,
                         no_limits=True) as sim:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {sim.token}"
        url = sim.base_url + "/crm/v3/objects/contacts"
        created = s.post(url, json={"properties": {"email": "lag@x.example"}}).json()
        flt = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "lag@x.example"}]}]}
        assert s.post(url + "/search", json=flt).json()["total"] == 0
        assert s.get(f"{url}/{created['id']}").status_code == 200      # reads are immediate
        time.sleep(0.8)
        assert s.post(url + "/search", json=flt).json()["total"] == 1
        # an update is also invisible to search until the lag passes; search sees the old value
        s.patch(f"{url}/{created['id']}", json={"properties": {"firstname": "Late"}})
        fn = {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Late"}]}]}
        assert s.post(url + "/search", json=fn).json()["total"] == 0
        assert s.post(url + "/search", json=flt).json()["total"] == 1
        sim.admin("PUT", "/search", {"index_lag_ms": 0})
        time.sleep(0.7)
        assert s.post(url + "/search", json=fn).json()["total"] == 1
