"""Associations v4: batch read chunking (1,000), per-id paging, NO_ASSOCIATIONS_FOUND, writes."""

from __future__ import annotations

import json

import responses

from hubspot_fdw.api.models import AssociationType

from .helpers import BASE, make_client

READ = f"{BASE}/crm/v4/associations/contacts/companies/batch/read"


@responses.activate
def test_batch_read_chunks_pages_and_empty() -> None:
    def reply(request):
        inputs = json.loads(request.body)["inputs"]
        results, errors = [], []
        for item in inputs:
            i = int(item["id"])
            if i % 2:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                               "message": f"No company is associated with contact {i}."})
                continue
            to = [{"toObjectId": 10_000 + i if "after" not in item else 20_000 + i,
                   "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                                        {"category": "USER_DEFINED", "typeId": 28, "label": "Billing"}]}]
            result = {"from": {"id": str(i)}, "to": to}
            if i == 2 and "after" not in item:
                result["paging"] = {"next": {"after": "MC0yLTE="}}
            results.append(result)
        return (207 if errors else 200), {}, json.dumps({"status": "COMPLETE", "results": results, "errors": errors})

    responses.add_callback(responses.POST, READ, callback=reply)
    rows = list(make_client().batch_read_associations("contacts", "companies", [str(i) for i in range(1, 1502)]))
    sizes = [len(json.loads(c.request.body)["inputs"]) for c in responses.calls]
    assert sizes[0] == 1000 and sum(sizes) == 1501 + 1
    assert {"id": "2", "after": "MC0yLTE="} in json.loads(responses.calls[1].request.body)["inputs"]
    assert len(rows) == 750 + 1
    assert {r.to_id for r in rows if r.from_id == "2"} == {"10002", "20002"}
    assert rows[0].labels == ["Billing"]


@responses.activate
def test_create_default_labelled_and_archive() -> None:
    base = f"{BASE}/crm/v4/objects/contacts/1/associations"
    responses.put(f"{base}/default/companies/2", json={"status": "COMPLETE", "results": [
        {"from": {"id": "1"}, "to": {"id": "2"}, "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                                                     "associationTypeId": 279}},
        {"from": {"id": "2"}, "to": {"id": "1"}, "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                                                     "associationTypeId": 280}}]})
    responses.put(f"{base}/companies/2", status=201, json={"fromObjectId": 1, "toObjectId": 2, "labels": ["Billing"]})
    responses.delete(f"{base}/companies/2", status=204)
    client = make_client()
    default = client.create_association("contacts", "1", "companies", "2")
    assert [t.type_id for t in default.types] == [279]
    labelled = client.create_association("contacts", "1", "companies", "2",
                                         [AssociationType("USER_DEFINED", 28, "Billing")])
    assert labelled.labels == ["Billing"]
    assert json.loads(responses.calls[1].request.body) == [{"associationCategory": "USER_DEFINED",
                                                            "associationTypeId": 28}]
    client.archive_association("contacts", "1", "companies", "2")
    assert responses.calls[2].request.method == "DELETE"
