"""Pipeline and stage labels on a portal that lists those properties as real portals do
(``externalOptions`` true, no options; owners likewise): IMPORT asks each type with a
stage property for its pipelines once, so ``hubspot_fdw.label`` and
``hubspot_fdw.property_options`` know 'closedwon' is 'Closed Won'; owners are never
recorded; a rejected stage lists the valid stages in DETAIL, from the pipelines when
HubSpot's rejection does not carry them; refresh_columns and the sync keep the labels."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import psycopg2
import pytest
import requests

from hubspot_fdw.cache.runner import PsycopgRunner
from hubspot_fdw.catalog.columns import object_table
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.fdw import drift

from .conftest import query, setup_server


def _listed(sim, object_type: str) -> dict[str, dict]:
    r = requests.get(f"{sim.base_url}/crm/v3/properties/{object_type}",
                     headers={"Authorization": f"Bearer {sim.token}"}, timeout=30)
    return {p["name"]: p for p in r.json()["results"]}


def _error(conn, sql: str, params=None) -> psycopg2.Error:
    with pytest.raises(psycopg2.Error) as info:
        query(conn, sql, params)
    return info.value


def test_the_portal_lists_no_stage_pipeline_or_owner_options(sim) -> None:
    deals = _listed(sim, "deals")
    for name in ("dealstage", "pipeline", "hubspot_owner_id"):
        assert (deals[name]["externalOptions"], deals[name]["options"]) == (True, []), name
    tickets = _listed(sim, "tickets")
    assert (tickets["hs_pipeline_stage"]["externalOptions"], tickets["hs_pipeline_stage"]["options"]) == (True, [])


def test_import_asks_for_pipelines_once_per_type_with_stages(conn, sim) -> None:
    query(conn, "CREATE SCHEMA counted")
    sim.clear_requests()
    query(conn, "IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO counted")
    calls = Counter(c["path"] for c in sim.requests())
    pipelines = {p: n for p, n in calls.items() if p.startswith("/crm/v3/pipelines")}
    print(f"full IMPORT: {sum(calls.values())} requests, {sum(pipelines.values())} of them pipelines")
    assert pipelines == {"/crm/v3/pipelines/deals": 1, "/crm/v3/pipelines/tickets": 1}
    for limit, expected in (("contacts, companies, owners, pipelines, pipeline_stages", {}),
                            ("deals_property_history", {}),
                            ("deals", {"/crm/v3/pipelines/deals": 1})):
        query(conn, "DROP SCHEMA IF EXISTS limited CASCADE")
        query(conn, "CREATE SCHEMA limited")
        sim.clear_requests()
        query(conn, f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({limit}) FROM SERVER hubspot INTO limited")
        assert Counter(c["path"] for c in sim.requests() if c["path"].startswith("/crm/v3/pipelines")) == expected


def test_labels_of_stages_and_pipelines_come_from_the_pipelines(conn) -> None:
    assert query(conn, "SELECT hubspot_fdw.label('hubspot.deals', 'dealstage', 'closedwon'), "
                       "hubspot_fdw.label('hubspot.deals', 'pipeline', 'default')") == [("Closed Won", "Sales Pipeline")]
    recorded = set(query(conn, "SELECT value, label FROM hubspot_fdw.property_options "
                               "WHERE foreign_table = 'hubspot.deals'::regclass AND column_name = 'dealstage'"))
    stages = set(query(conn, "SELECT id, label FROM hubspot.pipeline_stages WHERE object_type = 'deals'"))
    assert recorded == stages and ("closedwon", "Closed Won") in recorded
    ticket_stages = set(query(conn, "SELECT id, label FROM hubspot.pipeline_stages WHERE object_type = 'tickets'"))
    assert set(query(conn, "SELECT value, label FROM hubspot_fdw.property_options "
                           "WHERE foreign_table = 'hubspot.tickets'::regclass "
                           "AND column_name = 'hs_pipeline_stage'")) == ticket_stages
    rows = query(conn, "SELECT d.dealstage, hubspot_fdw.label('hubspot.deals', 'dealstage', d.dealstage), s.label "
                       "FROM hubspot.deals d JOIN hubspot.pipeline_stages s "
                       "ON s.object_type = 'deals' AND s.pipeline_id = d.pipeline AND s.id = d.dealstage")
    assert rows and all(label == stage for _, label, stage in rows)
    assert query(conn, "SELECT count(*) FROM hubspot_fdw.property_options WHERE column_name = 'hubspot_owner_id'") == [
        (0,)]


def test_a_stage_label_written_names_the_value(conn) -> None:
    deal = query(conn, "SELECT min(id) FROM hubspot.deals")[0][0]
    error = _error(conn, "UPDATE hubspot.deals SET dealstage = 'Closed Won' WHERE id = %s", (deal,))
    assert error.pgcode == "23514" and "'closedwon'" in (error.diag.message_hint or ""), error.diag.message_hint


def test_a_rejected_stage_lists_the_valid_stages(conn) -> None:
    deal = query(conn, "SELECT min(id) FROM hubspot.deals")[0][0]
    error = _error(conn, "UPDATE hubspot.deals SET dealstage = 'nosuchstage' WHERE id = %s", (deal,))
    assert error.pgcode == "23514"
    assert error.diag.message_primary == "HubSpot rejected deals.dealstage: 'nosuchstage' is not one of its options"
    assert error.diag.message_detail.startswith(
        "Valid values of dealstage: appointmentscheduled (Appointment Scheduled)"), error.diag.message_detail
    assert "closedwon (Closed Won)" in error.diag.message_detail


# -- a portal whose rejection does not list the options: the wrapper asks the pipelines --------------
class _NoOptionsProxy(BaseHTTPRequestHandler):
    """Forwards to the simulator; an INVALID_OPTION comes back without its list of options."""

    target = ""

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
        req = urllib.request.Request(self.target + self.path, data=body, method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, data = resp.status, resp.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        if status == 400 and b"INVALID_OPTION" in data:
            answer = json.loads(data)
            head, _, listed = answer["message"].partition(": [")
            items = json.loads("[" + listed)
            for item in items + answer.get("errors", []):
                for key in ("message", "localizedErrorMessage"):
                    if key in item:
                        item[key] = item[key].split(": [", 1)[0] + ": []"
            answer["message"] = head + ": " + json.dumps(items)
            data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def proxy(sim) -> Iterator[str]:
    handler = type("Handler", (_NoOptionsProxy,), {"target": sim.base_url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_valid_stages_from_the_pipelines_when_the_rejection_lists_none(conn, sim, proxy) -> None:
    class Via:  # the server points at the proxy
        base_url, token = proxy, sim.token
    setup_server(conn, Via, server="bare")
    query(conn, "CREATE SCHEMA bare")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals) FROM SERVER bare INTO bare")
    deal = query(conn, "SELECT min(id) FROM bare.deals")[0][0]
    sim.clear_requests()
    error = _error(conn, "UPDATE bare.deals SET dealstage = 'nosuchstage' WHERE id = %s", (deal,))
    assert error.pgcode == "23514"
    assert error.diag.message_primary == "HubSpot rejected deals.dealstage: 'nosuchstage' is not one of its options"
    assert error.diag.message_detail.startswith(
        "Valid values of dealstage: appointmentscheduled (Appointment Scheduled)"), error.diag.message_detail
    assert [c["path"] for c in sim.requests() if c["path"].startswith("/crm/v3/pipelines")] == [
        "/crm/v3/pipelines/deals"]
    error = _error(conn, "UPDATE bare.deals SET dealtype = 'nosuchtype' WHERE id = %s", (deal,))
    assert "Valid values" not in (error.diag.message_detail or "")   # HubSpot listed none, and it is no stage


# -- new columns keep the labels ---------------------------------------------------------------------
def _new_deal_property(client, name: str) -> None:
    client.transport.request("POST", "/crm/v3/properties/deals", json_body={
        "name": name, "label": name.title(), "groupName": "dealinformation", "type": "string", "fieldType": "text"})


def _stage_label(conn) -> list[tuple]:
    return query(conn, "SELECT hubspot_fdw.label('hubspot.deals', 'dealstage', 'closedwon')")


def test_refresh_columns_and_the_sync_keep_the_stage_labels(db, conn, sim, client) -> None:
    _new_deal_property(client, "deal_colour")
    sim.clear_requests()
    assert query(conn, "SELECT column_name, change FROM hubspot_fdw.refresh_columns('hubspot.deals')") == [
        ("deal_colour", "added")]
    assert [c["path"] for c in sim.requests() if c["path"].startswith("/crm/v3/pipelines")] == [
        "/crm/v3/pipelines/deals"]
    assert _stage_label(conn) == [("Closed Won",)]
    # the sync follows new properties from its own listing, without asking for pipelines
    _new_deal_property(client, "deal_mood")
    deals = Registry.standard().find("deals")
    properties = client.list_properties("deals")
    sim.clear_requests()
    with db.connect() as sync:
        changed = drift.follow(PsycopgRunner(sync), "hubspot", object_table(deals, properties), properties)
        sync.commit()
    assert changed and all("deal_mood" in {c.name for c in d.added} for d in changed)
    assert sim.requests() == []
    assert _stage_label(conn) == [("Closed Won",)]
    assert query(conn, "SELECT hubspot_fdw.label('counted.deals', 'dealstage', 'closedwon')") == [("Closed Won",)]
