"""A new kind of table is synced by registering its strategy, with no change to the engine:
its order among the kinds, its backfill, its live step and its daily cost (in the plan
sync_budget shows) all come from the strategy. The kind here keeps each object type's
record count (HubSpot's search total), one call a type."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.cache import CacheRow, sync_hash
from hubspot_fdw.catalog.build import Catalog, build_catalog
from hubspot_fdw.catalog.columns import ColumnSpec, TableSpec
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.cache.runner import PsycopgRunner
from hubspot_fdw.materializer import strategies
from hubspot_fdw.materializer.context import Context, now_utc
from hubspot_fdw.materializer.engine import Materializer, catalog_types
from hubspot_fdw.materializer.planner import DAY, Planner
from hubspot_fdw.materializer.state import SyncState
from hubspot_fdw.materializer.strategies import Strategy

from tests.materializer.conftest import FAST, client_for, setup_server

COUNTED = ("companies", "contacts")
TABLE = "record_counts"
PER_DAY = 24.0 * len(COUNTED)     # the strategy's daily cost: every type counted hourly
CONFIG = replace(FAST, metadata_interval=3600)  # a plan well within the daily share


class RecordCounts(Strategy):
    order = -1                    # before the object tables

    def claims(self, name: str) -> bool:
        return name == TABLE

    def catalog_types(self, name: str, registry: Registry) -> set[str]:
        return set()              # counts need no properties

    def _count(self, ctx: Context, spec: TableSpec, state: SyncState, client) -> int:
        rows = []
        for table in COUNTED:
            values = {"id": table, "records": client.count(ctx.catalog.registry.get(table).api_path)}
            rows.append(CacheRow(spec.name, {**values, "_sync_hash": sync_hash(values)}, (table,)))
        written = ctx.store.write(spec, rows).written
        state.rows_written += written
        return written

    def backfill(self, ctx: Context, spec: TableSpec, state: SyncState) -> bool:
        self._count(ctx, spec, state, ctx.client_backfill)
        state.finish_backfill(now_utc())
        ctx.checkpoint(state)
        return True

    def live(self, ctx: Context, spec: TableSpec, state: SyncState, planner: Planner | None) -> int | None:
        changed = self._count(ctx, spec, state, ctx.client_live)
        state.cursors["live_steps"] = state.cursors.get("live_steps", 0) + 1
        ctx.checkpoint(state)
        return changed

    def daily_cost(self, ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
        return PER_DAY


SPEC = TableSpec(TABLE, "record_counts", (ColumnSpec("id", "text", kind="id"),
                                          ColumnSpec("records", "bigint", kind="field")))


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(strategies.STRATEGIES, SPEC.kind, RecordCounts())


def _materializer(db, sim, tables: list[str]) -> tuple[Materializer, object]:
    client = client_for(sim)
    catalog = build_catalog(client, only=list(COUNTED))
    catalog = Catalog(catalog.registry, {**catalog.tables, SPEC.name: SPEC})
    conn = db.connect(autocommit=False)
    m = Materializer(client, PsycopgRunner(conn), "hubspot", "hubspot_cache", tables=tables, config=CONFIG,
                     catalog=catalog)
    return m, conn


def _cached_counts(db) -> dict[str, int]:
    with db.connect() as c, c.cursor() as cur:
        cur.execute(f"SELECT id, records FROM hubspot_cache.{TABLE}")
        return dict(cur.fetchall())


def _steady_per_day(db) -> int:
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT steady_per_day FROM hubspot_fdw.sync_budget WHERE server_name = 'hubspot'")
        return cur.fetchone()[0]


def test_registered_kind_is_synced_by_its_strategy(db, sim, registered) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts", "companies"])
    assert catalog_types([TABLE, "contacts"]) == ["contacts"]   # the name is the new kind's

    m, conn = _materializer(db, sim, ["contacts", TABLE])
    try:
        results = m.run_once()
    finally:
        conn.close()
    assert list(results) == [TABLE, "contacts"]             # its order among the kinds
    assert {n: s.phase for n, s in results.items()} == {TABLE: "live", "contacts": "live"}
    assert _cached_counts(db) == {"companies": 30, "contacts": 120}
    assert results[TABLE].cursors["live_steps"] == 1         # backfill, then a live step in the same pass
    with_counts = _steady_per_day(db)

    # the daemon's step runs its live step too, which sees a new contact
    sim.admin("POST", "/objects/contacts", {"properties": {"email": "counted@example.com"}})
    m, conn = _materializer(db, sim, ["contacts", TABLE])
    try:
        m.run_step()
        state = m.ctx.state(TABLE)
    finally:
        conn.close()
    assert state.phase == "live" and state.cursors["live_steps"] == 2
    assert _cached_counts(db) == {"companies": 30, "contacts": 121}

    # its daily cost is counted in the plan: without the table, the steady state is that much less
    m, conn = _materializer(db, sim, ["contacts"])
    try:
        m.run_once()
    finally:
        conn.close()
    assert with_counts - _steady_per_day(db) == PER_DAY < DAY


def test_a_kind_without_a_strategy_is_refused_by_name(db, sim) -> None:
    client = client_for(sim)
    catalog = build_catalog(client, only=["contacts"])
    catalog = Catalog(catalog.registry, {**catalog.tables, SPEC.name: SPEC})
    setup_server(db, sim, imported=["contacts"])
    conn = db.connect(autocommit=False)
    try:
        with pytest.raises(HubSpotFdwError, match="no sync strategy for its kind 'record_counts'") as info:
            Materializer(client, PsycopgRunner(conn), "hubspot", "hubspot_cache", tables=[TABLE], config=CONFIG,
                         catalog=catalog)
        assert info.value.sqlstate == "0A000"
    finally:
        conn.close()
