"""Fixtures for the wrapper tests: the simulator as a real process and a database with
the extension, a server pointing at the simulator, the user mapping and the imported
schema ``hubspot``.

Each test module gets its own simulator and database, so request logs and records do
not leak between modules.
"""

from __future__ import annotations

from typing import Any, Iterator

import psycopg2
import pytest

from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.simulator.process import SimulatorProcess, start_simulator
from pg_harness import Database, create_database

SIZES = dict(contacts=120, companies=8, deals=10, tickets=4, products=3, line_items=4, quotes=2, calls=2,
             emails=2, meetings=2, notes=2, tasks=2, communications=1, postal_mail=1, cars=3,
             service_requests=2, owners=3)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with start_simulator(seed=7, no_limits=True, index_lag_ms=0, **SIZES) as process:
        yield process


def setup_server(conn: Any, sim: SimulatorProcess, server: str = "hubspot", extra: str = "") -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE SERVER {server} FOREIGN DATA WRAPPER hubspot_fdw "
                    f"OPTIONS (api_url %s, max_retries '1', timeout '10'{extra})", (sim.base_url,))
        cur.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS (access_token %s)",
                    (sim.token,))


@pytest.fixture(scope="module")
def db(postgresql_proc, sim, request) -> Database:
    name = "fdw_" + request.module.__name__.rsplit(".", 1)[-1]
    database = create_database(postgresql_proc, name, None)
    with database.connect() as conn:
        setup_server(conn, sim)
        with conn.cursor() as cur:
            cur.execute("CREATE SCHEMA hubspot")
            cur.execute("IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hubspot")
    return database


@pytest.fixture(scope="module")
def client(sim: SimulatorProcess) -> HubSpotClient:
    """A client of the module's simulator that bypasses the shared rate budget."""
    return HubSpotClient(sim.base_url, sim.token, use_budget=False)


@pytest.fixture(scope="module")
def cached(db: Database, sim: SimulatorProcess) -> None:
    """contacts and deals in the cache, their backfill marked done."""
    fill_cache(db, sim, ["contacts", "deals"])


@pytest.fixture
def conn(db: Database) -> Iterator[psycopg2.extensions.connection]:
    connection = db.connect()
    yield connection
    connection.close()


def query(conn: Any, sql: str, params: Any = None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def explain(conn: Any, sql: str, params: Any = None) -> str:
    return "\n".join(r[0] for r in query(conn, "EXPLAIN (VERBOSE, COSTS OFF) " + sql, params))


def api_calls(sim: SimulatorProcess) -> list[dict[str, Any]]:
    """HubSpot API requests since the last clear (admin calls are never logged)."""
    return [r for r in sim.requests()]


def fill_cache(db: Database, sim: SimulatorProcess, names: list[str], server: str = "hubspot",
               schema: str = "hubspot_cache", backfill_done: bool = True) -> None:
    """What the materializer does, through hubspot_fdw.cache: create the cache tables of
    ``names``, fill them from the simulator, mark the backfill done in sync_state."""
    from hubspot_fdw.api import HubSpotClient
    from hubspot_fdw.cache import (PsycopgRunner, association_row_from, ensure_table_sql, object_row,
                                   upsert_statements)
    from hubspot_fdw.catalog import build_catalog

    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    catalog = build_catalog(client)
    with db.connect(autocommit=False) as connection:
        runner = PsycopgRunner(connection)
        for name in names:
            spec = catalog.table(name)
            for sql in ensure_table_sql(spec, schema):
                runner.execute(sql)
            runner.execute(f'TRUNCATE "{schema}"."{name}"')
            if spec.kind == "object":
                properties = [c.property_name for c in spec.property_columns]
                rows = [object_row(spec, r) for r in client.iter_objects(spec.object_type.api_path,
                                                                          properties=properties)]
            else:
                first = [r.id for r in client.iter_objects(spec.pair.first.api_path)]
                rows = [association_row_from(spec, spec.pair.first.singular, a) for a in
                        client.batch_read_associations(spec.pair.first.api_path, spec.pair.second.api_path, first)]
            for sql, params in upsert_statements(spec, schema, rows):
                runner.execute(sql, params)
            runner.execute("INSERT INTO hubspot_fdw.sync_state (server_name, table_name, cache_schema, phase, "
                           "backfill_done) VALUES ($1, $2, $3, 'live', $4) ON CONFLICT (server_name, table_name) "
                           "DO UPDATE SET backfill_done = EXCLUDED.backfill_done",
                           [server, name, schema, backfill_done])
        connection.commit()
