"""Live reads: each pushdown claim shown by EXPLAIN and proven by the simulator's
request log, and results equal to what PostgreSQL computes without pushdown."""

from __future__ import annotations

import pytest

from fdw.conftest import explain, query


@pytest.fixture(autouse=True)
def live(conn):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")


def calls(sim) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sim.requests()]


def bodies(sim, suffix: str) -> list[dict]:
    return [r["body"] for r in sim.requests() if r["path"].endswith(suffix)]


def all_contacts(conn) -> list[tuple]:
    return query(conn, "SELECT id, email, firstname FROM hubspot.contacts")


def test_id_equality_is_a_batch_read(conn, sim):
    some = all_contacts(conn)[3]
    plan = explain(conn, "SELECT email FROM hubspot.contacts WHERE id = %s", (some[0],))
    assert f'POST /crm/v3/objects/contacts/batch/read {{"inputs": [{{"id": "{some[0]}"}}], ' \
           f'"properties": ["email"]}}' in plan
    assert "live" in plan
    sim.clear_requests()
    assert query(conn, "SELECT id, email FROM hubspot.contacts WHERE id = %s", (some[0],)) == [some[:2]]
    assert calls(sim) == [("POST", "/crm/v3/objects/contacts/batch/read")]


def test_id_in_is_one_batch_read(conn, sim):
    ids = [r[0] for r in all_contacts(conn)[:4]]
    sim.clear_requests()
    rows = query(conn, "SELECT id FROM hubspot.contacts WHERE id IN %s", (tuple(ids),))
    assert sorted(r[0] for r in rows) == sorted(ids)
    assert calls(sim) == [("POST", "/crm/v3/objects/contacts/batch/read")]
    assert sorted(i["id"] for i in bodies(sim, "/batch/read")[0]["inputs"]) == sorted(ids)


@pytest.mark.parametrize("where, expected_filter", [
    ("email = %s", {"propertyName": "email", "operator": "EQ"}),
    ("email IN (%s, 'nobody@example.com')", {"propertyName": "email", "operator": "IN"}),
    ("email LIKE %s", {"propertyName": "email", "operator": "CONTAINS_TOKEN"}),
])
def test_property_conditions_become_search_filters(conn, sim, where, expected_filter):
    email = next(r[1] for r in all_contacts(conn) if r[1])
    value = email[:3] + "%" if "LIKE" in where else email
    sql = f"SELECT id, email FROM hubspot.contacts WHERE {where}"
    assert "POST /crm/v3/objects/contacts/search" in explain(conn, sql, (value,))
    sim.clear_requests()
    rows = query(conn, sql, (value,))
    assert calls(sim) == [("POST", "/crm/v3/objects/contacts/search")]
    sent = bodies(sim, "/search")[0]["filterGroups"][0]["filters"][0]
    assert {k: sent[k] for k in expected_filter} == expected_filter
    expected = [r[:2] for r in all_contacts(conn) if r[1] and (
        r[1].startswith(value[:-1]) if "LIKE" in where else r[1] == email)]
    assert sorted(rows) == sorted(expected)


def test_is_null_and_ranges(conn, sim):
    everything = query(conn, "SELECT id, amount, closedate FROM hubspot.deals")
    sim.clear_requests()
    rows = query(conn, "SELECT id FROM hubspot.deals WHERE amount IS NULL")
    assert sorted(rows) == sorted((r[0],) for r in everything if r[1] is None)
    assert bodies(sim, "/search")[0]["filterGroups"][0]["filters"] == [
        {"propertyName": "amount", "operator": "NOT_HAS_PROPERTY"}]
    amounts = sorted(r[1] for r in everything if r[1] is not None)
    low, high = amounts[1], amounts[-2]
    sim.clear_requests()
    rows = query(conn, "SELECT id FROM hubspot.deals WHERE amount BETWEEN %s AND %s", (low, high))
    assert sorted(rows) == sorted((r[0],) for r in everything if r[1] is not None and low <= r[1] <= high)
    ops = {f["operator"] for f in bodies(sim, "/search")[0]["filterGroups"][0]["filters"]}
    assert ops == {"GTE", "LTE"}


def test_timestamp_range_on_updated_at(conn, sim):
    everything = query(conn, "SELECT id, updated_at FROM hubspot.contacts")
    pivot = sorted(r[1] for r in everything)[len(everything) // 2]
    sim.clear_requests()
    rows = query(conn, "SELECT id FROM hubspot.contacts WHERE updated_at >= %s", (pivot,))
    assert sorted(rows) == sorted((r[0],) for r in everything if r[1] >= pivot)
    sent = bodies(sim, "/search")[0]["filterGroups"][0]["filters"][0]
    assert sent["propertyName"] == "lastmodifieddate" and sent["operator"] == "GTE"


def test_order_by_one_column_is_a_search_sort(conn, sim):
    sql = "SELECT id, amount FROM hubspot.deals ORDER BY amount DESC LIMIT 3"
    plan = explain(conn, sql)
    assert "Sort Key" not in plan and '"sorts": [{"propertyName": "amount", "direction": "DESCENDING"}]' in plan
    sim.clear_requests()
    rows = query(conn, sql)
    everything = query(conn, "SELECT id, amount FROM hubspot.deals")
    expected = sorted(everything, key=lambda r: (r[1] is not None, r[1] or 0), reverse=True)[:3]
    assert [r[1] for r in rows] == [r[1] for r in expected]


def test_order_by_with_nulls_matches_postgres(conn):
    pushed = query(conn, "SELECT amount FROM hubspot.deals ORDER BY amount")
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    local = query(conn, "SELECT amount FROM (SELECT amount FROM hubspot.deals OFFSET 0) d ORDER BY amount")
    assert pushed == local


def test_limit_is_pushed_and_pages_lazily(conn, sim):
    plan = explain(conn, "SELECT id FROM hubspot.contacts LIMIT 5")
    assert "GET /crm/v3/objects/contacts?limit=5" in plan
    sim.clear_requests()
    assert len(query(conn, "SELECT id FROM hubspot.contacts LIMIT 5")) == 5
    requests = sim.requests()
    assert len(requests) == 1 and requests[0]["query"]["limit"] == ["5"]


def test_full_scan_pages_through_everything(conn, sim):
    sim.clear_requests()
    assert query(conn, "SELECT count(*) FROM hubspot.contacts")[0][0] >= 30
    made = calls(sim)
    # planning asks HubSpot for the total once (a one-record search); the scan lists pages
    gets = [c for c in made if c[0] == "GET"]
    assert len(gets) == 2 and set(gets) == {("GET", "/crm/v3/objects/contacts")}  # 120 records, pages of 100
    assert all(r["body"]["limit"] == 1 for r in sim.requests() if r["method"] == "POST")


def test_unpushable_conditions_are_filtered_by_postgres(conn, sim):
    rows = query(conn, "SELECT id FROM hubspot.contacts WHERE lower(email) LIKE '%%example%%' OR firstname IS NULL")
    expected = [(r[0],) for r in all_contacts(conn)
                if (r[1] and "example" in r[1].lower()) or r[2] is None]
    assert sorted(rows) == sorted(expected)


def test_association_join_uses_batch_reads(conn, sim):
    rows = query(conn, """
        SELECT c.email, co.name, a.labels
          FROM hubspot.associations_company_contact a
          JOIN hubspot.contacts c ON c.id = a.contact_id
          JOIN hubspot.companies co ON co.id = a.company_id""")
    assert rows, "the seed associates contacts with companies"
    assert any(r[2] for r in rows), "some associations carry labels"
    company = query(conn, "SELECT company_id FROM hubspot.associations_company_contact LIMIT 1")[0][0]
    sim.clear_requests()
    query(conn, "SELECT contact_id FROM hubspot.associations_company_contact WHERE company_id = %s", (company,))
    assert calls(sim) == [("POST", "/crm/v4/associations/companies/contacts/batch/read")]


def test_owners_and_pipelines(conn):
    assert len(query(conn, "SELECT id, email FROM hubspot.owners")) == 3
    stages = query(conn, "SELECT p.label, s.label FROM hubspot.pipeline_stages s "
                         "JOIN hubspot.pipelines p ON p.id = s.pipeline_id AND p.object_type = s.object_type")
    assert stages


def test_get_rel_size_uses_hubspot_totals_only_with_use_remote_estimate(conn):
    def estimate() -> int:
        plan = "\n".join(r[0] for r in query(conn, "EXPLAIN SELECT * FROM hubspot.contacts"))
        return int(plan.split("rows=")[1].split()[0])

    assert estimate() == 1000       # no cache, no recorded total: the default (test_live_estimates.py)
    query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (ADD use_remote_estimate 'true')")
    try:
        assert estimate() == query(conn, "SELECT count(*) FROM hubspot.contacts")[0][0]
    finally:
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (DROP use_remote_estimate)")
