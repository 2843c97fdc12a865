"""Objects: paging, long property lists, batch chunking and limits, writes, 207 handling."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from hubspot_fdw.api import errors

from .helpers import BASE, make_client, record

CONTACTS = f"{BASE}/crm/v3/objects/contacts"


def _qs(call) -> dict:
    return parse_qs(urlparse(call.request.url).query)


@responses.activate
def test_list_pages_are_lazy_generators_with_cursor() -> None:
    responses.get(CONTACTS, json={"results": [record(1), record(2)], "paging": {"next": {"after": "3", "link": "x"}}})
    responses.get(CONTACTS, json={"results": [record(3)]})
    client = make_client()
    pages = client.iter_pages("contacts", properties=["email", "firstname"])
    first = next(pages)
    assert [r.id for r in first.results] == ["1", "2"] and first.after == "3"
    assert len(responses.calls) == 1  # nothing fetched ahead
    second = next(pages)
    assert second.after is None and [r.id for r in second.results] == ["3"]
    assert _qs(responses.calls[1])["after"] == ["3"]
    assert _qs(responses.calls[0])["properties"] == ["email,firstname"]
    assert _qs(responses.calls[0])["limit"] == ["100"]
    with pytest.raises(StopIteration):
        next(pages)


@responses.activate
def test_resume_from_checkpoint_and_archived() -> None:
    responses.get(CONTACTS, json={"results": [{**record(7), "archived": True, "archivedAt": "2024-03-01T00:00:00Z"}]})
    records = list(make_client().iter_objects("contacts", archived=True))
    assert records[0].archived and records[0].archived_at == "2024-03-01T00:00:00Z"
    assert _qs(responses.calls[0])["archived"] == ["true"]
    responses.calls.reset()
    list(make_client().iter_pages("contacts", after="500"))
    assert _qs(responses.calls[0])["after"] == ["500"]


@responses.activate
def test_long_property_list_uses_post_batch_read() -> None:
    props = [f"custom_property_number_{i}" for i in range(400)]
    responses.get(CONTACTS, json={"results": [record(1), record(2)], "paging": {"next": {"after": "3"}}})
    responses.post(f"{CONTACTS}/batch/read", json={"status": "COMPLETE", "results": [record(2, x="b"), record(1, x="a")]})
    page = make_client().list_page("contacts", properties=props)
    assert [r.id for r in page.results] == ["1", "2"] and page.after == "3"
    assert _qs(responses.calls[0])["properties"] == ["hs_object_id"]
    assert len(responses.calls[0].request.url) < 4000
    body = json.loads(responses.calls[1].request.body)
    assert body["properties"] == props and body["inputs"] == [{"id": "1"}, {"id": "2"}]


@responses.activate
def test_long_property_list_on_get() -> None:
    props = [f"custom_property_number_{i}" for i in range(400)]
    responses.get(f"{CONTACTS}/5", json=record(5))
    responses.post(f"{CONTACTS}/batch/read", json={"status": "COMPLETE", "results": [record(5, x="1")]})
    got = make_client().get_object("contacts", "5", properties=props)
    assert got.properties["x"] == "1"
    assert all(len(c.request.url) < 4000 for c in responses.calls)


@responses.activate
def test_batch_read_chunks_by_100_and_skips_missing() -> None:
    def reply(request):
        inputs = json.loads(request.body)["inputs"]
        found = [record(i["id"]) for i in inputs if i["id"] != "150"]
        body = {"status": "COMPLETE", "results": found}
        status = 200
        if len(found) < len(inputs):
            status = 207
            body["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                               "message": "Could not get some CONTACT objects", "context": {"ids": ["150"]}}]
        return status, {}, json.dumps(body)

    responses.add_callback(responses.POST, f"{CONTACTS}/batch/read", callback=reply)
    ids = [str(i) for i in range(1, 251)] + ["3"]
    got = list(make_client().batch_read("contacts", ids, properties=["email"]))
    assert len(got) == 249
    assert [len(json.loads(c.request.body)["inputs"]) for c in responses.calls] == [100, 100, 50]


@pytest.mark.parametrize("method", ["batch_update", "batch_archive", "batch_create"])
def test_batch_limits_refused_before_any_call(method: str) -> None:
    client = make_client()
    items = {"batch_update": [(str(i), {"a": "b"}) for i in range(101)], "batch_archive": [str(i) for i in range(101)],
             "batch_create": [{"a": "b"}] * 101}[method]
    with responses.RequestsMock() as mocked:
        with pytest.raises(errors.HubSpotUsageError) as info:
            getattr(client, method)("contacts", items)
        assert not mocked.calls
    assert info.value.sqlstate == "54000"


@responses.activate
def test_batch_update_partial_errors() -> None:
    responses.post(f"{CONTACTS}/batch/update", status=207, json={
        "status": "COMPLETE", "results": [record(1, firstname="x")], "numErrors": 1,
        "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some CONTACT objects",
                    "context": {"ids": ["2"]}}]})
    result = make_client().batch_update("contacts", [("1", {"firstname": "x"}), ("2", {"firstname": "y"})])
    assert [r.id for r in result.results] == ["1"]
    assert isinstance(result.errors[0], errors.HubSpotNotFoundError)
    with pytest.raises(errors.HubSpotNotFoundError):
        result.raise_for_errors()


@responses.activate
def test_create_update_archive_payloads() -> None:
    responses.post(CONTACTS, status=201, json=record(9, email="a@b.example"))
    responses.patch(f"{CONTACTS}/9", json=record(9, firstname="z"))
    responses.delete(f"{CONTACTS}/9", status=204)
    responses.post(f"{CONTACTS}/batch/archive", status=204)
    client = make_client()
    assert client.create_object("contacts", {"email": "a@b.example"}).properties["email"] == "a@b.example"
    assert client.update_object("contacts", "9", {"firstname": "z"}).properties["firstname"] == "z"
    client.archive_object("contacts", "9")
    client.batch_archive("contacts", ["9", "10"])
    assert json.loads(responses.calls[0].request.body) == {"properties": {"email": "a@b.example"}}
    assert json.loads(responses.calls[1].request.body) == {"properties": {"firstname": "z"}}
    assert json.loads(responses.calls[3].request.body) == {"inputs": [{"id": "9"}, {"id": "10"}]}


@responses.activate
def test_get_by_email_is_percent_encoded() -> None:
    responses.get(f"{CONTACTS}/a%40b.example", json=record(4))
    assert make_client().get_object("contacts", "a@b.example", id_property="email").id == "4"
    assert _qs(responses.calls[0])["idProperty"] == ["email"]


@responses.activate
def test_find_object_none_on_404() -> None:
    responses.get(f"{CONTACTS}/404", status=404, json={"status": "error", "message": "resource not found"})
    assert make_client().find_object("contacts", "404") is None
