"""A database that uses upstream Multicorn2 instead of CREATE EXTENSION hubspot_fdw:
``hubspot-fdw setup`` creates the sync's objects, ``hubspot-fdw sync --once`` fills the
cache there, and the wrapper (driven as Multicorn does, in plain Python) reads it through
cache_dsn. Upstream itself is not installed here: the database gets a handler-less
``multicorn`` FDW, which gives the catalogs exactly the layout upstream's would.

Also: the shipped script is what the extension's scripts generate (no drift), and it
defines the same tables, columns and views as the extension."""

from __future__ import annotations

import pathlib

import psycopg2
import pytest
from click.testing import CliRunner

from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.catalog import build_catalog
from hubspot_fdw.cli import main
from hubspot_fdw.fdw import HubSpotFdw
from hubspot_fdw.fdw.importer import definition
from hubspot_fdw.sql import multicorn_setup_sql
from hubspot_fdw.sql.extract import build, relations
from pg_harness import Database

from fdw.conftest import SIZES

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plain_db(postgresql_proc) -> Database:
    """A database without the hubspot_fdw extension."""
    name = "mc_setup_plain"
    admin = psycopg2.connect(host=postgresql_proc.host, port=postgresql_proc.port, user=postgresql_proc.user,
                             dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return Database(postgresql_proc, name)


def _columns(db: Database) -> dict[str, list[tuple]]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name, column_name, data_type, is_nullable, column_default "
                    "FROM information_schema.columns WHERE table_schema = 'hubspot_fdw' "
                    "ORDER BY table_name, ordinal_position")
        result: dict[str, list[tuple]] = {}
        for table, *column in cur.fetchall():
            result.setdefault(table, []).append(tuple(column))
        return result


def test_shipped_script_is_generated_from_the_extension_scripts():
    assert build(REPO / "sql") == multicorn_setup_sql(), \
        "run: python -m hubspot_fdw.sql.extract sql > hubspot_fdw/sql/multicorn_setup.sql"
    assert {"sync_state", "sync_errors", "sync_status", "cache_portals"} <= set(relations(multicorn_setup_sql()))
    assert "_python_call" not in multicorn_setup_sql().split("CREATE SCHEMA")[1]


def test_setup_needs_no_extension_and_matches_it(db, plain_db):
    runner = CliRunner()
    first = runner.invoke(main, ["setup", "--dsn", plain_db.dsn])
    assert first.exit_code == 0, first.output
    assert "sync_state" in first.output and "cache_portals" in first.output
    again = runner.invoke(main, ["setup", "--dsn", plain_db.dsn])  # repeatable (upgrades)
    assert again.exit_code == 0, again.output
    with plain_db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'hubspot_fdw'")
        assert cur.fetchone()[0] == 0
    # the same tables, views and columns as CREATE EXTENSION hubspot_fdw (the db fixture)
    assert _columns(plain_db) == _columns(db)
    on_extension = runner.invoke(main, ["setup", "--dsn", db.dsn])
    assert on_extension.exit_code == 0 and "nothing to do" in on_extension.output


def test_setup_reports_a_bad_dsn_cleanly():
    result = CliRunner().invoke(main, ["setup", "--dsn", "host=127.0.0.1 port=1 dbname=x connect_timeout=2"])
    assert result.exit_code != 0 and "cannot connect" in result.output


def test_sync_end_to_end_in_a_multicorn_database(plain_db, sim):
    CliRunner().invoke(main, ["setup", "--dsn", plain_db.dsn])
    with plain_db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE FOREIGN DATA WRAPPER multicorn")  # upstream's FDW, minus its handler
        cur.execute("CREATE SERVER mc FOREIGN DATA WRAPPER multicorn OPTIONS "
                    "(wrapper 'hubspot_fdw.HubSpotFdw', api_url %s, max_retries '1', cache_schema 'mc_cache')",
                    (sim.base_url,))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER mc OPTIONS (access_token %s, cache_dsn %s)",
                    (sim.token, plain_db.dsn))
    result = CliRunner().invoke(main, ["sync", "--dsn", plain_db.dsn, "--server", "mc", "--once",
                                       "--tables", "contacts", "--no-budget", "--progress", "off"])
    assert result.exit_code == 0, result.output
    with plain_db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT phase, backfill_done, records_stored FROM hubspot_fdw.sync_status "
                    "WHERE server_name = 'mc' AND table_name = 'contacts'")
        phase, done, stored = cur.fetchone()
        cur.execute("SELECT count(*) FROM mc_cache.contacts")
        cached = cur.fetchone()[0]
    assert done and phase == "live" and stored == cached == SIZES["contacts"]

    # what Multicorn hands the wrapper: table, then server, then user-mapping options
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    table = definition(build_catalog(client, only=["contacts"]).table("contacts"))
    merged = {**table.options, "server": "mc", "api_url": sim.base_url, "max_retries": "1",
              "cache_schema": "mc_cache", "access_token": sim.token, "cache_dsn": plain_db.dsn}
    fdw = HubSpotFdw(merged, {c.column_name: c for c in table.columns})
    assert fdw.explain([], {"id"})[0] == "HubSpot read mode: cache (option read_mode = auto, backfill finished)"
    assert len(list(fdw.execute([], {"id", "email"}))) == SIZES["contacts"]


def test_rerun_skips_an_alter_table_already_applied(plain_db):
    from hubspot_fdw.multicorn_setup import run_script

    script = ("CREATE SCHEMA IF NOT EXISTS t_rerun;\n\n-- [setup] from x.sql\nCREATE TABLE IF NOT EXISTS t_rerun.a (n int);"
              "\n\n-- [setup] from x.sql\nALTER TABLE t_rerun.a ADD CONSTRAINT a_positive CHECK (n > 0);\n")
    with plain_db.connect(autocommit=False) as conn:
        for _ in range(2):
            with conn.cursor() as cur:
                run_script(cur, script)
            conn.commit()
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.UndefinedColumn):
            run_script(cur, script.replace("CHECK (n > 0)", "CHECK (missing > 0)").replace("a_positive", "b"))
        conn.rollback()
