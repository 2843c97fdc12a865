"""Integration: every client endpoint against the simulator as a real process.

Endpoints the simulator does not route yet are skipped (with the reason), so these
tests start running as soon as the simulator serves them.
"""

from __future__ import annotations

import contextlib
import logging
from decimal import Decimal

import pytest

from hubspot_fdw.api import errors
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.models import AssociationType
from hubspot_fdw.api.search import Filter

simulator = pytest.importorskip("hubspot_fdw.simulator.process")

SIZES = dict(contacts=250, companies=40, deals=60, tickets=20, products=5, line_items=30, quotes=5, calls=10,
             emails=10, meetings=10, notes=10, tasks=10, communications=5, postal_mail=5, cars=10,
             service_requests=10)


@pytest.fixture(scope="module")
def sim():
    with simulator.start_simulator(seed=7, no_limits=True, index_lag_ms=0, **SIZES) as running:
        yield running


@pytest.fixture()
def client(sim) -> HubSpotClient:
    return HubSpotClient(sim.base_url, sim.token, use_budget=False)


@contextlib.contextmanager
def routed():
    """Skip when the simulator does not serve the endpoint yet."""
    try:
        yield
    except errors.HubSpotNotFoundError as exc:
        if exc.message.startswith("Unable to route"):
            pytest.skip(f"simulator: {exc.message}")
        raise


def test_list_pages_and_checkpoint(client) -> None:
    seen = []
    after = None
    for page in client.iter_pages("contacts", properties=["email", "firstname"], limit=100):
        seen += [r.id for r in page.results]
        after = page.after if page.after else after
    assert len(seen) == 250 == len(set(seen)) and seen == sorted(seen, key=int)
    resumed = client.list_page("contacts", after=str(int(seen[100])), limit=10)
    assert [r.id for r in resumed.results] == seen[100:110]


def test_get_batch_read_and_long_property_lists(client) -> None:
    ids = [r.id for r in client.list_page("contacts", limit=100).results]
    one = client.get_object("contacts", ids[0], properties=["email"])
    assert one.id == ids[0] and "email" in one.properties
    with pytest.raises(errors.HubSpotNotFoundError) as info:
        client.get_object("contacts", "999999")
    assert info.value.sqlstate == "P0002"
    with routed():
        got = list(client.batch_read("contacts", ids + ids[:50] + ["999999"], properties=["email"]))
    assert sorted(r.id for r in got) == sorted(ids)
    long_props = ["email", "firstname"] + [f"no_such_property_{i:04d}" for i in range(400)]
    page = HubSpotClient(transport=client.transport, max_url_length=2000).list_page(
        "contacts", properties=long_props, limit=5)
    assert [r.id for r in page.results] == ids[:5] and all("email" in r.properties for r in page.results)


def test_write_cycle_and_errors(client) -> None:
    created = client.create_object("contacts", {"email": "paul@arrakis.example", "firstname": "Paul"})
    assert created.properties["email"] == "paul@arrakis.example"
    with pytest.raises(errors.HubSpotConflictError) as dup:
        client.create_object("contacts", {"email": "paul@arrakis.example"})
    assert dup.value.sqlstate == "23505" and dup.value.existing_id == created.id and created.id in dup.value.detail
    updated = client.update_object("contacts", created.id, {"lastname": "Atreides"})
    assert updated.properties["lastname"] == "Atreides"
    with pytest.raises(errors.HubSpotValidationError) as bad:
        client.create_object("contacts", {"email": "x@y.example", "no_such_property": "1"})
    assert bad.value.sqlstate in ("22023", "23514") and bad.value.correlation_id
    client.archive_object("contacts", created.id)
    assert client.find_object("contacts", created.id) is None
    assert created.id in {r.id for r in client.iter_archived("contacts")}
    other = client.create_object("contacts", {"email": "leto@arrakis.example"})
    with routed():
        result = client.batch_update("contacts", [(other.id, {"firstname": "Leto"}), ("999999", {"firstname": "x"})])
    assert [r.id for r in result.results] == [other.id]
    assert result.errors and isinstance(result.errors[0], errors.HubSpotNotFoundError)
    client.batch_archive("contacts", [other.id])
    assert other.id in {r.id for r in client.iter_archived("contacts")}


def test_search(client) -> None:
    lm = "lastmodifieddate"
    everyone = list(client.search("contacts", properties=["email"]))
    assert len(everyone) >= 250
    some = list(client.search("contacts", filter_groups=[[Filter("email", "HAS_PROPERTY")]],
                              sort=(lm, "ASCENDING"), properties=["email"], limit=30))
    assert len(some) == 30
    stamps = [r.properties[lm] for r in some]
    assert stamps == sorted(stamps)
    since = list(client.search_modified_since("contacts", lm, 0, properties=["email"]))
    assert {r.id for r in since} >= {r.id for r in everyone if r.id}
    assert client.count("contacts") == len(everyone)


def test_metadata(client) -> None:
    with routed():
        props = client.list_properties("contacts")
    names = {p.name for p in props}
    assert {"email", "firstname", "lastmodifieddate", "hs_object_id"} <= names
    with routed():
        schemas = client.list_schemas()
    assert {s.name for s in schemas} >= {"cars"} or {s.plural_label for s in schemas} >= {"Cars"}
    with routed():
        owners = list(client.iter_owners())
    assert owners and owners[0].id
    with routed():
        pipelines = client.list_pipelines("deals")
    assert pipelines and pipelines[0].stages


def test_associations(client) -> None:
    contacts = [r.id for r in client.list_page("contacts", limit=100).results]
    with routed():
        labels = client.association_labels("contacts", "companies")
    assert any(t.label is None for t in labels)
    with routed():
        rows = list(client.batch_read_associations("contacts", "companies", contacts))
    assert rows and all(r.from_id in contacts for r in rows)
    company = client.list_page("companies", limit=1).results[0].id
    contact = client.create_object("contacts", {"email": "jessica@arrakis.example"}).id
    with routed():
        client.create_association("contacts", contact, "companies", company)
    assert [r.to_id for r in client.batch_read_associations("contacts", "companies", [contact])] == [company]
    unlabeled = next(t for t in labels if t.label is None)
    client.create_association("contacts", contact, "companies", company,
                              [AssociationType(unlabeled.category, unlabeled.type_id)])
    client.archive_association("contacts", contact, "companies", company)
    assert list(client.batch_read_associations("contacts", "companies", [contact])) == []


def test_catalog_of_the_seeded_portal(client) -> None:
    from hubspot_fdw.catalog import build_catalog
    with routed():
        catalog = build_catalog(client)
    tables = set(catalog.tables)
    assert {"contacts", "companies", "deals", "tickets", "products", "line_items", "quotes", "calls", "emails",
            "meetings", "notes", "tasks", "communications", "postal_mail", "owners", "pipelines"} <= tables
    assert {"associations_company_contact", "associations_deal_line_item"} <= tables
    assert any(t.object_type and t.object_type.custom for t in catalog.object_tables())
    contacts = catalog.table("contacts")
    assert contacts.column_names[0] == "id" and contacts.column("email").sql_type == "text"
    record = client.list_page("contacts", properties=[c.property_name for c in contacts.property_columns][:50],
                              limit=1).results[0]
    from hubspot_fdw.catalog import record_to_row
    row = record_to_row(contacts, record)
    assert row["id"] == record.id


def test_token_never_in_logs_or_errors(sim, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    list(client.search("contacts", limit=3))
    bad = HubSpotClient(sim.base_url, sim.token + "-wrong", use_budget=False)
    with pytest.raises(errors.HubSpotAuthenticationError) as info:
        bad.list_page("contacts")
    assert info.value.sqlstate == "28000"
    texts = [r.getMessage() for r in caplog.records] + [str(info.value), repr(info.value), str(info.value.detail),
                                                         repr(client), repr(bad)]
    assert all(sim.token not in t for t in texts)


def test_numbers_are_exact(client) -> None:
    deal = client.create_object("deals", {"dealname": "spice", "amount": "0.1000000000000000055511151231257827"})
    from hubspot_fdw.catalog.convert import to_python
    assert to_python(deal.properties.get("amount"), "number") == Decimal("0.1000000000000000055511151231257827")
