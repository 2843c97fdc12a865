"""Access as PostgreSQL's rules have it, proven with non-superuser roles connecting over TCP:
privileges on the foreign tables (plus USAGE on their schema and a user mapping) are all a
role needs to read and write in every read mode; without a user mapping nothing is read;
only a superuser names the wrapper class; the caller's search_path never reaches the SQL
the host runs with the table owner's rights.

Not here: crash safety of the SQL functions (test_function_safety.py).
"""

from __future__ import annotations

from typing import Any, Iterator

import psycopg2
import pytest

from fdw.conftest import fill_cache, query

ROLES = ("analyst", "writer", "nomap", "badtoken", "outsider", "srvowner")
MODES = ("auto", "cache", "live")


@pytest.fixture(scope="module")
def roles(db, sim) -> Iterator[None]:
    fill_cache(db, sim, ["contacts", "companies"])
    with db.connect() as conn, conn.cursor() as cur:
        for role in ROLES:
            cur.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
                        f"CREATE ROLE {role} LOGIN; END IF; END $$")
        # exactly the grants docs/access.md lists
        cur.execute("GRANT USAGE ON SCHEMA hubspot TO analyst, writer, nomap, badtoken, outsider")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA hubspot TO analyst, nomap, badtoken")
        cur.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hubspot TO writer")
        for role in ("analyst", "writer"):
            cur.execute(f"CREATE USER MAPPING FOR {role} SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        cur.execute("CREATE USER MAPPING FOR badtoken SERVER hubspot OPTIONS (access_token 'rejected-token')")
        cur.execute("GRANT USAGE ON FOREIGN DATA WRAPPER hubspot_fdw TO srvowner")
        cur.execute("CREATE SCHEMA scratch")
        cur.execute("GRANT USAGE, CREATE ON SCHEMA scratch TO analyst")
    yield
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("DROP SCHEMA scratch CASCADE")
        for role in ROLES:
            cur.execute(f"DROP OWNED BY {role} CASCADE")
            cur.execute(f"DROP ROLE {role}")


def connect_as(db, role: str) -> psycopg2.extensions.connection:
    return db.connect(user=role)


def as_role(db, role: str, sql: str, params: Any = None, mode: str | None = None) -> list[tuple]:
    conn = connect_as(db, role)
    try:
        if mode:
            query(conn, "SET hubspot_fdw.read_mode = %s", (mode,))
        return query(conn, sql, params)
    finally:
        conn.close()


def failure(db, role: str, sql: str, params: Any = None, mode: str | None = None) -> psycopg2.Error:
    with pytest.raises(psycopg2.Error) as raised:
        as_role(db, role, sql, params, mode)
    return raised.value


@pytest.mark.parametrize("mode", MODES)
def test_read_only_role_reads_in_every_mode(db, roles, mode: str) -> None:
    expected = as_role(db, "analyst", "SELECT count(*) FROM hubspot.contacts", mode="live")[0][0]
    assert expected > 0
    assert as_role(db, "analyst", "SELECT count(*) FROM hubspot.contacts", mode=mode) == [(expected,)]
    ids = sorted(r[0] for r in as_role(db, "analyst", "SELECT id FROM hubspot.contacts LIMIT 2", mode="live"))
    rows = as_role(db, "analyst", "SELECT id, email FROM hubspot.contacts WHERE id = ANY(%s) ORDER BY id",
                   (ids,), mode=mode)
    assert [r[0] for r in rows] == ids
    plan = as_role(db, "analyst", "EXPLAIN SELECT * FROM hubspot.companies", mode=mode)
    assert plan


def test_default_mode_reads_the_cache_for_the_analyst(db, roles) -> None:
    """auto picks the cache (backfill done) even though the analyst has no grant on it."""
    lines = [r[0] for r in as_role(db, "analyst", "EXPLAIN SELECT email FROM hubspot.contacts")]
    assert "cache" in "\n".join(lines).lower()


def test_read_only_role_reaches_nothing_else(db, roles) -> None:
    assert failure(db, "analyst", "SELECT * FROM hubspot_cache.contacts").pgcode == "42501"
    assert failure(db, "analyst", "SELECT * FROM hubspot_fdw.sync_state").pgcode == "42501"
    assert failure(db, "analyst", "UPDATE hubspot.contacts SET firstname = 'x' WHERE id = '1'").pgcode == "42501"
    assert failure(db, "analyst", "SELECT hubspot_fdw._python_call('builtins.len', 'x')").pgcode == "42501"


@pytest.mark.parametrize("mode", ("auto", "live"))
def test_writer_role_inserts_updates_deletes(db, roles, sim, mode: str) -> None:
    inserted = as_role(db, "writer", "INSERT INTO hubspot.contacts (firstname, email) VALUES ('Ada', %s) "
                                     "RETURNING id", (f"ada-{mode}@example.com",), mode=mode)
    new_id = inserted[0][0]
    as_role(db, "writer", "UPDATE hubspot.contacts SET firstname = 'Augusta' WHERE id = %s", (new_id,), mode=mode)
    assert as_role(db, "writer", "SELECT firstname FROM hubspot.contacts WHERE id = %s", (new_id,),
                   mode="live") == [("Augusta",)]
    with db.connect() as admin:  # the cache row was written in the writer's transaction
        assert query(admin, "SELECT firstname FROM hubspot_cache.contacts WHERE id = %s", (new_id,)) == [("Augusta",)]
    as_role(db, "writer", "DELETE FROM hubspot.contacts WHERE id = %s", (new_id,), mode=mode)
    with db.connect() as admin:
        assert query(admin, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (new_id,)) == [(0,)]


@pytest.mark.parametrize("mode", MODES)
def test_no_user_mapping_reads_nothing(db, roles, mode: str) -> None:
    error = failure(db, "nomap", "SELECT count(*) FROM hubspot.contacts", mode=mode)
    assert error.pgcode == "42704"
    assert error.diag.message_primary == 'user mapping not found for "nomap"'
    if mode == "live":
        assert "CREATE USER MAPPING FOR nomap" in (error.diag.message_hint or "")


def test_no_user_mapping_explain_and_direct_cache_refused(db, roles) -> None:
    assert failure(db, "nomap", "EXPLAIN SELECT * FROM hubspot.contacts", mode="live").pgcode == "42704"
    assert failure(db, "nomap", "SELECT * FROM hubspot_cache.contacts").pgcode == "42501"


def test_public_mapping_counts_and_drop_revokes(db, roles, sim) -> None:
    with db.connect() as admin:
        query(admin, "CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    try:
        assert as_role(db, "nomap", "SELECT count(*) FROM hubspot.contacts", mode="cache")[0][0] > 0
    finally:
        with db.connect() as admin:
            query(admin, "DROP USER MAPPING FOR PUBLIC SERVER hubspot")
    assert failure(db, "nomap", "SELECT count(*) FROM hubspot.contacts", mode="cache").pgcode == "42704"


def test_rejected_token_still_reads_the_cache(db, roles) -> None:
    """Documented decision: the mapping is the grant; HubSpot's verdict on the token only
    matters for calls to HubSpot."""
    assert as_role(db, "badtoken", "SELECT count(*) FROM hubspot.contacts", mode="cache")[0][0] > 0
    error = failure(db, "badtoken", "SELECT count(*) FROM hubspot.contacts", mode="live")
    assert error.pgcode.startswith("28") or error.pgcode.startswith("42")
    assert "rejected-token" not in str(error)


def test_wrapper_option_is_for_superusers(db, roles, sim) -> None:
    error = failure(db, "srvowner", "CREATE SERVER evil FOREIGN DATA WRAPPER hubspot_fdw "
                                    "OPTIONS (wrapper 'os.system')")
    assert error.pgcode == "42501"
    assert error.diag.message_hint and "superuser" in error.diag.message_hint
    assert failure(db, "srvowner", "SELECT hubspot_fdw.hubspot_fdw_validator(ARRAY['wrapper=os.system'], "
                                   "'pg_foreign_server'::regclass::oid)").pgcode == "42501"
    # the default wrapper, named or not, is fine; so is keeping a superuser's choice
    as_role(db, "srvowner", "CREATE SERVER own1 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)",
            (sim.base_url,))
    as_role(db, "srvowner", "CREATE SERVER own2 FOREIGN DATA WRAPPER hubspot_fdw "
                            "OPTIONS (wrapper 'hubspot_fdw.HubSpotFdw')")
    with db.connect() as admin:
        query(admin, "CREATE SERVER chosen FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'hubspot_fdw.HubSpotFdw')")
        query(admin, "ALTER SERVER chosen OWNER TO srvowner")
    as_role(db, "srvowner", "ALTER SERVER chosen OPTIONS (ADD api_url %s)", (sim.base_url,))
    assert failure(db, "srvowner", "ALTER SERVER chosen OPTIONS (SET wrapper 'os.system')").pgcode == "42501"
    assert failure(db, "srvowner", "ALTER SERVER own1 OPTIONS (ADD wrapper 'builtins.print')").pgcode == "42501"


def test_caller_search_path_never_reaches_owner_sql(db, roles) -> None:
    """An operator of the caller's schema, first on its search_path, must not run with the
    table owner's rights inside the host's SQL (cache reads, sync state look-ups)."""
    conn = connect_as(db, "analyst")
    try:
        query(conn, "CREATE FUNCTION scratch.evil_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'evil ran as %', current_user; END $$")
        query(conn, "CREATE OPERATOR scratch.= (LEFTARG = text, RIGHTARG = text, FUNCTION = scratch.evil_eq)")
        some_id = query(conn, "SELECT min(id) FROM hubspot.contacts")[0][0]
        query(conn, "SET search_path = scratch, pg_catalog")
        for mode in MODES:
            query(conn, "SET hubspot_fdw.read_mode = %s", (mode,))
            rows = query(conn, "SELECT id FROM hubspot.contacts WHERE id OPERATOR(pg_catalog.=) %s", (some_id,))
            assert rows == [(some_id,)]
    finally:
        conn.close()


def test_wait_for_sync_with_documented_grants(db, roles) -> None:
    with db.connect() as admin:
        query(admin, "UPDATE hubspot_fdw.sync_state SET synced_through = now() + interval '1 hour' "
                     "WHERE table_name = 'contacts'")
    assert as_role(db, "analyst", "SELECT hubspot_fdw.wait_for_sync('hubspot.contacts', '1 second')") == [(True,)]
    assert as_role(db, "analyst", "SELECT hubspot_fdw.wait_for_sync('hubspot.deals', '0')") == [(False,)]
    assert failure(db, "outsider", "SELECT hubspot_fdw.wait_for_sync('hubspot.contacts', '0')").pgcode == "42501"


def test_import_needs_a_user_mapping(db, roles) -> None:
    with db.connect() as admin:
        query(admin, "GRANT USAGE ON FOREIGN SERVER hubspot TO nomap")
        query(admin, "GRANT USAGE, CREATE ON SCHEMA scratch TO nomap")
    try:
        error = failure(db, "nomap", "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (owners) FROM SERVER hubspot INTO scratch")
        assert error.pgcode == "42704"
        assert error.diag.message_primary == 'user mapping not found for "nomap"'
    finally:
        with db.connect() as admin:
            query(admin, "REVOKE USAGE ON FOREIGN SERVER hubspot FROM nomap")
            query(admin, "REVOKE USAGE, CREATE ON SCHEMA scratch FROM nomap")


@pytest.mark.parametrize("substitution", ["on", "off"])
def test_own_foreign_table_reaches_no_cache_the_role_may_not_read(db, roles, substitution: str) -> None:
    """A role with USAGE on the server creates its own foreign table over contacts: it
    runs with that role's rights, so the cache (hubspot_cache, never granted) is refused
    with 42501 whether the planner substitutes the cache table or the wrapper reads it."""
    with db.connect() as admin:
        query(admin, "GRANT USAGE ON FOREIGN SERVER hubspot TO analyst")
    conn = connect_as(db, "analyst")
    try:
        query(conn, "CREATE FOREIGN TABLE scratch.own_contacts (id text, email text) SERVER hubspot "
                    "OPTIONS (table 'contacts', read_mode 'cache')")
        query(conn, "SET hubspot_fdw.cache_substitution = %s", (substitution,))
        with pytest.raises(psycopg2.Error) as raised:
            query(conn, "SELECT email FROM scratch.own_contacts LIMIT 1")
        assert raised.value.pgcode == "42501"
        assert query(conn, "SELECT count(*) > 0 FROM hubspot.contacts") == [(True,)]  # the granted table reads
    finally:
        query(conn, "DROP FOREIGN TABLE IF EXISTS scratch.own_contacts")
        conn.close()
        with db.connect() as admin:
            query(admin, "REVOKE USAGE ON FOREIGN SERVER hubspot FROM analyst")


def test_a_role_with_usage_on_the_server_imports_its_own_tables(db, roles) -> None:
    """IMPORT by a role with USAGE on the server and its own mapping: the tables are its
    own (live reads work); the cache it was never granted stays refused (42501)."""
    with db.connect() as admin:
        query(admin, "GRANT USAGE ON FOREIGN SERVER hubspot TO analyst")
        query(admin, "CREATE SCHEMA mine AUTHORIZATION analyst")
    try:
        as_role(db, "analyst", "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO mine")
        assert as_role(db, "analyst", "SELECT count(*) > 0 FROM mine.contacts", mode="live") == [(True,)]
        assert failure(db, "analyst", "SELECT count(*) FROM mine.contacts", mode="cache").pgcode == "42501"
    finally:
        with db.connect() as admin:
            query(admin, "DROP SCHEMA mine CASCADE")
            query(admin, "REVOKE USAGE ON FOREIGN SERVER hubspot FROM analyst")


def test_deletions_are_listed_only_by_a_role_that_may_delete_from_the_cache(db, roles) -> None:
    """Listing deleted records tells no role which ids a cache table holds and lets none
    add entries; the writer's DELETE through the foreign table is still listed."""
    held = query(db.connect(), "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")[0][0]
    table = query(db.connect(), "SELECT 'hubspot_cache.contacts'::regclass::oid")[0][0]   # by OID: no schema USAGE needed
    count = "SELECT count(*) FROM hubspot_fdw.deleted_records WHERE table_name = 'contacts'"
    before = query(db.connect(), count)[0][0]
    for role in ("outsider", "analyst", "writer"):
        refused = failure(db, role, "SELECT hubspot_fdw._note_deleted('hubspot', %s::oid::regclass, "
                                    "ARRAY[%s, '999999999'], 'deleted')", (table, held))
        assert refused.pgcode == "42501" and "still in" not in str(refused)
        # the part that writes the entry answers the same whether the id is held or not
        assert as_role(db, role, "SELECT hubspot_fdw._log_deleted('hubspot', %s::oid::regclass, "
                                 "ARRAY[%s], 'deleted')::text", (table, held)) == [("",)]
    assert query(db.connect(), count)[0][0] == before
    created = as_role(db, "writer", "INSERT INTO hubspot.contacts (email) VALUES ('gone-soon@example.com') RETURNING id")
    as_role(db, "writer", "DELETE FROM hubspot.contacts WHERE id = %s", (created[0][0],))
    assert query(db.connect(), "SELECT reason FROM hubspot_fdw.deleted_records WHERE table_name = 'contacts' "
                               "AND record_id = %s", (created[0][0],)) == [("deleted",)]
