"""The simulator and the client held to real HubSpot answers, recorded from real portals
(a directory named by HUBSPOT_RECORDED_DIR: ``crm/*.json`` one answer each,
``errors/real_errors.json``); skipped when it is not there.

- The simulator's property definitions (realistic profile; the default one where it
  has the name) agree with the recorded ones in type, fieldType, calculated,
  read-only and externalOptions (owner, pipeline and stage properties list no options); at most 5% of the real portal's HubSpot-defined properties are missing;
  the real definitions' extra keys are served too.
- Every recorded answer goes through the client (served at its path by ``responses``,
  its rate headers included) and the catalog: parsed, typed into columns, every value
  converted; every recorded error body maps to the SQLSTATE the README documents.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import responses

from hubspot_fdw.api import errors as api_errors
from hubspot_fdw.api.budget import RateBudget
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.models import HubSpotObject, ObjectSchema, Owner, Pipeline, PropertyDefinition
from hubspot_fdw.api.retry import RetryPolicy
from hubspot_fdw.api.transport import Transport
from hubspot_fdw.catalog.columns import object_table
from hubspot_fdw.catalog import record_to_row
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.simulator.process import start_simulator

RECORDED = Path(os.environ.get("HUBSPOT_RECORDED_DIR", "/nonexistent"))
pytestmark = pytest.mark.skipif(not (RECORDED / "crm").is_dir(), reason="HUBSPOT_RECORDED_DIR not set")
BASE = "https://api.hubapi.test"
TOKEN = "pat-na1-recorded-replay"
SQL_TYPES = {"text", "numeric", "date", "timestamptz", "boolean", "text[]"}
EMPTY = dict(contacts=1, companies=1, deals=1, tickets=1, products=0, line_items=0, quotes=0, calls=0, emails=0,
             meetings=0, notes=0, tasks=0, communications=0, postal_mail=0, cars=0, service_requests=0)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _body(data: dict[str, Any]) -> Any:
    return data["record"]["response"] if "record" in data else data


def recorded_definitions() -> dict[str, dict[str, dict[str, Any]]]:
    """Object type → name → HubSpot-defined property definition, from every recorded list."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted((RECORDED / "crm").glob("*.json")):
        m = re.search(r"(?:get|proxy)_crm_v3_properties_([a-z_]+?)_", path.name)
        if not m:
            continue
        for prop in _body(_load(path)).get("results", []):
            if prop.get("hubspotDefined"):
                out.setdefault(m.group(1), {}).setdefault(prop["name"], prop)
    return out


def _key(prop: dict[str, Any]) -> tuple:
    """What must agree: type, fieldType, calculated, read-only, externalOptions, and for an
    externalOptions property whether it lists options (owners, pipelines, stages: none)."""
    external = bool(prop.get("externalOptions"))
    return (prop["type"], prop["fieldType"], bool(prop.get("calculated")),
            bool((prop.get("modificationMetadata") or {}).get("readOnlyValue")),
            external, external and not prop.get("options"))


def _served(sim, object_type: str) -> dict[str, dict[str, Any]]:
    r = requests.get(f"{sim.base_url}/crm/v3/properties/{object_type}",
                     headers={"Authorization": f"Bearer {sim.token}"}, timeout=30)
    return {p["name"]: p for p in r.json()["results"]}


@pytest.fixture(scope="module")
def realistic() -> Iterator:
    with start_simulator(seed=1, no_limits=True, profile="realistic", **EMPTY) as sim:
        yield sim


@pytest.mark.parametrize("profile", ["realistic", "default"])
def test_simulator_definitions_are_hubspots(profile, realistic) -> None:
    recorded = recorded_definitions()
    assert {"companies", "deals"} <= set(recorded)
    sim_ctx = None
    try:
        if profile == "realistic":
            sim = realistic
        else:
            sim_ctx = start_simulator(seed=1, no_limits=True, **EMPTY)
            sim = sim_ctx.__enter__()
        common = differing = missing = total = 0
        for object_type, real in recorded.items():
            mine = _served(sim, object_type)
            for name, prop in real.items():
                total += 1
                if name not in mine:
                    missing += 1
                    continue
                common += 1
                if _key(mine[name]) != _key(prop):
                    differing += 1
                if profile == "realistic":   # the real definitions' keys are all there
                    assert set(prop) <= set(mine[name]), (name, set(prop) - set(mine[name]))
                    assert "archived" not in mine[name]
        print(f"{profile}: {common} properties in common, {differing} differ; {missing} of {total} "
              f"HubSpot-defined properties missing ({100 * missing / total:.1f}%)")
        assert differing == 0
        if profile == "realistic":
            assert missing <= 0.05 * total
    finally:
        if sim_ctx is not None:
            sim_ctx.__exit__(None, None, None)


# -- replaying every recorded answer through the client and the catalog -----------------------------

def recorded_answers() -> list[Path]:
    return sorted((RECORDED / "crm").glob("*.json")) if (RECORDED / "crm").is_dir() else []


def _object_type(path: str) -> str | None:
    m = re.match(r"/crm/v3/(?:objects|properties|pipelines)/([a-z_]+)", path)
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def definitions(realistic) -> dict[str, list[PropertyDefinition]]:
    """Object type → the property definitions to type its values: the recorded ones where
    the recordings have them, the realistic simulator's for the others."""
    recorded = recorded_definitions()
    out: dict[str, list[PropertyDefinition]] = {}
    for t in Registry.standard():
        if t.name in recorded:
            props = list(recorded[t.name].values())
        else:
            props = list(_served(realistic, t.name).values())
        out[t.name] = [PropertyDefinition.from_json(p) for p in props]
    return out


def _check_records(object_type: str | None, items: list[dict[str, Any]], definitions) -> int:
    """Parse records and convert every value into its column; returns values converted."""
    converted = 0
    t = Registry.standard().find(object_type or "")
    table = object_table(t, definitions[t.name]) if t is not None else None
    for item in items:
        record = HubSpotObject.from_json(item)
        assert record.id and record.created_at
        if table is not None:
            row = record_to_row(table, record)
            converted += sum(1 for c in table.property_columns if c.property_name in record.properties)
            assert row["id"] == record.id
    return converted


def _check_body(method: str, path: str, body: Any, definitions) -> str:
    """Parse one recorded answer the way the client's callers do; returns what it was."""
    if body is None or body == {} or method == "delete":
        return "empty"
    results = body.get("results") if isinstance(body, dict) else None
    if results == []:
        return "empty"
    first = results[0] if results else body
    if isinstance(first, dict) and "fieldType" in first:
        props = [PropertyDefinition.from_json(p) for p in (results if results is not None else [body])]
        t = Registry.standard().find(_object_type(path) or "")
        if t is not None:
            table = object_table(t, props)
            assert {c.sql_type for c in table.property_columns} <= SQL_TYPES
        return "properties"
    if isinstance(first, dict) and "stages" in first:
        [Pipeline.from_json(_object_type(path) or "deals", p) for p in results]
        return "pipelines"
    if isinstance(first, dict) and "userId" in first or "/owners" in path:
        [Owner.from_json(o) for o in (results if results is not None else [body])]
        return "owners"
    if "/account-info" in path:
        assert isinstance(body["portalId"], int) and body["timeZone"]
        return "account"
    if "/schemas" in path:
        [ObjectSchema.from_json(s) for s in results or []]
        return "schemas"
    if isinstance(first, dict) and "properties" in first:
        items = results if results is not None else [body]
        return f"records ({_check_records(_object_type(path), items, definitions)} values)"
    if isinstance(first, dict) and ("from" in first or "toObjectId" in first or "type" in first):
        return "associations"
    return "other"


@pytest.mark.parametrize("path", recorded_answers(), ids=lambda p: p.name[:60])
def test_recorded_answer_through_client_and_catalog(path: Path, definitions, tmp_path) -> None:
    data = _load(path)
    if "record" not in data:   # a body without its request: parse it as the client would
        name = path.name
        guess = ("/crm/v3/properties/deals" if "properties" in name else "/crm/v3/owners" if "owners" in name
                 else "/crm/v3/objects/deals" if "objects_deals" in name else
                 "/crm/v3/objects/contacts" if "contacts" in name else "/crm/v3/objects/line_items")
        assert _check_body("get", guess, data, definitions) != "other" or "search" in name
        return
    rec = data["record"]
    method, route, status = data["method"].upper(), data["path"], int(rec["status"])
    hubspot_headers = {k: v for k, v in rec.get("headers", {}).items() if k.lower().startswith("x-hubspot")}
    budget = RateBudget(key="replay", shared=False)
    client = HubSpotClient(transport=Transport(BASE, TOKEN, retry=RetryPolicy(max_attempts=1), budget=budget))
    with responses.RequestsMock() as mock:
        body = rec.get("response")
        mock.add(method, BASE + route, status=status, headers=hubspot_headers,
                 body=b"" if body is None or status == 204 else json.dumps(body).encode(),
                 content_type="application/json")
        request = rec.get("request") or {}
        answer = client.transport.request(method, route, params=request.get("params"),
                                          json_body=request.get("data"), idempotent=True)
    kind = _check_body(data["method"], route, answer.body, definitions)
    assert kind != "other", kind
    if "x-hubspot-ratelimit-max" in {k.lower() for k in hubspot_headers}:
        pool = budget.snapshot()["pools"]["standard"]
        assert pool["max"] == 110 and pool.get("secondly") == 11
        assert budget.daily() is None      # none of these answers carried Daily headers


def test_recorded_account_details_and_error_bodies() -> None:
    account = _load(next((RECORDED / "crm").glob("fetch-account-information*.json")))
    client = HubSpotClient(transport=Transport(BASE, TOKEN, retry=RetryPolicy(max_attempts=1)))
    with responses.RequestsMock() as mock:
        mock.add("GET", BASE + "/account-info/v3/details", json=account["record"]["response"])
        details = client.account_details()
    assert details.time_zone
    documented = set(re.findall(r"^\| `([0-9A-Z]{5})`", (Path(__file__).parents[2] / "README.md").read_text(), re.M))
    expected = {401: "28000", 403: "42501", 409: "23505", 429: "53400"}
    for case in json.loads((RECORDED / "errors" / "real_errors.json").read_text()):
        with responses.RequestsMock() as mock:
            mock.add("GET", BASE + "/crm/v3/objects/contacts/1", status=case["status"], json=case["body"])
            with pytest.raises(api_errors.HubSpotError) as caught:
                client.get_object("contacts", "1")
        assert caught.value.sqlstate == expected[case["status"]] and caught.value.sqlstate in documented
        assert caught.value.message == case["body"]["message"]
