"""List pages are joined from per-record JSON fragments cached on the records
(serialize.envelope_bytes): the bytes must be exactly what encoding the whole page
gives, and every write must show up in the next page."""

from __future__ import annotations

import json

from hubspot_fdw.simulator import errors, writes
from hubspot_fdw.simulator.config import DEFAULT_SIZES, SimulatorOptions
from hubspot_fdw.simulator.routes_objects import _one, list_page
from hubspot_fdw.simulator.routing import Request
from hubspot_fdw.simulator.serialize import envelope_bytes, json_bytes, property_names
from hubspot_fdw.simulator.server import Simulator


def _sim() -> Simulator:
    return Simulator(SimulatorOptions(sizes=dict(DEFAULT_SIZES, contacts=250), no_limits=True))


def _list(sim: Simulator, query: str) -> bytes:
    req = Request.parse("GET", "/crm/v3/objects/contacts?" + query, {}, b"")
    req.params = {"objectType": "contacts"}
    resp = list_page(sim, req)
    assert resp.status == 200 and resp.body is None
    return resp.raw


def _expected(sim: Simulator, query: str) -> bytes:
    """The page as one json_bytes() of the dict the route used to build."""
    raw = _list(sim, query)
    body = json.loads(raw)
    portal = sim.portal
    t = portal.object_type("contacts")
    req = Request.parse("GET", "/crm/v3/objects/contacts?" + query, {}, b"")
    names = property_names(portal, t, req.qlist("properties"))
    recs = [portal.store(t).raw(int(r["id"])) for r in body["results"]]
    expected = {"results": [_one(sim, t, r, names, None, []) for r in recs]}
    if "paging" in body:
        expected["paging"] = body["paging"]
    return json_bytes(expected)


def test_page_bytes_equal_whole_page_encoding():
    sim = _sim()
    for query in ("limit=100", "limit=100&properties=email,firstname,nope,annualrevenue",
                  "limit=7&after=0", "limit=100&archived=true"):
        for _ in range(2):             # cold (fills the cache) and warm (served from it)
            raw = _list(sim, query)
            assert raw == _expected(sim, query)
            assert json_bytes(json.loads(raw)) == raw


def test_writes_show_in_the_next_page():
    sim = _sim()
    portal = sim.portal
    t = portal.object_type("contacts")
    query = "limit=100&properties=firstname,lastname,email"

    def first():
        return json.loads(_list(sim, query))["results"][0]

    before = first()
    rec = portal.store(t).raw(int(before["id"]))
    for name in ("Ada", "Grace", "Edsger"):       # same-millisecond updates too
        writes.update(portal, t, rec, {"firstname": name})
        got = first()
        assert got["properties"]["firstname"] == name
        assert got["updatedAt"] == got["properties"]["lastmodifieddate"] != before["updatedAt"]
    writes.update(portal, t, rec, {"lastname": ""})            # "" clears → null
    assert first()["properties"]["lastname"] is None
    writes.archive(portal, t, rec)
    assert first()["id"] != before["id"]
    archived = json.loads(_list(sim, query + "&archived=true"))["results"]
    assert [r["id"] for r in archived] == [before["id"]] and "archivedAt" in archived[0]
    writes.restore(portal, t, rec)
    again = first()
    assert again["id"] == before["id"] and again["archived"] is False and "archivedAt" not in again
    other = portal.store(t).raw(int(before["id"]) + 1)
    json.loads(_list(sim, query))                                 # cache both records
    writes.merge(portal, t, rec, other)
    ids = [r["id"] for r in json.loads(_list(sim, query))["results"]]
    assert str(other.id) not in ids
    props = json.loads(_list(sim, "limit=1&properties=hs_merged_object_ids"))["results"][0]["properties"]
    assert props["hs_merged_object_ids"] == str(other.id)


def test_cache_is_keyed_by_property_set_and_bounded():
    sim = _sim()
    rec = sim.portal.store(sim.portal.object_type("contacts")).raw(sim.portal.store(
        sim.portal.object_type("contacts")).base)
    a = envelope_bytes(rec, ("email", "hs_object_id"))
    b = envelope_bytes(rec, ("firstname", "hs_object_id"))
    assert a != b and json.loads(a)["properties"].keys() == {"email", "hs_object_id"}
    assert envelope_bytes(rec, ("email", "hs_object_id")) is a
    for i in range(50):
        envelope_bytes(rec, (f"p{i}",))
    assert len(rec.cache[1]) <= 8


def test_correlation_ids_are_uuid4():
    import uuid
    seen = set()
    for _ in range(1000):
        cid = errors.correlation_id()
        u = uuid.UUID(cid)
        assert str(u) == cid and u.version == 4 and u.variant == uuid.RFC_4122
        seen.add(cid)
    assert len(seen) == 1000
