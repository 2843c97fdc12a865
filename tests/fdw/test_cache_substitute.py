"""Cache reads planned in C: the cache table in the foreign table's place (like a view).

The database preloads the library (session_preload_libraries), as docs/reads.md asks,
so even a session's first statement is planned with the substitution. Results are
compared with the same SQL on the cache tables; plans must show no Foreign Scan."""

from __future__ import annotations

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fdw.conftest import explain as plan_of
from fdw.conftest import fill_cache, query

CACHED = ["contacts", "companies", "associations_company_contact"]


@pytest.fixture(scope="module", autouse=True)
def cache(db, sim):
    with db.connect() as conn:
        query(conn, f'ALTER DATABASE "{db.name}" SET session_preload_libraries = \'hubspot_fdw\'')
        query(conn, "CREATE ROLE h13_reader; CREATE ROLE h13_nomapping")
        query(conn, "GRANT USAGE ON SCHEMA hubspot TO h13_reader, h13_nomapping")
        query(conn, "GRANT SELECT ON hubspot.contacts TO h13_reader, h13_nomapping")
        query(conn, "CREATE USER MAPPING FOR h13_reader SERVER hubspot OPTIONS (access_token 'x')")
    fill_cache(db, sim, CACHED)
    fill_cache(db, sim, ["deals"], backfill_done=False)
    yield
    with db.connect() as conn:
        query(conn, "DROP OWNED BY h13_reader, h13_nomapping; DROP ROLE h13_reader; DROP ROLE h13_nomapping")


def test_the_cache_table_is_planned_in_the_foreign_tables_place(conn):
    plan = plan_of(conn, "SELECT email FROM hubspot.contacts WHERE id = '1'")
    assert "Foreign Scan" not in plan
    assert 'Index Scan using contacts_pkey on hubspot_cache.contacts "contacts (hubspot cache)"' in plan


def test_a_cache_only_select_never_starts_python(conn, sim):
    sim.clear_requests()
    query(conn, "SELECT c.email, co.name FROM hubspot.associations_company_contact a "
                "JOIN hubspot.contacts c ON c.id = a.contact_id JOIN hubspot.companies co ON co.id = a.company_id")
    query(conn, "SELECT count(*) FROM hubspot.contacts WHERE id IN (SELECT contact_id FROM "
                "hubspot.associations_company_contact)")
    assert query(conn, "SELECT hubspot_fdw.python_started()") == [(False,)]
    assert sim.requests() == []
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    query(conn, "SELECT id FROM hubspot.contacts WHERE id = '1'")
    assert query(conn, "SELECT hubspot_fdw.python_started()") == [(True,)]


def test_views_and_plpgsql_functions_are_substituted(conn):
    query(conn, "CREATE OR REPLACE VIEW public.h13_emails AS SELECT id, email FROM hubspot.contacts")
    assert "Foreign Scan" not in plan_of(conn, "SELECT * FROM public.h13_emails WHERE id = '1'")
    assert query(conn, "SELECT count(*) FROM public.h13_emails") == query(conn, "SELECT count(*) FROM "
                                                                                "hubspot_cache.contacts")
    query(conn, "CREATE OR REPLACE FUNCTION public.h13_count() RETURNS bigint LANGUAGE plpgsql AS "
                "$$ BEGIN RETURN (SELECT count(*) FROM hubspot.contacts WHERE email IS NOT NULL); END $$")
    assert query(conn, "SELECT public.h13_count()") == query(conn, "SELECT count(email) FROM hubspot_cache.contacts")
    assert query(conn, "SELECT hubspot_fdw.python_started()") == [(False,)]


def test_a_tables_read_mode_wins_over_its_servers(conn):
    query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (ADD read_mode 'live')")
    try:
        assert "Foreign Scan" in plan_of(conn, "SELECT id FROM hubspot.contacts")
        query(conn, "ALTER SERVER hubspot OPTIONS (ADD read_mode 'cache')")
        try:
            plan = plan_of(conn, "SELECT id FROM hubspot.contacts")
            assert "Foreign Scan" in plan and "read_mode = live" in plan, plan  # the table's, said so
            assert "Foreign Scan" not in plan_of(conn, "SELECT id FROM hubspot.companies")  # the server's
            query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (SET read_mode 'cache')")
            query(conn, "ALTER SERVER hubspot OPTIONS (SET read_mode 'live')")
            assert "Foreign Scan" not in plan_of(conn, "SELECT id FROM hubspot.contacts")
            assert "Foreign Scan" in plan_of(conn, "SELECT id FROM hubspot.companies")
        finally:
            query(conn, "ALTER SERVER hubspot OPTIONS (DROP read_mode)")
    finally:
        query(conn, "ALTER FOREIGN TABLE hubspot.contacts OPTIONS (DROP read_mode)")
    assert "Foreign Scan" not in plan_of(conn, "SELECT id FROM hubspot.contacts")


def test_cache_substitution_off_reads_through_the_wrapper(conn, sim):
    sql = "SELECT email FROM hubspot.contacts WHERE id = '1'"
    query(conn, "PREPARE one AS " + sql)
    assert "Foreign Scan" not in plan_of(conn, "EXECUTE one")
    query(conn, "SET hubspot_fdw.cache_substitution = off")
    plan = plan_of(conn, "EXECUTE one")  # the prepared plan is made again
    assert "Foreign Scan" in plan and "read mode: cache" in plan and "Cache query" in plan, plan
    sim.clear_requests()
    assert query(conn, "EXECUTE one") == query(conn, "SELECT email FROM hubspot_cache.contacts WHERE id = '1'")
    assert sim.requests() == [] and query(conn, "SELECT hubspot_fdw.python_started()") == [(True,)]
    query(conn, "RESET hubspot_fdw.cache_substitution")
    assert "Foreign Scan" not in plan_of(conn, "EXECUTE one")


def test_a_role_with_select_on_the_foreign_table_only_reads(conn):
    expected = query(conn, "SELECT id, email FROM hubspot_cache.contacts ORDER BY id LIMIT 5")
    query(conn, "SET ROLE h13_reader")
    assert query(conn, "SELECT id, email FROM hubspot.contacts ORDER BY id LIMIT 5") == expected
    with pytest.raises(psycopg2.Error) as denied:
        query(conn, "SELECT id FROM hubspot_cache.contacts LIMIT 1")
    assert denied.value.pgcode == "42501"
    with pytest.raises(psycopg2.Error) as no_grant:
        query(conn, "SELECT id FROM hubspot.companies LIMIT 1")
    assert no_grant.value.pgcode == "42501"
    query(conn, "RESET ROLE")
    assert query(conn, "SELECT hubspot_fdw.python_started()") == [(False,)]


def test_a_role_without_a_user_mapping_gets_42704(conn):
    query(conn, "SET ROLE h13_nomapping")
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "SELECT id FROM hubspot.contacts LIMIT 1")
    assert info.value.pgcode == "42704"
    assert info.value.diag.message_primary == 'user mapping not found for "h13_nomapping"'
    assert "CREATE USER MAPPING" in info.value.diag.message_hint


def test_a_prepared_statement_follows_the_role(conn):
    query(conn, "PREPARE by_id(text) AS SELECT email FROM hubspot.contacts WHERE id = $1")
    for _ in range(7):  # past the custom plans: the generic plan is cached
        query(conn, "EXECUTE by_id('1')")
    query(conn, "SET ROLE h13_nomapping")
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "EXECUTE by_id('1')")
    assert info.value.pgcode == "42704"


def test_set_read_mode_live_after_a_prepared_statement_takes_effect(conn, sim):
    target = query(conn, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1")[0][0]
    query(conn, "PREPARE one(text) AS SELECT email FROM hubspot.contacts WHERE id = $1")
    for _ in range(7):
        query(conn, "EXECUTE one(%s)", (target,))
    assert "Foreign Scan" not in plan_of(conn, "EXECUTE one(%s)", (target,))
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    sim.clear_requests()
    email = query(conn, "EXECUTE one(%s)", (target,))
    assert "/crm/v3/objects/contacts/batch/read" in [r["path"] for r in sim.requests()]
    assert email == query(conn, "SELECT email FROM hubspot_cache.contacts WHERE id = %s", (target,))
    assert "Foreign Scan" in plan_of(conn, "EXECUTE one(%s)", (target,))
    query(conn, "RESET hubspot_fdw.read_mode")
    assert "Foreign Scan" not in plan_of(conn, "EXECUTE one(%s)", (target,))
    query(conn, "BEGIN; SET LOCAL hubspot_fdw.read_mode = 'live'")
    assert "Foreign Scan" in plan_of(conn, "EXECUTE one(%s)", (target,))
    query(conn, "COMMIT")  # SET LOCAL ends with the transaction: back to the cache
    assert "Foreign Scan" not in plan_of(conn, "EXECUTE one(%s)", (target,))


def test_backfill_finishing_replans_prepared_statements(db, conn):
    query(conn, "PREPARE deals_count AS SELECT count(*) FROM hubspot.deals")
    for _ in range(7):
        query(conn, "EXECUTE deals_count")
    assert "Foreign Scan" in plan_of(conn, "EXECUTE deals_count")
    with db.connect() as other:  # the materializer, in another session
        query(other, "UPDATE hubspot_fdw.sync_state SET backfill_done = true WHERE table_name = 'deals'")
    try:
        assert "Foreign Scan" not in plan_of(conn, "EXECUTE deals_count")
        assert query(conn, "EXECUTE deals_count") == query(conn, "SELECT count(*) FROM hubspot_cache.deals")
    finally:
        with db.connect() as other:
            query(other, "UPDATE hubspot_fdw.sync_state SET backfill_done = false WHERE table_name = 'deals'")
    assert "Foreign Scan" in plan_of(conn, "EXECUTE deals_count")


def test_for_update_locks_the_cache_row(db):
    first, second = db.connect(autocommit=False), db.connect(autocommit=False)
    try:
        target = query(first, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 FOR UPDATE")[0][0]
        with pytest.raises(psycopg2.Error) as info:
            query(second, "SELECT id FROM hubspot.contacts WHERE id = %s FOR UPDATE NOWAIT", (target,))
        assert info.value.pgcode == "55P03"
        second.rollback()
        with pytest.raises(psycopg2.Error) as direct:
            query(second, "SELECT id FROM hubspot_cache.contacts WHERE id = %s FOR SHARE NOWAIT", (target,))
        assert direct.value.pgcode == "55P03"
        second.rollback()
        assert len(query(second, "SELECT id FROM hubspot.contacts WHERE id <> %s FOR UPDATE NOWAIT",
                         (target,))) == 119
    finally:
        first.close()
        second.close()


def test_writes_keep_the_wrapper_path(conn):
    assert "Foreign Update" in plan_of(conn, "UPDATE hubspot.contacts SET firstname = 'x' WHERE id = '1'") or \
        "Foreign Scan" in plan_of(conn, "UPDATE hubspot.contacts SET firstname = 'x' WHERE id = '1'")
    plan = plan_of(conn, "UPDATE hubspot.contacts c SET firstname = co.name FROM hubspot.companies co "
                         "WHERE co.id = c.id")
    assert "Foreign Scan on hubspot.contacts" in plan and '"co (hubspot cache)"' in plan


def test_missing_and_differently_typed_columns(conn):
    query(conn, "CREATE FOREIGN TABLE IF NOT EXISTS hubspot.contacts_typed (id text, createdate text, "
                "annualrevenue float8, not_in_cache int) SERVER hubspot OPTIONS (table 'contacts')")
    sql = "SELECT id, createdate, annualrevenue, not_in_cache FROM hubspot.contacts_typed ORDER BY id"
    assert "Foreign Scan" not in plan_of(conn, sql)
    assert query(conn, sql) == query(conn, "SELECT id, createdate::text, annualrevenue::float8, NULL::int "
                                           "FROM hubspot_cache.contacts ORDER BY id")
    query(conn, "ALTER TABLE hubspot_cache.contacts ADD COLUMN not_in_cache int DEFAULT 7")
    try:  # the column map follows the cache table's definition
        assert {r[3] for r in query(conn, sql)} == {7}
    finally:
        query(conn, "ALTER TABLE hubspot_cache.contacts DROP COLUMN not_in_cache")
    assert {r[3] for r in query(conn, sql)} == {None}


def test_a_cache_schema_stamped_for_another_server_is_refused(conn):
    query(conn, "INSERT INTO hubspot_fdw.cache_portals (cache_schema, server_name) VALUES ('hubspot_cache', 'other')")
    try:
        with pytest.raises(psycopg2.Error) as info:
            query(conn, "SELECT id FROM hubspot.contacts LIMIT 1")
        assert info.value.pgcode == "55000" and "belongs to server \"other\"" in info.value.diag.message_primary
    finally:
        query(conn, "DELETE FROM hubspot_fdw.cache_portals WHERE cache_schema = 'hubspot_cache'")


# -- differential: the same generated query through the substitution and on the cache tables ----------
CONTACT_PREDICATES = [
    "c.email LIKE 'a%'", "c.email IS NULL", "c.firstname IS NOT NULL", "c.lifecyclestage = 'lead'",
    "c.lifecyclestage IN ('customer', 'opportunity')", "c.annualrevenue > 50000", "c.annualrevenue IS NULL",
    "c.num_associated_deals >= 1", "c.hs_email_optout", "NOT c.hs_email_optout", "c.createdate > '2023-06-01'",
    "c.id < '10000001050'", "c.email < 'm'", "c.country = 'Germany'", "lower(c.lastname) LIKE '%e%'",
]
SELECTS = ["c.id, c.email", "c.id, c.firstname, c.annualrevenue", "c.id, c.createdate, c.hs_email_optout",
           "c.*"]
AGGREGATES = ["count(*)", "count(c.email)", "min(c.createdate)", "sum(c.annualrevenue)",
              "count(DISTINCT c.lifecyclestage)"]
JOINS = ["", " JOIN {s}.associations_company_contact a ON a.contact_id = c.id "
             "JOIN {s}.companies co ON co.id = a.company_id",
         " LEFT JOIN {s}.associations_company_contact a ON a.contact_id = c.id"]


@st.composite
def generated_query(draw) -> str:
    where = draw(st.lists(st.sampled_from(CONTACT_PREDICATES), max_size=3, unique=True))
    glue = draw(st.sampled_from([" AND ", " OR "]))
    join = draw(st.sampled_from(JOINS))
    shape = draw(st.sampled_from(["rows", "aggregate", "group", "subquery", "cte", "exists"]))
    cond = (" WHERE " + glue.join(f"({p})" for p in where)) if where else ""
    if shape == "rows":
        limit = draw(st.sampled_from(["", " LIMIT 7", " LIMIT 3 OFFSET 2"]))
        cols = draw(st.sampled_from(SELECTS))
        extra = ", a.company_id" if join else ""
        order = " ORDER BY c.id" + (", a.company_id" if join else "")
        return f"SELECT {cols}{extra} FROM {{s}}.contacts c{join}{cond}{order}{limit}"
    if shape == "aggregate":
        return f"SELECT {draw(st.sampled_from(AGGREGATES))} FROM {{s}}.contacts c{join}{cond}"
    if shape == "group":
        return (f"SELECT c.lifecyclestage, {draw(st.sampled_from(AGGREGATES))} FROM {{s}}.contacts c{join}{cond} "
                "GROUP BY 1 ORDER BY 1 NULLS FIRST")
    if shape == "subquery":
        return (f"SELECT co.name FROM {{s}}.companies co WHERE co.id IN (SELECT a.company_id FROM "
                f"{{s}}.associations_company_contact a JOIN {{s}}.contacts c ON c.id = a.contact_id{cond}) "
                "ORDER BY co.name, co.id")
    if shape == "cte":
        return (f"WITH picked AS (SELECT c.id, c.email FROM {{s}}.contacts c{cond}) "
                "SELECT count(*), max(email) FROM picked")
    return (f"SELECT co.id FROM {{s}}.companies co WHERE EXISTS (SELECT 1 FROM {{s}}.associations_company_contact a "
            f"JOIN {{s}}.contacts c ON c.id = a.contact_id WHERE a.company_id = co.id"
            f"{cond.replace(' WHERE ', ' AND (') + ')' if cond else ''}) ORDER BY co.id")


@pytest.fixture(scope="module")
def diff_conn(db):
    connection = db.connect()
    yield connection
    connection.close()


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated_query())
def test_results_are_identical_through_the_substitution(diff_conn, template):
    through = template.format(s="hubspot")
    assert "Foreign Scan" not in plan_of(diff_conn, through), through
    assert query(diff_conn, through) == query(diff_conn, template.format(s="hubspot_cache")), through
