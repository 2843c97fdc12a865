"""The realistic portal (`--profile realistic`: ~900 deal properties, 600+ contact ones,
several pipelines, more labels): a GET asking for every property is refused with 414
as HubSpot's URL limit refuses it, yet IMPORT FOREIGN SCHEMA, live reads of every
column and a sync pass work, because the client asks for long property lists by POST."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from hubspot_fdw.simulator.process import start_simulator
from tests.materializer.conftest import assert_exact, setup_server, sync_once_live

SIZES = dict(contacts=60, companies=15, deals=20, tickets=5, products=0, line_items=0, quotes=0, calls=0,
             emails=0, meetings=0, notes=0, tasks=0, communications=0, postal_mail=0, cars=0, service_requests=0)
TABLES = ["contacts", "companies", "deals", "associations_company_contact", "owners", "pipelines",
          "pipeline_stages"]


@pytest.fixture(scope="module")
def sim() -> Iterator:
    with start_simulator(seed=5, no_limits=True, index_lag_ms=0, owners=4, profile="realistic", **SIZES) as s:
        yield s


def _names(sim, object_type: str) -> list[str]:
    r = requests.get(f"{sim.base_url}/crm/v3/properties/{object_type}",
                     headers={"Authorization": f"Bearer {sim.token}"}, timeout=30)
    return [p["name"] for p in r.json()["results"]]


def test_portal_is_realistic_and_long_get_is_414(sim) -> None:
    deals, contacts = _names(sim, "deals"), _names(sim, "contacts")
    assert len(deals) >= 850 and len(contacts) >= 600
    assert {"hs_analytics_source", "hs_email_open", "hs_lifecyclestage_lead_date"} <= set(contacts)
    h = {"Authorization": f"Bearer {sim.token}"}
    r = requests.get(f"{sim.base_url}/crm/v3/objects/deals", params={"properties": ",".join(deals)},
                     headers=h, timeout=30)
    assert r.status_code == 414
    first = requests.get(f"{sim.base_url}/crm/v3/objects/deals", headers=h, timeout=30).json()["results"][0]
    r = requests.post(f"{sim.base_url}/crm/v3/objects/deals/batch/read", headers=h, timeout=30,
                      json={"inputs": [{"id": first["id"]}], "properties": deals})
    assert r.status_code == 200 and len(r.json()["results"][0]["properties"]) == len(deals)
    pipes = requests.get(f"{sim.base_url}/crm/v3/pipelines/deals", headers=h, timeout=30).json()["results"]
    assert len(pipes) >= 4
    labels = requests.get(f"{sim.base_url}/crm/v4/associations/contacts/companies/labels", headers=h,
                          timeout=30).json()["results"]
    assert len([x for x in labels if x["label"]]) >= 3


def test_import_live_read_and_sync(db, sim) -> None:
    setup_server(db, sim)   # imports TABLES (deals and contacts among them) into schema hubspot
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'hubspot' "
                    "AND table_name = 'deals'")
        assert cur.fetchone()[0] >= 850
        cur.execute("SELECT * FROM hubspot.deals ORDER BY id")
        rows = cur.fetchall()
        assert len(rows) == 20 and len(rows[0]) >= 850
        filled = sum(1 for row in rows for v in row if v is not None)
        assert filled > 20 * 100            # seeded values on many of the extra properties
        cur.execute("SELECT count(*) FROM hubspot.contacts WHERE email IS NOT NULL")
        assert cur.fetchone()[0] == 60
    sync_once_live(db, sim, TABLES)
    assert_exact(db, sim, ["contacts", "companies", "deals", "associations_company_contact"])
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM hubspot_cache.pipelines")
        assert cur.fetchone()[0] >= 6
        cur.execute("SELECT count(*) FROM hubspot_cache.associations_company_contact WHERE labels <> '{}'")
        assert cur.fetchone()[0] > 0
