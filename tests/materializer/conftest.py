"""Fixtures for materializer tests: a small simulator (real process), a database with the
extension, a server and a user mapping pointing at it, and helpers to compare the cache
with what the simulator's API returns."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Any, Iterator

import pytest

from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.cache import association_row_from, object_row, sync_hash
from hubspot_fdw.cache.runner import PsycopgRunner
from hubspot_fdw.catalog.build import build_catalog
from hubspot_fdw.catalog.sql import quote_ident
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.engine import Materializer
from hubspot_fdw.materializer.objects import properties_of
from hubspot_fdw.simulator.process import start_simulator

from pg_harness import Database, create_database

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIZES = dict(contacts=120, companies=30, deals=25, tickets=0, products=0, line_items=0, quotes=0, calls=0,
             emails=0, meetings=0, notes=0, tasks=0, communications=0, postal_mail=0, cars=0, service_requests=0)
TABLES = ["contacts", "companies", "deals", "associations_company_contact", "associations_contact_deal",
          "associations_company_deal", "owners", "pipelines", "pipeline_stages"]
FAST = SyncConfig(poll_interval=0.2, lookback_ms=5_000, index_lag_allowance_ms=0, sweep_interval=0,
                  reconcile_interval=3600, metadata_interval=0, use_budget=False)


def start_sim(**extra: Any):
    # a UTC portal: sync_status compares the sync's budget day (the portal's date) with the
    # session's current_date (UTC here); test_daily_budget.py runs a portal in Asia/Tokyo
    options = dict(seed=11, no_limits=True, index_lag_ms=0, owners=5, time_zone="UTC", **SIZES)
    options.update(extra)
    return start_simulator(**options)


def setup_server(db: Database, sim, schema: str = "hubspot_cache", imported=TABLES) -> None:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("DROP SERVER IF EXISTS hubspot CASCADE")
        cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw "
                    "OPTIONS (api_url %s, cache_schema %s, use_budget 'false')", (sim.base_url, schema))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        cur.execute(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
        cur.execute("DELETE FROM hubspot_fdw.sync_state; DELETE FROM hubspot_fdw.sync_errors; "
                    "DELETE FROM hubspot_fdw.cache_portals; DELETE FROM hubspot_fdw.deleted_records; "
                    "DELETE FROM hubspot_fdw.sync_budget")
        if imported:
            cur.execute("DROP SCHEMA IF EXISTS hubspot CASCADE; CREATE SCHEMA hubspot")
            cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({', '.join(imported)}) FROM SERVER hubspot INTO hubspot")


def client_for(sim) -> HubSpotClient:
    return HubSpotClient(sim.base_url, sim.token, use_budget=False)


def materializer(db: Database, sim, tables=TABLES, config: SyncConfig = FAST) -> tuple[Materializer, Any]:
    conn = db.connect(autocommit=False)
    m = Materializer(client_for(sim), PsycopgRunner(conn), "hubspot", "hubspot_cache", tables=tables, config=config)
    return m, conn


def sync_once_live(db: Database, sim, tables: list[str]) -> None:
    """One sync pass over ``tables``; every one of them ends live."""
    m, conn = materializer(db, sim, tables=tables)
    try:
        results = m.run_once()
        assert {n: s.phase for n, s in results.items()} == {n: "live" for n in tables}
    finally:
        conn.close()


def sync_command(db: Database, *args: str) -> list[str]:
    return [sys.executable, "-c", "from hubspot_fdw.cli import main; main()", "sync", "--dsn", db.dsn,
            "--server", "hubspot", "--no-budget", "--progress", "log", "--lookback-ms", "5000",
            "--index-lag-ms", "0", "--sweep-interval", "0", "--metadata-interval", "0", *args]


def run_sync(db: Database, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(sync_command(db, *args), env=env, capture_output=True, text=True, timeout=timeout)


def popen_sync(db: Database, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(sync_command(db, *args), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def kill_sync_when(db: Database, tables: str, condition: str, *args: str, timeout: float = 60) -> None:
    """Start the daemon on ``tables``, SIGKILL it as soon as ``condition`` (SQL on sync_state) holds."""
    proc = popen_sync(db, "--tables", tables, *args)
    deadline = time.monotonic() + timeout
    try:
        with db.connect() as c, c.cursor() as cur:
            while time.monotonic() < deadline and proc.poll() is None:
                cur.execute(f"SELECT count(*) FROM hubspot_fdw.sync_state WHERE {condition}")
                if cur.fetchone()[0]:
                    break
                time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)


# -- expectations from the simulator's API ---------------------------------------------------
def expected(sim, tables=TABLES) -> dict[str, dict[tuple, str]]:
    """table → {key: _sync_hash} of what HubSpot (the simulator) holds now."""
    client = client_for(sim)
    catalog = build_catalog(client, only=["contacts", "companies", "deals"])
    out: dict[str, dict[tuple, str]] = {}
    for name in tables:
        spec = catalog.table(name)
        if spec.kind == "object":
            rows = [object_row(spec, r) for r in client.iter_objects(spec.object_type.api_path,
                                                                       properties=properties_of(spec))]
            out[name] = {r.key: r.sync_hash for r in rows}
        elif spec.kind == "association":
            first, second = spec.pair.first, spec.pair.second
            ids = [r.id for r in client.iter_objects(first.api_path, properties=["hs_object_id"])]
            rows = [association_row_from(spec, first.singular, a)
                    for a in client.batch_read_associations(first.api_path, second.api_path, ids)]
            out[name] = {r.key: r.sync_hash for r in rows}
    return out


def cached(db: Database, tables=TABLES, schema: str = "hubspot_cache") -> dict[str, dict[tuple, str]]:
    """table → {key: _sync_hash} in the cache; asserts stored values re-hash to _sync_hash."""
    out: dict[str, dict[tuple, str]] = {}
    with db.connect() as conn, conn.cursor() as cur:
        for name in tables:
            if name in ("owners", "pipelines", "pipeline_stages"):
                continue
            cur.execute(f"SELECT * FROM {quote_ident(schema)}.{quote_ident(name)}")
            cols = [d[0] for d in cur.description]
            table: dict[tuple, str] = {}
            for values in cur.fetchall():
                row = dict(zip(cols, values))
                key = (row["id"],) if "id" in row else (values[0], values[1])
                assert key not in table, f"duplicate {name} {key}"
                assert sync_hash(row) == row["_sync_hash"], f"{name} {key} stored values differ from hash"
                table[key] = row["_sync_hash"]
            out[name] = table
    return out


def assert_exact(db: Database, sim, tables=TABLES) -> None:
    want, have = expected(sim, tables), cached(db, tables)
    for name in want:
        missing = set(want[name]) - set(have[name])
        extra = set(have[name]) - set(want[name])
        differ = [k for k in want[name] if k in have[name] and want[name][k] != have[name][k]]
        assert not missing and not extra and not differ, (
            f"{name}: missing {sorted(missing)[:5]} extra {sorted(extra)[:5]} differ {differ[:5]}")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with start_sim() as s:
        yield s


@pytest.fixture(scope="module")
def db(postgresql_proc, request) -> Database:
    return create_database(postgresql_proc, "t_m_" + request.module.__name__.rsplit(".", 1)[-1], None)
