"""Cache reads the planner hook did not get to, planned apart and run in C.

This module's database does not preload the library: each new connection loads it while
planning its first HubSpot query, after the planner hook's turn. That first query still
reads the cache without starting Python (observable with hubspot_fdw.python_started()),
gives the same rows as the same SQL on the cache tables, and the session's later plans
are substituted. Every connection here is new, so every first query takes this path."""

from __future__ import annotations

from typing import Iterator

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings

from fdw.conftest import explain as plan_text
from fdw.conftest import fill_cache, query
from fdw.test_cache_substitute import generated_query

CACHED = ["contacts", "companies", "associations_company_contact"]
APART = "cache, planned apart"


@pytest.fixture(scope="module", autouse=True)
def cache(db, sim):
    with db.connect() as conn:
        query(conn, "CREATE ROLE h13fb_reader; CREATE ROLE h13fb_nomapping")
        query(conn, "GRANT USAGE ON SCHEMA hubspot TO h13fb_reader, h13fb_nomapping")
        query(conn, "GRANT SELECT ON hubspot.contacts TO h13fb_reader, h13fb_nomapping")
        query(conn, "CREATE USER MAPPING FOR h13fb_reader SERVER hubspot OPTIONS (access_token 'x')")
        query(conn, "CREATE FUNCTION public.h13fb_leads() RETURNS SETOF text LANGUAGE sql STABLE AS "
                    "$$ SELECT email FROM hubspot.contacts WHERE lifecyclestage = 'lead' $$")
    fill_cache(db, sim, CACHED)
    yield
    with db.connect() as conn:
        query(conn, "DROP OWNED BY h13fb_reader, h13fb_nomapping; DROP ROLE h13fb_reader; "
                    "DROP ROLE h13fb_nomapping")


@pytest.fixture
def fresh(db) -> Iterator[psycopg2.extensions.connection]:
    """A new backend: the library is not loaded yet."""
    connection = db.connect()
    assert query(connection, "SELECT count(*) FROM pg_settings WHERE name = 'hubspot_fdw.read_mode'") == [(0,)]
    yield connection
    connection.close()


def python_started(conn) -> bool:
    return query(conn, "SELECT hubspot_fdw.python_started()")[0][0]


def a_contact(db) -> str:
    with db.connect() as conn:
        return query(conn, "SELECT id FROM hubspot_cache.contacts ORDER BY id OFFSET 5 LIMIT 1")[0][0]


def test_a_first_query_reads_the_cache_without_python(db, fresh, sim):
    target = a_contact(db)
    sim.clear_requests()
    rows = query(fresh, "SELECT email, firstname FROM hubspot.contacts WHERE id = %s", (target,))
    assert rows == query(fresh, "SELECT email, firstname FROM hubspot_cache.contacts WHERE id = %s", (target,))
    assert rows and not python_started(fresh)
    assert sim.requests() == []


def test_explain_of_a_first_query_shows_the_cache_plan_then_the_substitution(db, fresh):
    sql = "SELECT email FROM hubspot.contacts WHERE id = %s"
    first = plan_text(fresh, sql, (a_contact(db),))
    assert APART in first and "Cache Plan: Index Scan using contacts_pkey" in first, first
    second = plan_text(fresh, sql, (a_contact(db),))
    assert "Foreign Scan" not in second and "contacts_pkey" in second, second
    assert not python_started(fresh)


def test_a_prepared_statement_is_substituted_after_its_first_transaction(db, fresh):
    target = a_contact(db)
    query(fresh, "SET plan_cache_mode = force_generic_plan")
    query(fresh, "PREPARE by_id(text) AS SELECT email FROM hubspot.contacts WHERE id = $1")
    expected = query(fresh, "SELECT email FROM hubspot_cache.contacts WHERE id = %s", (target,))
    assert query(fresh, "EXECUTE by_id(%s)", (target,)) == expected  # planned apart: the first plan
    plan = plan_text(fresh, "EXECUTE by_id(%s)", (target,))
    assert "Foreign Scan" not in plan and "contacts_pkey" in plan, plan
    assert query(fresh, "EXECUTE by_id(%s)", (target,)) == expected
    assert not python_started(fresh)


def test_a_generic_plan_made_apart_takes_its_parameter(db, fresh):
    ids = [r[0] for r in query(fresh, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 3")]
    query(fresh, "SET plan_cache_mode = force_generic_plan")
    query(fresh, "BEGIN")  # one transaction: the plan made apart is reused, not replaced
    query(fresh, "PREPARE by_id(text) AS SELECT id FROM hubspot.contacts WHERE id = $1")
    assert APART in plan_text(fresh, "EXECUTE by_id(%s)", (ids[0],))
    assert [query(fresh, "EXECUTE by_id(%s)", (i,)) for i in ids] == [[(i,)] for i in ids]
    query(fresh, "COMMIT")


def test_a_rescanned_scan_made_apart_returns_its_rows_each_time(db, fresh):
    query(fresh, "SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off; "
                 "SET enable_memoize = off")
    sql = ("SELECT n, count(c.id) FROM (VALUES (1), (2), (3)) v(n) "
           "LEFT JOIN {s}.contacts c ON c.email IS NOT NULL AND length(c.id) > n GROUP BY n ORDER BY n")
    through = query(fresh, sql.format(s="hubspot"))
    assert through == query(fresh, sql.format(s="hubspot_cache")) and through[0][1] > 0
    assert not python_started(fresh)


def test_an_inlined_sql_function_reads_the_cache_without_python(db):
    with db.connect() as conn:
        query(conn, "LOAD 'hubspot_fdw'")  # the hook is in place; the function body is inlined later
        assert "Foreign Scan" in plan_text(conn, "SELECT * FROM public.h13fb_leads()")
        assert APART in plan_text(conn, "SELECT * FROM public.h13fb_leads()")
        assert sorted(query(conn, "SELECT * FROM public.h13fb_leads()")) == sorted(
            query(conn, "SELECT email FROM hubspot_cache.contacts WHERE lifecyclestage = 'lead'"))
        assert not python_started(conn)


def test_a_role_with_select_on_the_foreign_table_only_reads(db, fresh):
    query(fresh, "SET ROLE h13fb_reader")
    assert len(query(fresh, "SELECT id FROM hubspot.contacts WHERE email IS NOT NULL")) == \
        query(fresh, "SELECT count(*) FROM hubspot.contacts WHERE email IS NOT NULL")[0][0] > 0
    with pytest.raises(psycopg2.Error) as direct:
        query(fresh, "SELECT id FROM hubspot_cache.contacts LIMIT 1")
    assert direct.value.pgcode == "42501"
    fresh.rollback()
    assert not python_started(fresh)


@pytest.mark.parametrize("first", ["SELECT id FROM hubspot.contacts WHERE id = '1'",
                                   "SELECT id FROM hubspot.companies LIMIT 1"])
def test_roles_without_a_mapping_or_a_grant_are_refused(db, fresh, first):
    query(fresh, "SET ROLE h13fb_nomapping" if "contacts" in first else "SET ROLE h13fb_reader")
    with pytest.raises(psycopg2.Error) as info:
        query(fresh, first)
    assert info.value.pgcode == ("42704" if "contacts" in first else "42501"), info.value.diag.message_primary


def test_for_update_as_a_first_query_locks_the_cache_row(db):
    target = a_contact(db)
    first, second = db.connect(autocommit=False), db.connect(autocommit=False)
    try:
        assert query(first, "SELECT id FROM hubspot.contacts WHERE id = %s FOR UPDATE", (target,)) == [(target,)]
        with pytest.raises(psycopg2.Error) as info:
            query(second, "SELECT id FROM hubspot_cache.contacts WHERE id = %s FOR UPDATE NOWAIT", (target,))
        assert info.value.pgcode == "55P03"
    finally:
        first.close()
        second.close()


@settings(max_examples=120, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated_query())
def test_first_queries_give_the_rows_of_the_cache_tables(db, template):
    with db.connect() as conn:  # a new backend for each: its first query is planned apart
        through = query(conn, template.format(s="hubspot"))
        assert not python_started(conn), template
        assert through == query(conn, template.format(s="hubspot_cache")), template


def test_a_cache_schema_stamped_for_another_server_is_refused_on_a_first_query(db, fresh):
    with db.connect() as admin:
        query(admin, "INSERT INTO hubspot_fdw.cache_portals (cache_schema, server_name) "
                     "VALUES ('hubspot_cache', 'other')")
    try:
        with pytest.raises(psycopg2.Error) as info:
            query(fresh, "SELECT id FROM hubspot.contacts LIMIT 1")
        assert info.value.pgcode == "55000" and 'belongs to server "other"' in info.value.diag.message_primary
    finally:
        with db.connect() as admin:
            query(admin, "DELETE FROM hubspot_fdw.cache_portals WHERE cache_schema = 'hubspot_cache'")
