"""ORDER BY … LIMIT on live tables: pushed to HubSpot where HubSpot orders as PostgreSQL
does (shown by EXPLAIN, counted in the simulator's request log), and the same rows as
PostgreSQL sorting the cache table."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from fdw.conftest import explain, query
from hubspot_fdw.api.models import HubSpotObject, Page
from hubspot_fdw.fdw.id_order import IdWalk


@pytest.fixture(autouse=True)
def live(conn, cached):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")


def cache_order(conn, sql: str) -> list[tuple]:
    """The same query read from the cache table, sorted by PostgreSQL."""
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    try:
        return query(conn, sql)
    finally:
        query(conn, "SET hubspot_fdw.read_mode = 'live'")


def searches(sim) -> list[dict]:
    return [r for r in sim.requests() if r["path"].endswith("/search")]


@pytest.mark.parametrize("sql", [
    "SELECT id, email FROM hubspot.contacts ORDER BY id LIMIT 1",
    "SELECT id, email FROM hubspot.contacts ORDER BY id LIMIT 7",
    "SELECT id FROM hubspot.contacts ORDER BY id DESC LIMIT 3",
    "SELECT id FROM hubspot.contacts ORDER BY id DESC NULLS LAST LIMIT 2 OFFSET 2",
])
def test_order_by_id_limit_is_a_sorted_search(conn, sim, sql):
    plan = explain(conn, sql)
    assert "Sort Key" not in plan and '"propertyName": "hs_object_id"' in plan
    sim.clear_requests()
    assert query(conn, sql) == cache_order(conn, sql)
    made = sim.requests()
    # ids of one length: the first n, then one request that finds no longer id
    assert [r["path"] for r in made] == ["/crm/v3/objects/contacts/search"] * 2
    assert made[0]["body"]["sorts"][0]["propertyName"] == "hs_object_id"
    assert made[0]["body"]["limit"] == int(sql.split("LIMIT ")[1].split()[0]) + (2 if "OFFSET" in sql else 0)


def test_order_by_id_limit_beyond_the_table_is_one_request(conn, sim):
    sql = "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 150"     # 120 contacts
    sim.clear_requests()
    assert query(conn, sql) == cache_order(conn, sql)
    assert len(sim.requests()) == 1


def test_order_by_id_with_a_condition(conn, sim):
    sql = "SELECT id, lifecyclestage FROM hubspot.contacts WHERE lifecyclestage = 'lead' ORDER BY id DESC LIMIT 4"
    sim.clear_requests()
    assert query(conn, sql) == cache_order(conn, sql)
    filters = searches(sim)[0]["body"]["filterGroups"][0]["filters"]
    assert {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"} in filters


@pytest.mark.parametrize("sql, reads", [
    ("SELECT id, email FROM hubspot.contacts ORDER BY id", "GET"),
    ("SELECT id FROM hubspot.contacts ORDER BY id DESC", "POST"),
    ("SELECT id FROM hubspot.contacts WHERE lifecyclestage = 'lead' ORDER BY id", "POST"),
])
def test_order_by_id_without_limit_streams_in_id_order(conn, sim, sql, reads):
    """Two one-record searches show that every id has the same length; then the rows
    stream in HubSpot's id order (list pages, or a search sorted by hs_object_id)."""
    assert "Sort Key" not in explain(conn, sql)
    sim.clear_requests()
    assert query(conn, sql) == cache_order(conn, sql)
    made = sim.requests()
    assert [r["body"]["limit"] for r in made[:2]] == [1, 1]
    assert {r["method"] for r in made[2:]} == {reads}


@pytest.mark.parametrize("sql", [
    "SELECT id, created_at FROM hubspot.contacts ORDER BY created_at DESC LIMIT 1",
    "SELECT id, amount FROM hubspot.deals ORDER BY amount NULLS FIRST LIMIT 4",
    "SELECT id, closedate FROM hubspot.deals ORDER BY closedate DESC NULLS LAST LIMIT 2",
])
def test_order_by_number_or_date_limit_is_pushed(conn, sim, sql):
    plan = explain(conn, sql)
    assert "Sort Key" not in plan and '"sorts"' in plan
    sim.clear_requests()
    rows = query(conn, sql)
    expected = cache_order(conn, sql)
    assert [r[1] for r in rows] == [r[1] for r in expected]   # ties may come in either order
    assert 1 <= len(searches(sim)) <= 2 and len(sim.requests()) == len(searches(sim))


def test_order_by_text_is_sorted_by_postgres(conn, sim):
    sql = "SELECT id, email FROM hubspot.contacts ORDER BY email LIMIT 3"
    plan = explain(conn, sql)
    assert "Sort Key: contacts.email" in plan
    rows = query(conn, sql)
    assert [r[1] for r in rows] == [r[1] for r in cache_order(conn, sql)]


class Numbered:
    """A stand-in HubSpot search over a set of ids of mixed lengths, sorted numerically
    as HubSpot sorts ``hs_object_id``, with GTE/LT filters: checks the walk's merge."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.requests = 0

    def search(self, object_type, *, filter_groups, properties, sort=None, limit=None):
        self.requests += 1
        found = sorted(self.ids, reverse=sort is not None and sort[1] == "DESCENDING")
        for f in [f for g in filter_groups for f in g]:
            bound = int(f.value)
            found = [i for i in found if (i >= bound if f.operator == "GTE" else i < bound)]
        return iter([HubSpotObject(id=str(i), properties={}) for i in found[:limit]])

    def iter_pages(self, object_type, *, properties, limit):
        ids = sorted(self.ids)
        for start in range(0, len(ids), limit):
            self.requests += 1
            yield Page([HubSpotObject(id=str(i), properties={}) for i in ids[start:start + limit]], None)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 3, 25])
def test_id_walk_merges_id_lengths_as_text(descending, limit):
    ids = [7, 9, 12, 95, 100, 101, 350, 1000, 1001, 20000, 3, 88888, 5] + list(range(400, 420))
    fake = Numbered(ids)
    got = [r.id for r in IdWalk("contacts", [], ["hs_object_id"], limit, descending).records(fake)]
    assert got == sorted((str(i) for i in ids), reverse=descending)[:limit]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("ids", [[7, 9, 12, 95, 100, 1000, 3, 88888], list(range(500, 750))])
def test_id_order_without_limit_is_text_order(descending, ids):
    fake = Numbered(ids)
    got = [r.id for r in IdWalk("contacts", [], ["hs_object_id"], 1, descending).everything(fake)]
    assert got == sorted((str(i) for i in ids), reverse=descending)


@given(ids=st.sets(st.integers(min_value=1, max_value=10 ** 7), min_size=1, max_size=60),
       limit=st.integers(min_value=1, max_value=8), descending=st.booleans())
def test_id_walk_is_text_order_and_stops_when_the_first_answer_settles_it(ids, limit, descending):
    fake = Numbered(sorted(ids))
    walk = IdWalk("contacts", [], ["hs_object_id"], limit, descending)
    got = [r.id for r in walk.records(fake)]
    assert got == sorted((str(i) for i in ids), reverse=descending)[:limit]
    first = sorted(ids, reverse=descending)[:limit]
    text_last = min(map(str, first)) if descending else max(map(str, first))
    settled = (len(ids) < limit or (set(text_last[:-1]) <= {"9"} if descending
                                     else text_last.strip("0") == "1"))
    assert (fake.requests == 1) == settled


def test_order_by_id_limit_1_is_one_request_when_the_lowest_id_is_a_power_of_ten():
    fake = Numbered([1] + list(range(2, 5000, 7)))
    assert [r.id for r in IdWalk("contacts", [], ["hs_object_id"], 1, False).records(fake)] == ["1"]
    assert fake.requests == 1
