"""What a real portal relies on: only imported tables are synced; one cache per server,
stamped with its portal id (a mismatch is refused); archived, merged and GDPR-deleted
records leave and are listed with when and why; a re-import after a new property has no
failing window; the plan and its cost are visible in sync_status; the budget state is
private to the database's OS user."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess

import psycopg2
import pytest

from tests.materializer.conftest import materializer, run_sync, setup_server, start_sim


def _one(db, sql: str, params: tuple = ()):
    with db.connect() as c, c.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
        return row[0] if row else None


def _all(db, sql: str, params: tuple = ()):
    with db.connect() as c, c.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_only_imported_tables_are_synced(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts", "associations_company_contact"])
    done = run_sync(db, "--once")
    assert done.returncode == 0, done.stderr[-2000:]
    assert [r[0] for r in _all(db, "SELECT table_name FROM hubspot_fdw.sync_state ORDER BY 1")] == \
        ["associations_company_contact", "contacts"]
    assert [r[0] for r in _all(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'hubspot_cache' "
                                   "ORDER BY 1")] == ["associations_company_contact", "contacts"]
    # --tables narrows it
    setup_server(db, sim, imported=["contacts", "companies"])
    done = run_sync(db, "--once", "--tables", "companies")
    assert done.returncode == 0, done.stderr[-2000:]
    assert [r[0] for r in _all(db, "SELECT table_name FROM hubspot_fdw.sync_state")] == ["companies"]
    # nothing imported: a clear error, nothing synced
    setup_server(db, sim, imported=[])
    done = run_sync(db, "--once")
    assert done.returncode != 0 and "no foreign tables exist for server" in done.stderr


def _server(cur, name: str, sim, **options: str) -> None:
    opts = ", ".join(f"{k} %s" for k in ["api_url", "use_budget", *options])
    cur.execute(f"DROP SERVER IF EXISTS {name} CASCADE")
    cur.execute(f"CREATE SERVER {name} FOREIGN DATA WRAPPER hubspot_fdw OPTIONS ({opts})",
                (sim.base_url, "false", *options.values()))
    cur.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {name} OPTIONS (access_token %s)", (sim.token,))
    cur.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; DROP SCHEMA IF EXISTS {name}_cache CASCADE; "
                f"CREATE SCHEMA {name}")
    cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER {name} INTO {name}")


def test_two_portals_keep_separate_caches_and_a_mismatch_is_refused(db, sim) -> None:
    sim.reset()
    with start_sim(portal_id=4242, contacts=40) as sandbox:
        with db.connect() as c, c.cursor() as cur:
            cur.execute("DELETE FROM hubspot_fdw.cache_portals; DELETE FROM hubspot_fdw.sync_state")
            _server(cur, "prod", sim)
            _server(cur, "sandbox", sandbox)
        for server in ("prod", "sandbox"):
            done = run_sync(db, "--once", "--server", server)
            assert done.returncode == 0, done.stderr[-2000:]
        assert _one(db, "SELECT count(*) FROM prod_cache.contacts") == 120
        assert _one(db, "SELECT count(*) FROM sandbox_cache.contacts") == 40
        assert _one(db, "SELECT count(*) FROM sandbox.contacts") == 40
        assert _all(db, "SELECT cache_schema, server_name, portal_id FROM hubspot_fdw.cache_portals ORDER BY 1") == \
            [("prod_cache", "prod", 8765432), ("sandbox_cache", "sandbox", 4242)]

        # the sandbox server pointed at the production portal: refused, its cache untouched
        with db.connect() as c, c.cursor() as cur:
            cur.execute("ALTER SERVER sandbox OPTIONS (SET api_url %s)", (sim.base_url,))
        done = run_sync(db, "--once", "--server", "sandbox")
        assert done.returncode != 0
        assert "now reaches HubSpot portal 8765432" in done.stderr and "holds portal 4242" in done.stderr
        assert _one(db, "SELECT count(*) FROM sandbox_cache.contacts") == 40

        # a third server told to use prod's cache schema: refused by the sync and by reads
        with db.connect() as c, c.cursor() as cur:
            _server(cur, "intruder", sandbox, cache_schema="prod_cache")
        done = run_sync(db, "--once", "--server", "intruder")
        assert done.returncode != 0 and 'belongs to server "prod"' in done.stderr
        with db.connect() as c, c.cursor() as cur:
            cur.execute("INSERT INTO hubspot_fdw.sync_state (server_name, table_name, cache_schema, backfill_done) "
                        "VALUES ('intruder', 'contacts', 'prod_cache', true)")
            cur.execute("SET hubspot_fdw.read_mode = 'cache'")
            with pytest.raises(psycopg2.Error) as info:
                cur.execute("SELECT count(*) FROM intruder.contacts")
        assert info.value.pgcode == "55000" and 'belongs to server "prod"' in info.value.pgerror
        assert _one(db, "SELECT count(*) FROM prod_cache.contacts") == 120

        # a system schema is never a cache schema
        with db.connect() as c, c.cursor() as cur:
            for schema in ("pg_catalog", "information_schema", "public"):
                with pytest.raises(psycopg2.Error) as info:
                    cur.execute("ALTER SERVER prod OPTIONS (ADD cache_schema %s)", (schema,))
                assert info.value.pgcode == "HV00D", info.value.pgerror
                c.rollback()
            for server in ("prod", "sandbox", "intruder"):
                cur.execute(f"DROP SERVER {server} CASCADE")


def test_archived_merged_and_gdpr_deleted_records_leave_and_are_listed(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts", "companies", "associations_company_contact"])
    m, conn = materializer(db, sim, tables=["contacts", "companies", "associations_company_contact"])
    m.run_once()
    ids = [r[0] for r in _all(db, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 5")]
    archived, loser, winner, erased = ids[0], ids[1], ids[2], ids[3]
    sim.admin("POST", f"/objects/contacts/{archived}/archive")
    sim.admin("POST", "/objects/contacts/merge", {"primaryObjectId": winner, "objectIdToMerge": loser})
    m.ctx.client_live.transport.request("POST", "/crm/v3/objects/contacts/gdpr-delete", json_body={"objectId": erased})
    m.run_once()
    assert _one(db, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = ANY(%s)", ([archived, loser, erased],)) == 0
    assert _one(db, "SELECT count(*) FROM hubspot_cache.associations_company_contact WHERE contact_id = ANY(%s)",
                ([archived, loser, erased],)) == 0
    rows = _all(db, "SELECT record_id, reason, merged_into, deleted_at IS NOT NULL, detected_at > now() - interval '1 hour' "
                    "FROM hubspot_fdw.deleted_records WHERE server_name = 'hubspot' AND table_name = 'contacts' "
                    "AND detected_at >= now() - interval '1 day' ORDER BY reason")
    assert rows == [(archived, "archived", None, True, True), (erased, "gone", None, False, True),
                    (loser, "merged", winner, False, True)]
    assert _one(db, "SELECT deleted_today FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'") == 3
    # a restored record comes back and is no longer listed
    sim.admin("POST", f"/objects/contacts/{archived}/restore")
    m.run_once()
    assert _one(db, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (archived,)) == 1
    assert _one(db, "SELECT count(*) FROM hubspot_fdw.deleted_records WHERE record_id = %s", (archived,)) == 0
    conn.close()


def test_reimport_after_a_new_property_has_no_failing_window(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts"])
    m, conn = materializer(db, sim, tables=["contacts"])
    m.run_once()
    m.ctx.client_live.transport.request("POST", "/crm/v3/properties/contacts", json_body={
        "name": "favorite_spice", "label": "Favorite spice", "type": "string", "fieldType": "text",
        "groupName": "contactinformation"})
    target = _one(db, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")
    with db.connect(autocommit=False) as c, c.cursor() as cur:
        cur.execute("DROP FOREIGN TABLE hubspot.contacts")
        cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
        cur.execute("SELECT count(*), count(favorite_spice) FROM hubspot.contacts")  # same transaction
        assert cur.fetchone() == (120, 0)
        c.commit()
        cur.execute("UPDATE hubspot.contacts SET favorite_spice = 'saffron' WHERE id = %s", (target,))
        c.commit()
        cur.execute("SELECT favorite_spice FROM hubspot.contacts WHERE id = %s", (target,))
        assert cur.fetchone() == ("saffron",)
    # a cache that lacks the column (IMPORT could not alter it) reads NULL, not an error
    with db.connect() as c, c.cursor() as cur:
        cur.execute("ALTER TABLE hubspot_cache.contacts DROP COLUMN favorite_spice")
        cur.execute("SELECT count(*), count(favorite_spice) FROM hubspot.contacts WHERE favorite_spice IS NULL")
        assert cur.fetchone() == (120, 0)
    m.run_once()  # the sync notices the drift, re-reads the properties and adds the column back
    assert _one(db, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'hubspot_cache' "
                    "AND table_name = 'contacts' AND column_name = 'favorite_spice'") == 1
    conn.close()


def test_the_plan_and_its_cost_are_in_sync_status(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts", "companies"])
    m, conn = materializer(db, sim, tables=["contacts", "companies"])
    for _ in range(3):
        m.run_step()
    row = _all(db, "SELECT api_calls_today > 0, poll_interval_seconds > 0, projected_calls_per_day > 0, "
                   "server_calls_today > 0, server_calls_allowed_per_day, server_projected_calls_per_day > 0, "
                   "lag_seconds IS NOT NULL FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")
    assert row == [(True, True, True, True, 25_000, True, True)]  # 10% of the simulator's 250,000
    conn.close()


def test_the_budget_state_is_private_to_the_database_user(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts"])
    with db.connect() as c, c.cursor() as cur:
        cur.execute("ALTER SERVER hubspot OPTIONS (SET use_budget 'true')")
        cur.execute("SET hubspot_fdw.read_mode = 'live'")
        cur.execute("SELECT count(*) FROM hubspot.contacts WHERE id = '1'")
        cur.execute("SHOW data_directory")
        directory = os.path.join(cur.fetchone()[0], "hubspot_fdw_budget")
        cur.execute("ALTER SERVER hubspot OPTIONS (SET use_budget 'false')")
    info = os.stat(directory)
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.geteuid()
    files = os.listdir(directory)
    assert files and all(stat.S_IMODE(os.stat(os.path.join(directory, f)).st_mode) == 0o600 for f in files)
    # another OS user can neither write nor lock it (only checked where we may switch users)
    if subprocess.run(["runuser", "-u", "nobody", "--", "true"], capture_output=True).returncode == 0:
        target = os.path.join(directory, files[0])
        assert subprocess.run(["runuser", "-u", "nobody", "--", "sh", "-c", f"echo x > {target}"],
                              capture_output=True).returncode != 0
        assert subprocess.run(["runuser", "-u", "nobody", "--", "flock", "-n", target, "true"],
                              capture_output=True).returncode != 0
    else:
        assert pwd.getpwuid(info.st_uid).pw_name != "nobody"
    # a database role without privileges can reach neither the files nor the sync's tables
    with db.connect() as c, c.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS mallory; CREATE ROLE mallory LOGIN")
        cur.execute("GRANT USAGE ON SCHEMA hubspot_fdw TO mallory")
    dsn = f"host={db.proc.host} port={db.proc.port} user=mallory dbname={db.name}"
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        for sql in (f"COPY (SELECT 'x') TO '{directory}/{files[0]}'",
                    "UPDATE hubspot_fdw.sync_budget SET calls_today = 0",
                    "DELETE FROM hubspot_fdw.cache_portals",
                    "INSERT INTO hubspot_fdw.deleted_records VALUES ('hubspot', 'contacts', '1', 'gone')"):
            with pytest.raises(psycopg2.Error) as info:
                cur.execute(sql)
            assert info.value.pgcode == "42501", sql
            c.rollback()
    with db.connect() as c, c.cursor() as cur:
        cur.execute("REVOKE ALL ON SCHEMA hubspot_fdw FROM mallory; DROP ROLE mallory")


def test_a_new_cache_schema_is_backfilled_afresh(db, sim) -> None:
    sim.reset()
    setup_server(db, sim, imported=["contacts"])
    assert run_sync(db, "--once").returncode == 0
    with db.connect() as c, c.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS moved_cache CASCADE")
        cur.execute("ALTER SERVER hubspot OPTIONS (SET cache_schema 'moved_cache')")
    done = run_sync(db, "--once")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _one(db, "SELECT count(*) FROM moved_cache.contacts") == 120
    assert _one(db, "SELECT cache_schema FROM hubspot_fdw.sync_state WHERE table_name = 'contacts'") == "moved_cache"
    assert _one(db, "SELECT count(*) FROM hubspot.contacts") == 120


def test_a_column_of_a_deleted_property_does_not_make_every_step_list_properties(db, sim) -> None:
    """The cache keeps the column of a property HubSpot no longer has (its values stay);
    that is no drift to chase: one property listing notices it, not one per step."""
    from dataclasses import replace

    from tests.materializer.conftest import FAST
    sim.reset()
    setup_server(db, sim, imported=["contacts"])
    m, conn = materializer(db, sim, tables=["contacts"], config=replace(FAST, metadata_interval=3600))
    m.run_once()
    with db.connect() as c, c.cursor() as cur:
        cur.execute("ALTER TABLE hubspot_cache.contacts ADD COLUMN long_gone_property text")
    sim.clear_requests()
    for _ in range(3):
        m.run_once()
    listings = [r for r in sim.requests() if r["method"] == "GET" and r["path"] == "/crm/v3/properties/contacts"]
    assert len(listings) == 1, listings  # the new column is seen once, then it is known
    conn.close()
