"""Fault injection: latency, 5xx, resets, truncated JSON, 429 storms, stale search; reproducible."""

from __future__ import annotations

import time

import pytest
import requests

BROKEN = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)

from hubspot_fdw.simulator.process import start_simulator


@pytest.fixture(autouse=True)
def no_faults_after(sim):
    yield
    sim.clear_faults()


def test_latency(api, sim):
    sim.set_faults(latency_ms=150)
    t0 = time.monotonic()
    assert api.get("/crm/v3/objects/contacts").status_code == 200
    assert time.monotonic() - t0 >= 0.15
    assert api.sim.admin("GET", "/health") == {"status": "ok"}       # admin calls are never faulted


def test_5xx_share_and_shapes(api, sim):
    sim.set_faults(seed=5, error_rate=1.0)
    statuses = [api.get("/crm/v3/objects/contacts").status_code for _ in range(40)]
    assert set(statuses) == {500, 502, 503, 504}
    sim.set_faults(seed=5, error_rate=1.0, error_statuses=[502])
    r = api.get("/crm/v3/objects/contacts")
    assert r.status_code == 502 and r.headers["Content-Type"] == "text/html"
    sim.set_faults(seed=5, error_rate=1.0, error_statuses=[503])
    assert api.get("/crm/v3/objects/contacts").json()["status"] == "error"
    sim.set_faults(seed=5, error_rate=0.3)
    n = sum(api.get("/crm/v3/objects/contacts").status_code >= 500 for _ in range(100))
    assert 15 <= n <= 45


def test_reset_mid_response(api, sim):
    sim.set_faults(reset_rate=1.0, max_faults=1)
    with pytest.raises(BROKEN):
        api.get("/crm/v3/objects/contacts", params={"limit": 100})
    assert api.get("/crm/v3/objects/contacts").status_code == 200      # max_faults reached


def test_truncated_json(api, sim):
    sim.set_faults(truncate_rate=1.0, path_contains="/deals")
    r = api.get("/crm/v3/objects/deals", params={"limit": 50})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    assert api.get("/crm/v3/objects/contacts").json()["results"]     # other paths untouched


def test_429_storm(api, sim):
    sim.set_faults(storm_rate=1.0)
    r = api.get("/crm/v3/objects/contacts")
    assert r.status_code == 429 and r.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    r = api.post("/crm/v3/objects/contacts/search", json={})
    assert r.status_code == 429 and r.json()["policyName"] == "SECONDLY"


def test_write_then_reset_still_applies(api, sim):
    sim.set_faults(reset_rate=1.0, max_faults=1, methods=["POST"])
    with pytest.raises(BROKEN):
        api.post("/crm/v3/objects/contacts", json={"properties": {"email": "lost@reply.example"}})
    r = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "lost@reply.example"}})
    assert r.status_code == 409                      # the first write happened; only the reply was lost


def test_stale_search(api, sim):
    sim.set_faults(stale_search_ms=500)
    c = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "stale@x.example"}}).json()
    flt = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "stale@x.example"}]}]}
    assert api.post("/crm/v3/objects/contacts/search", json=flt).json()["total"] == 0
    time.sleep(0.6)
    assert api.post("/crm/v3/objects/contacts/search", json=flt).json()["results"][0]["id"] == c["id"]


def test_faults_reproducible_and_logged(api, sim):
    def run():
        sim.set_faults(seed=11, error_rate=0.25, reset_rate=0.1, truncate_rate=0.1, storm_rate=0.1)
        out = []
        for _ in range(60):
            try:
                r = api.get("/crm/v3/owners")
                out.append(r.status_code if r.status_code != 200 else ("ok" if _json_ok(r) else "trunc"))
            except BROKEN:
                out.append("reset")
        return out
    sim.clear_requests()
    a = run()
    b = run()
    assert a == b and len(set(a)) >= 4
    log = sim.requests()
    assert {e["fault"] for e in log} >= {"error", "reset", "truncate", "storm", None}


def _json_ok(r) -> bool:
    try:
        r.json()
        return True
    except ValueError:
        return False


def test_fault_flags_on_cli():
    with start_simulator(seed=1, contacts=5, companies=1, fault_error_rate=1.0, fault_seed=3,
                         fault_path="/contacts", no_limits=True) as s:
        h = {"Authorization": f"Bearer {s.token}"}
        assert requests.get(s.base_url + "/crm/v3/objects/contacts", headers=h).status_code >= 500
        assert requests.get(s.base_url + "/crm/v3/owners", headers=h).status_code == 200
