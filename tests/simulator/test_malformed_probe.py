"""65 malformed-but-plausible requests: the simulator answers each as HubSpot does, with
a 4xx and HubSpot's JSON error body (status, message, correlationId, category), never
a 5xx, and none of them changes the portal (a schema read afterwards still works)."""

from __future__ import annotations

import json

import pytest

C = "/crm/v3/objects/contacts"
D = "/crm/v3/objects/deals"
CAR = "/crm/v3/objects/2-3465404"
SCH = "/crm-object-schemas/v3/schemas/2-3465405"
V4 = "/crm/v4/associations/contacts/companies"
V3 = "/crm/v3/associations/contacts/companies"
PR = "/crm/v3/properties/contacts"
PL = "/crm/v3/pipelines/deals"

CASES: list[tuple[str, str, object]] = [
    # search bodies with wrong JSON types inside
    ("POST", C + "/search", {"filterGroups": [1]}),
    ("POST", C + "/search", {"filterGroups": "x"}),
    ("POST", C + "/search", {"filterGroups": [{"filters": [1]}]}),
    ("POST", C + "/search", {"filterGroups": [{"filters": "x"}]}),
    ("POST", C + "/search", {"filterGroups": [{"filters": [{"propertyName": "email", "operator": ["EQ"]}]}]}),
    ("POST", C + "/search", {"filterGroups": [{"filters": [{"propertyName": 5, "operator": "EQ", "value": 1}]}]}),
    ("POST", C + "/search", {"sorts": [1]}),
    ("POST", C + "/search", {"sorts": 5}),
    ("POST", C + "/search", {"properties": 5}),
    ("POST", C + "/search", {"properties": [{"a": 1}]}),
    ("POST", C + "/search", {"after": "¹"}),
    ("POST", C + "/search", {"limit": "¹"}),
    ("POST", D + "/search", {"filterGroups": [{"filters": [{"propertyName": "amount", "operator": "GT", "value": "NaN"}]}]}),
    ("POST", C + "/search", {"filterGroups": [{"filters": [{"propertyName": "associations.company", "operator": "IN", "values": 5}]}]}),
    # batch inputs of the wrong shape
    ("POST", C + "/batch/read", {"inputs": [1]}),
    ("POST", C + "/batch/read", {"inputs": "x"}),
    ("POST", C + "/batch/read", {"inputs": [{"id": {"x": 1}}]}),
    ("POST", C + "/batch/read", {"inputs": [{"id": "1"}], "properties": 5}),
    ("POST", C + "/batch/read", {"inputs": [{"id": "1"}], "idProperty": 5}),
    ("POST", C + "/batch/create", {"inputs": [1]}),
    ("POST", C + "/batch/create", {"inputs": [{"properties": 5}]}),
    ("POST", C + "/batch/update", {"inputs": [1]}),
    ("POST", C + "/batch/update", {"inputs": [{"id": ["1"], "properties": {}}]}),
    ("POST", C + "/batch/upsert", {"inputs": [{"id": "a@b.c", "idProperty": 5, "properties": {}}]}),
    ("POST", C + "/batch/archive", {"inputs": [1]}),
    ("POST", C + "/batch/archive", {"inputs": [{"id": {"x": 1}}]}),
    # single-record writes
    ("POST", C, {"properties": 5}),
    ("POST", C, {"properties": {}, "associations": [{"to": "x"}]}),
    ("POST", C, {"properties": {}, "associations": [{"to": {"id": "1"}, "types": [1]}]}),
    ("POST", C, {"properties": {}, "associations": [{"to": {"id": "1"}, "types": [{"associationTypeId": "x"}]}]}),
    ("POST", C, {"properties": {}, "associations": [1]}),
    ("POST", C, {"properties": {}, "associations": "x"}),
    ("PATCH", C + "/¹", {"properties": {"firstname": "x"}}),
    ("GET", C + "/¹", None),
    ("GET", C + "?after=¹", None),
    ("GET", C + "?limit=¹", None),
    ("POST", C + "/merge", {"primaryObjectId": {"a": 1}, "objectIdToMerge": "1"}),
    ("POST", C + "/gdpr-delete", {"objectId": "x", "idProperty": 5}),
    # associations v4 / v3
    ("POST", V4 + "/batch/read", {"inputs": [1]}),
    ("POST", V4 + "/batch/read", {"inputs": [{"id": "1", "after": "¹"}]}),
    ("POST", V4 + "/batch/create", {"inputs": [{"from": 1, "to": 2, "types": [1]}]}),
    ("POST", V4 + "/batch/archive", {"inputs": [{"from": 1, "to": [1]}]}),
    ("POST", V4 + "/batch/labels/archive", {"inputs": [{"from": "x", "to": "y", "types": [1]}]}),
    ("POST", V4 + "/batch/associate/default", {"inputs": [{"from": [1], "to": None}]}),
    ("POST", V4 + "/labels", {"label": {"a": 1}, "name": "x"}),
    ("PUT", V4 + "/labels", {"associationTypeId": "x", "label": "y"}),
    ("GET", "/crm/v4/objects/contacts/¹/associations/companies", None),
    ("GET", "/crm/v4/objects/contacts/1/associations/companies?after=¹", None),
    ("PUT", "/crm/v4/objects/contacts/1/associations/companies/2", [1]),
    ("POST", V3 + "/batch/read", {"inputs": [1]}),
    ("POST", V3 + "/batch/create", {"inputs": [{"from": 1, "to": 2, "type": ["x"]}]}),
    # properties, groups, schemas, pipelines
    ("POST", PR, {"name": "p1", "label": "P", "type": "enumeration", "fieldType": "select", "groupName": "g",
                  "options": 5}),
    ("POST", PR, {"name": "p2", "label": "P", "type": "string", "fieldType": "text", "groupName": "g",
                  "options": [{"label": "a", "value": "a", "displayOrder": "x"}]}),
    ("PATCH", PR + "/firstname", {"options": 5}),
    ("POST", PR + "/batch/read", {"inputs": [1]}),
    ("POST", PR + "/batch/create", {"inputs": [5]}),
    ("POST", PR + "/groups", {"name": 5, "label": []}),
    ("POST", "/crm-object-schemas/v3/schemas", {"name": "boats", "labels": "x"}),
    ("POST", "/crm-object-schemas/v3/schemas", {"name": "boats", "labels": {"singular": "B", "plural": "Bs"},
                                                "properties": [1]}),
    ("PATCH", SCH, {"searchableProperties": 5}),
    ("PATCH", SCH, {"requiredProperties": ["no_such_property"]}),
    ("PATCH", SCH, {"primaryDisplayProperty": "no_such_property"}),
    ("POST", "/crm-object-schemas/v3/schemas/batch/read", {"inputs": [{"x": 1}]}),
    ("POST", PL, {"label": "P", "displayOrder": 0, "stages": [1]}),
    ("POST", PL, {"label": "P", "displayOrder": 0, "stages": [{"label": "s", "displayOrder": 0, "metadata": 5}]}),
]


def test_case_count():
    assert len(CASES) == 65


@pytest.mark.parametrize("method,path,body", CASES, ids=[f"{i:02d}-{m}-{p[:40]}" for i, (m, p, _) in enumerate(CASES)])
def test_malformed_request_is_a_4xx_with_hubspot_body(api, method, path, body):
    kw = {} if body is None else {"data": json.dumps(body), "headers": {"Content-Type": "application/json"}}
    r = api.s.request(method, api.sim.base_url + path, timeout=30, **kw)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    err = r.json()
    assert err["status"] == "error" and err["message"] and err["correlationId"] and err.get("category"), err


def test_no_probe_corrupted_the_portal(api):
    for path in ("/crm-object-schemas/v3/schemas", SCH, PL, PR + "/groups"):
        assert api.get(path).status_code == 200
    schema = api.get(SCH).json()
    assert isinstance(schema["searchableProperties"], list)
    assert "no_such_property" not in schema["requiredProperties"]
    assert schema["primaryDisplayProperty"] != "no_such_property"


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE", "PROPFIND"])
def test_other_methods_get_json_not_html(api, method):
    r = api.s.request(method, api.sim.base_url + C + "/search", timeout=30)
    assert r.status_code in (404, 405)
    if method != "HEAD":
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["category"]


def test_head_answers_like_get_without_body(api):
    r = api.s.head(api.sim.base_url + C, timeout=30)
    assert r.status_code == 200 and r.content == b""
