"""Rate limits: burst window with headers, daily, search per second, time scale, no-limit mode."""

from __future__ import annotations

import time

import pytest
import requests

from hubspot_fdw.simulator.process import start_simulator

SMALL = dict(contacts=20, companies=5, deals=5, tickets=5, line_items=0, cars=2, service_requests=2)


@pytest.fixture(scope="module")
def limited():
    with start_simulator(seed=2, burst_limit=5, daily_limit=1000, search_limit=2, time_scale=0.1, **SMALL) as s:
        yield s


def session(sim):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {sim.token}"
    return s


def test_burst_headers_and_429(limited):
    limited.admin("POST", "/limits/reset")
    s = session(limited)
    url = limited.base_url + "/crm/v3/objects/contacts"
    rs = [s.get(url) for _ in range(6)]
    assert [r.status_code for r in rs] == [200] * 5 + [429]
    h = rs[0].headers
    assert h["X-HubSpot-RateLimit-Max"] == "5" and h["X-HubSpot-RateLimit-Remaining"] == "4"
    assert h["X-HubSpot-RateLimit-Interval-Milliseconds"] == "1000"      # 10 s × time scale 0.1
    assert h["X-HubSpot-RateLimit-Daily"] == "1000" and "X-HubSpot-RateLimit-Daily-Remaining" in h
    assert "X-HubSpot-RateLimit-Secondly" in h
    body = rs[-1].json()
    assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert rs[-1].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    time.sleep(1.05)                                                     # the scaled window rolls
    assert s.get(url).status_code == 200


def test_search_secondly_limit_without_headers(limited):
    limited.admin("POST", "/limits/reset")
    s = session(limited)
    url = limited.base_url + "/crm/v3/objects/contacts/search"
    rs = [s.post(url, json={}) for _ in range(3)]
    assert [r.status_code for r in rs] == [200, 200, 429]
    assert not any(k.startswith("X-HubSpot-RateLimit") for k in rs[0].headers)
    assert rs[2].json()["policyName"] == "SECONDLY"
    assert rs[2].json()["message"] == "You have reached your secondly limit."
    # search does not spend the standard budget
    assert s.get(limited.base_url + "/crm/v3/objects/contacts").status_code == 200


def test_daily_limit(limited):
    limited.admin("PUT", "/limits", {"daily_max": 3, "burst_max": 100})
    try:
        s = session(limited)
        rs = [s.get(limited.base_url + "/crm/v3/owners") for _ in range(4)]
        assert rs[-1].status_code == 429 and rs[-1].json()["policyName"] == "DAILY"
        assert rs[-1].json()["message"] == "You have reached your daily limit."
    finally:
        limited.admin("PUT", "/limits", {"daily_max": 1000, "burst_max": 5})


def test_no_limits_mode(api, sim):
    rs = [api.get("/crm/v3/objects/contacts") for _ in range(30)]
    assert all(r.status_code == 200 for r in rs)
    assert not any(k.startswith("X-HubSpot-RateLimit") for k in rs[0].headers)


def test_secondly_limit_is_enforced_with_hubspot_body():
    """HubSpot advertises a tenth of the burst per second and answers 429 SECONDLY past it
    (the body of a real answer: errorType RATE_LIMIT, policyName SECONDLY)."""
    with start_simulator(seed=2, burst_limit=40, daily_limit=1000, time_scale=0.1, **SMALL) as sim:
        s = session(sim)
        url = sim.base_url + "/crm/v3/objects/contacts"
        rs = [s.get(url) for _ in range(6)]
        statuses = [r.status_code for r in rs]
        assert statuses[:4] == [200] * 4 and 429 in statuses[4:]   # 4 per (scaled) second
        assert rs[0].headers["X-HubSpot-RateLimit-Secondly"] == "4"
        assert rs[0].headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "3"
        body = next(r for r in rs if r.status_code == 429).json()
        assert (body["status"], body["errorType"], body["policyName"]) == ("error", "RATE_LIMIT", "SECONDLY")
        assert body["message"] == "You have reached your secondly limit."
        time.sleep(0.15)                                                 # the scaled second passes
        assert s.get(url).status_code == 200


def test_no_daily_headers_like_an_oauth_app():
    with start_simulator(seed=2, no_daily_headers=True, **SMALL) as sim:
        r = session(sim).get(sim.base_url + "/crm/v3/objects/contacts")
        assert r.status_code == 200
        assert {"X-HubSpot-RateLimit-Max", "X-HubSpot-RateLimit-Secondly", "X-HubSpot-RateLimit-Remaining",
                "X-HubSpot-RateLimit-Secondly-Remaining"} <= set(r.headers)
        assert not any(k.startswith("X-HubSpot-RateLimit-Daily") for k in r.headers)
