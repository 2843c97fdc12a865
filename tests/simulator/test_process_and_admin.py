"""CLI/process contract, determinism, request log and admin mutations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from hubspot_fdw.simulator.process import start_simulator

ROOT = str(Path(__file__).resolve().parents[2])


def test_cli_prints_url_token_and_stops_on_sigterm():
    env = {**os.environ, "PYTHONPATH": ROOT}
    p = subprocess.Popen([sys.executable, "-m", "hubspot_fdw.simulator", "--port", "0", "--contacts", "10",
                          "--token", "pat-na1-custom"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        base = p.stdout.readline().strip()
        token = p.stdout.readline().strip()
        assert base.startswith("base_url=http://127.0.0.1:") and token == "token=pat-na1-custom"
        url = base.split("=", 1)[1]
        r = requests.get(url + "/crm/v3/objects/contacts", headers={"Authorization": "Bearer pat-na1-custom"})
        assert r.status_code == 200
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_same_seed_same_data_different_seed_differs():
    def dump(seed):
        with start_simulator(seed=seed, contacts=50, companies=10, deals=10) as s:
            h = {"Authorization": f"Bearer {s.token}"}
            return requests.get(s.base_url + "/crm/v3/objects/contacts?limit=50&associations=companies",
                                headers=h).json()
    a, b, c = dump(4), dump(4), dump(5)
    assert a == b and a != c


def test_request_log(api, fresh):
    fresh.clear_requests()
    api.get("/crm/v3/objects/contacts", params=[("properties", "email"), ("properties", "firstname")])
    api.post("/crm/v3/objects/deals/search", json={"filterGroups": [], "limit": 5})
    api.get("/crm/v3/objects/contacts/999")
    log = fresh.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/crm/v3/objects/contacts", 200), ("POST", "/crm/v3/objects/deals/search", 200),
        ("GET", "/crm/v3/objects/contacts/999", 404)]
    assert log[0]["query"] == {"properties": ["email", "firstname"]}
    assert log[1]["body"] == {"filterGroups": [], "limit": 5}
    assert fresh.requests(since=log[1]["seq"])[0]["path"].endswith("/999")


def test_admin_mutations_like_a_user(api, fresh):
    c = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    u = fresh.admin("PATCH", f"/objects/contacts/{c['id']}", {"properties": {"num_associated_deals": "9"}})
    assert u["properties"]["num_associated_deals"] == "9" and u["updatedAt"] > c["updatedAt"]
    fresh.admin("POST", f"/objects/contacts/{c['id']}/archive")
    assert api.get(f"/crm/v3/objects/contacts/{c['id']}").status_code == 404
    r = fresh.admin("POST", f"/objects/contacts/{c['id']}/restore")
    assert r["archived"] is False and api.get(f"/crm/v3/objects/contacts/{c['id']}").status_code == 200
    before = fresh.admin("GET", "/info")["clock_offset_ms"]
    fresh.admin("POST", "/clock", {"advance_ms": 86_400_000})
    assert fresh.admin("GET", "/info")["clock_offset_ms"] == before + 86_400_000
    new = api.post("/crm/v3/objects/notes", json={"properties": {"hs_note_body": "x",
                                                                  "hs_timestamp": "2030-01-01T00:00:00Z"}}).json()
    assert new["createdAt"] > u["updatedAt"]
