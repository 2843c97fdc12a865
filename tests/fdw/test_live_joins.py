"""Live joins that do not multiply HubSpot requests: a rescan with unchanged parameters
replays its rows, a parameterized scan on ids reads each id once by batch read, the
planner's costs keep a 4-way join to a handful of requests even on a new connection
(planning asks HubSpot nothing unless use_remote_estimate is on), and EXPLAIN ANALYZE
says how many requests each scan made (simulator request log as the witness)."""

from __future__ import annotations

import re
from contextlib import closing, contextmanager
from typing import Iterator

import psycopg2
import pytest

from fdw.conftest import SIZES, query
from pg_harness import Database
from hubspot_fdw.simulator.process import SimulatorProcess, start_simulator

FOUR_WAY = ("SELECT d.dealname, c.name, o.email FROM hubspot.deals d "
            "JOIN hubspot.associations_company_deal a ON a.deal_id = d.id "
            "JOIN hubspot.companies c ON c.id = a.company_id "
            "JOIN hubspot.owners o ON o.id = d.hubspot_owner_id")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    sizes = dict(SIZES, deals=20, companies=40)
    with start_simulator(seed=11, no_limits=True, index_lag_ms=0, **sizes) as process:
        yield process


@pytest.fixture
def live(conn):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    return conn


def made(sim: SimulatorProcess) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sim.requests()]


def requests_of(sim: SimulatorProcess, conn, sql: str) -> tuple[list[tuple], list[str]]:
    sim.clear_requests()
    rows = query(conn, sql)
    return rows, made(sim)


def new_live_connection(db: Database) -> psycopg2.extensions.connection:
    """A new backend reading live from its first statement (nothing run in it before)."""
    connection = psycopg2.connect(db.dsn, options="-c hubspot_fdw.read_mode=live")
    connection.autocommit = True
    return connection


@contextmanager
def option_set(conn, target: str, value: str) -> Iterator[None]:
    query(conn, f"ALTER {target} OPTIONS (ADD use_remote_estimate %s)", (value,))
    try:
        yield
    finally:
        query(conn, f"ALTER {target} OPTIONS (DROP use_remote_estimate)")


def test_new_connection_plans_without_asking_hubspot(db, sim):
    sim.clear_requests()
    with closing(new_live_connection(db)) as fresh:
        query(fresh, "EXPLAIN " + FOUR_WAY)
    assert made(sim) == []


def test_four_way_live_join_on_a_new_connection_costs_at_most_five_requests(db, sim):
    sim.clear_requests()
    with closing(new_live_connection(db)) as fresh:
        rows = query(fresh, FOUR_WAY)
    requests = made(sim)
    assert len(rows) >= 15 and len(requests) <= 5, requests
    assert not [r for r in requests if r.endswith("/search")], requests


def test_use_remote_estimate_on_the_server_counts_each_object_table_when_planning(conn, db, sim):
    with option_set(conn, "SERVER hubspot", "true"):
        sim.clear_requests()
        with closing(new_live_connection(db)) as fresh:
            query(fresh, "EXPLAIN " + FOUR_WAY)
            planned = made(sim)
            sim.clear_requests()
            rows = query(fresh, FOUR_WAY)     # the totals are kept: no second count
            ran = made(sim)
    assert sorted(planned) == ["POST /crm/v3/objects/companies/search", "POST /crm/v3/objects/deals/search"]
    assert len(rows) >= 15 and len(ran) <= 5 and not [r for r in ran if r.endswith("/search")], ran


def test_use_remote_estimate_on_one_table_counts_that_table_only(conn, db, sim):
    with option_set(conn, "FOREIGN TABLE hubspot.companies", "on"):
        sim.clear_requests()
        with closing(new_live_connection(db)) as fresh:
            query(fresh, "EXPLAIN " + FOUR_WAY)
    assert made(sim) == ["POST /crm/v3/objects/companies/search"]


def test_use_remote_estimate_false_asks_nothing(conn, db, sim):
    with option_set(conn, "SERVER hubspot", "false"):
        sim.clear_requests()
        with closing(new_live_connection(db)) as fresh:
            query(fresh, "EXPLAIN " + FOUR_WAY)
    assert made(sim) == []


def test_four_way_join_agrees_with_a_join_of_the_listings(live, sim):
    rows = query(live, FOUR_WAY)
    deals = {i: (n, o) for i, n, o in query(live, "SELECT id, dealname, hubspot_owner_id FROM hubspot.deals")}
    companies = dict(query(live, "SELECT id, name FROM hubspot.companies"))
    owners = dict(query(live, "SELECT id, email FROM hubspot.owners"))
    pairs = query(live, "SELECT company_id, deal_id FROM hubspot.associations_company_deal")
    expected = [(deals[d][0], companies[c], owners[deals[d][1]]) for c, d in pairs
                if d in deals and c in companies and deals[d][1] in owners]
    assert sorted(rows) == sorted(expected) and rows


def test_rescan_with_unchanged_parameters_replays(live, sim):
    query(live, "SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off; "
                "SET enable_memoize = off")
    sql = "SELECT d.id, o.email FROM hubspot.deals d JOIN hubspot.owners o ON o.email <> d.id"
    rows, made = requests_of(sim, live, sql)
    assert len(rows) == 20 * len(query(live, "SELECT 1 FROM hubspot.owners"))
    assert made.count("GET /crm/v3/owners") == 1 and made.count("GET /crm/v3/objects/deals") == 1, made
    plan = "\n".join(r[0] for r in query(live, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql))
    # whichever side the planner puts inside, it runs once per outer row and replays after the first
    inner = re.search(r"HubSpot requests: 1 \((\d+) executions, (\d+) replayed\)", plan)
    assert inner and int(inner.group(1)) in (3, 20) and int(inner.group(2)) == int(inner.group(1)) - 1, plan


def test_parameterized_scan_reads_each_id_once(live, sim):
    ids = [r[0] for r in query(live, "SELECT id FROM hubspot.companies ORDER BY id LIMIT 3")]
    outer = [ids[0], ids[1], ids[0], ids[2], ids[1], ids[0]]
    sql = ("SELECT v.id, (SELECT c.name FROM hubspot.companies c WHERE c.id = v.id) "
           "FROM unnest(%s::text[]) WITH ORDINALITY v(id, n) ORDER BY n")
    sim.clear_requests()
    rows = query(live, sql, (outer,))
    made = [(r["method"], r["path"]) for r in sim.requests()]
    names = dict(query(live, "SELECT id, name FROM hubspot.companies"))
    assert rows == [(i, names[i]) for i in outer]
    assert made == [("POST", "/crm/v3/objects/companies/batch/read")] * 3, made


def test_default_plan_joins_live_tables_by_hash_not_by_rescans(live):
    plan = "\n".join(r[0] for r in query(live, "EXPLAIN (COSTS OFF) " + FOUR_WAY))
    assert "Nested Loop" not in plan and plan.count("Foreign Scan") == 4, plan


def test_explain_analyze_counts_requests(live, sim):
    plan = "\n".join(r[0] for r in query(live, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + FOUR_WAY))
    counted = sum(int(line.split("HubSpot requests: ")[1].split()[0]) for line in plan.splitlines()
                  if "HubSpot requests: " in line)
    sim.clear_requests()
    query(live, FOUR_WAY)
    assert counted == len(sim.requests()) and counted > 0
    assert "HubSpot requests" not in "\n".join(r[0] for r in query(live, "EXPLAIN " + FOUR_WAY))
