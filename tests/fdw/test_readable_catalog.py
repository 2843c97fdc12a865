"""A readable catalog on a portal in real use (the simulator's realistic profile): column
comments are one short line with the label and where a dropdown's labels are, never an
owner's name or e-mail; association labels sit in hubspot_fdw.association_labels; a
value's label is one function call away (dealstage 'closedwon' -> 'Closed Won')."""

from __future__ import annotations

from typing import Iterator

import pytest

from hubspot_fdw.simulator.process import SimulatorProcess, start_simulator

from .conftest import query

SIZES = dict(contacts=20, companies=5, deals=12, tickets=3, products=0, line_items=0, quotes=0, calls=0,
             emails=0, meetings=0, notes=0, tasks=0, communications=0, postal_mail=0, cars=2, service_requests=0)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with start_simulator(seed=11, no_limits=True, index_lag_ms=0, owners=5, profile="realistic", **SIZES) as s:
        yield s


COMMENTS = """
SELECT c.relname, a.attname, pg_catalog.col_description(a.attrelid, a.attnum)
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'hubspot'::regnamespace AND c.relkind = 'f' AND a.attnum > 0 AND NOT a.attisdropped"""


def test_no_personal_data_and_short_lines(conn) -> None:
    comments = query(conn, COMMENTS)
    assert len(comments) > 2000
    assert [(t, c) for t, c, text in comments if text and "@" in text] == []
    assert max(len(text or "") for _, _, text in comments) <= 200
    assert [(t, c) for t, c, text in comments if text and "\n" in text] == []
    owner = dict(((t, c), text) for t, c, text in comments)[("contacts", "hubspot_owner_id")]
    assert owner.endswith("An owner id: names in hubspot.owners")
    assert query(conn, "SELECT count(*) FROM hubspot_fdw.property_options WHERE label LIKE '%@%'") == [(0,)]


def test_dropdowns_point_to_their_labels(conn) -> None:
    comments = dict(((t, c), text) for t, c, text in query(conn, COMMENTS))
    assert comments[("contacts", "lifecyclestage")].startswith("Lifecycle Stage")
    assert comments[("contacts", "lifecyclestage")].endswith("labels in hubspot_fdw.property_options")
    assert "hubspot.pipeline_stages" in comments[("deals", "dealstage")]
    assert "hubspot.pipelines" in comments[("deals", "pipeline")]


def test_labels_instead_of_values(conn) -> None:
    rows = query(conn, "SELECT d.dealstage, hubspot_fdw.label('hubspot.deals', 'dealstage', d.dealstage), s.label "
                       "FROM hubspot.deals d JOIN hubspot.pipeline_stages s "
                       "ON s.object_type = 'deals' AND s.pipeline_id = d.pipeline AND s.id = d.dealstage")
    assert len(rows) == 12 and all(label == stage for _, label, stage in rows)
    assert query(conn, "SELECT hubspot_fdw.label('hubspot.deals', 'dealstage', 'closedwon')") == [("Closed Won",)]
    by_stage = query(conn, "SELECT s.label AS stage, count(*), sum(d.amount) FROM hubspot.deals d "
                           "JOIN hubspot.pipeline_stages s "
                           "ON s.object_type = 'deals' AND s.pipeline_id = d.pipeline AND s.id = d.dealstage "
                           "GROUP BY s.label, s.display_order ORDER BY s.display_order")
    assert sum(n for _, n, _ in by_stage) == 12
    assert query(conn, "SELECT hubspot_fdw.label('hubspot.contacts', 'lifecyclestage', 'customer'), "
                       "hubspot_fdw.label('hubspot.contacts', 'lifecyclestage', 'no such value')") == [
        ("Customer", "no such value")]
    assert query(conn, "SELECT hubspot_fdw.label('hubspot.contacts', 'lifecyclestage', ARRAY['lead', 'customer'])") == [
        (["Lead", "Customer"],)]


def test_association_labels_beside_property_options(conn) -> None:
    rows = query(conn, "SELECT foreign_table::text, label FROM hubspot_fdw.association_labels ORDER BY 1, 2")
    assert ("hubspot.associations_contact_deal", "Decision maker") in rows
    assert ("hubspot.associations_car_contact", "Car owner") in rows or \
        ("hubspot.associations_car_contact", "Owned car") in rows
    assert all(label for _, label in rows)


def test_refresh_columns_brings_new_association_labels(conn, sim) -> None:
    import requests
    requests.post(f"{sim.base_url}/crm/v4/associations/contacts/deals/labels",
                  headers={"Authorization": f"Bearer {sim.token}"}, timeout=30,
                  json={"label": "Budget holder", "name": "budget_holder"}).raise_for_status()
    labels = "SELECT label FROM hubspot_fdw.association_labels WHERE foreign_table = 'hubspot.associations_contact_deal'::regclass"
    assert ("Budget holder",) not in query(conn, labels)
    assert query(conn, "SELECT * FROM hubspot_fdw.refresh_columns('hubspot.associations_contact_deal')") == []
    assert ("Budget holder",) in query(conn, labels) and ("Decision maker",) in query(conn, labels)
