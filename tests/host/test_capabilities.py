"""The two capabilities beyond Multicorn: delegated local scans and SQL in the transaction."""

import decimal

import psycopg2
import pytest
from host_helpers import reports, run


@pytest.fixture(scope="module", autouse=True)
def local_tables(host_db):
    with host_db.connect() as conn:
        run(conn, "CREATE SCHEMA cache")
        run(conn, "CREATE TABLE cache.items (id text PRIMARY KEY, n numeric, tags text[], seen timestamptz)")
        run(conn, "INSERT INTO cache.items SELECT 'i' || g, g, ARRAY['t' || (g % 3)], "
                  "'2024-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 500) g")
        run(conn, "CREATE SERVER local FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'host_test_wrappers.Local')")
        run(conn, "CREATE FOREIGN TABLE items (id text, n numeric, tags text[], seen timestamptz) "
                  "SERVER local OPTIONS (table 'items', schema 'cache')")
        run(conn, "CREATE TABLE written (id int PRIMARY KEY, note text)")
        run(conn, "CREATE SERVER sqlw FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'host_test_wrappers.SqlWriter')")
        run(conn, "CREATE FOREIGN TABLE writer (id int, note text) SERVER sqlw OPTIONS (table 'public.written')")
        run(conn, "CREATE ROLE reader LOGIN")
        run(conn, "GRANT USAGE ON SCHEMA hubspot_fdw TO reader")
        run(conn, "GRANT SELECT ON items TO reader")


def test_delegated_scan_returns_the_local_rows(conn):
    assert run(conn, "SELECT count(*), sum(n) FROM items") == [(500, 125250)]
    rows = run(conn, "SELECT id, tags FROM items WHERE n >= 498 ORDER BY n DESC")
    assert rows == [("i500", ["t2"]), ("i499", ["t1"]), ("i498", ["t0"])]


def test_delegated_scan_pushes_conditions_order_and_limit(conn):
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN ANALYZE SELECT id FROM items ORDER BY n DESC LIMIT 2"))
    assert 'Delegated Query: SELECT "id", "n" FROM "cache"."items" ORDER BY "n" DESC NULLS FIRST LIMIT 2' in plan
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN ANALYZE SELECT id FROM items WHERE n = 7"))
    assert 'WHERE "n" = $1::numeric' in plan


def test_delegated_scan_with_parameters_and_joins(conn):
    run(conn, "PREPARE d(numeric) AS SELECT id FROM items WHERE n = $1")
    for value in range(1, 8):
        assert run(conn, "EXECUTE d(%s)", (value,)) == [(f"i{value}",)]
    rows = run(conn, "SELECT a.id FROM items a JOIN items b ON a.n = b.n + 1 WHERE b.n < 3 ORDER BY 1")
    assert rows == [("i2",), ("i3",)]


def test_delegated_scan_as_the_inner_side_of_a_nested_loop(conn):
    run(conn, "CREATE TEMP TABLE wanted AS SELECT g::numeric AS n FROM generate_series(1, 300) g")
    run(conn, "ANALYZE wanted")
    run(conn, "SET enable_hashjoin = off")
    run(conn, "SET enable_mergejoin = off")
    try:
        plan = "\n".join(r[0] for r in run(conn, "EXPLAIN SELECT i.id FROM wanted w JOIN items i ON i.n = w.n"))
        assert "Nested Loop" in plan and "Materialize" not in plan, plan
        rows = run(conn, "SELECT count(*), min(i.id), max(i.id) FROM wanted w JOIN items i ON i.n = w.n")
        assert rows == [(300, "i1", "i99")]  # one rescan per outer row, each with its own parameter
    finally:
        run(conn, "RESET enable_hashjoin")
        run(conn, "RESET enable_mergejoin")


def test_delegated_scan_needs_only_the_foreign_table_privilege(host_db):
    conn = psycopg2.connect(host_db.dsn.replace("user=postgres", "user=reader"))
    conn.autocommit = True
    try:
        assert run(conn, "SELECT count(*) FROM items") == [(500,)]
        with pytest.raises(psycopg2.Error) as excinfo:
            run(conn, "SELECT count(*) FROM cache.items")
        assert excinfo.value.pgcode == "42501"
    finally:
        conn.close()


def test_sql_writes_commit_with_the_transaction(conn):
    rows = run(conn, "INSERT INTO writer VALUES (1, 'hello') RETURNING id, note")
    assert rows == [(1, "hello")]
    assert run(conn, "SELECT note FROM written WHERE id = 1") == [("hello",)]
    assert run(conn, "SELECT id, note FROM writer") == [(1, "hello")]


def test_sql_writes_roll_back_with_a_later_error(conn):
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "INSERT INTO writer VALUES (2, 'fail-after-write')")
    assert excinfo.value.pgcode == "23514"
    assert run(conn, "SELECT count(*) FROM written WHERE id = 2") == [(0,)]


def test_sql_error_is_a_catchable_python_exception(conn):
    reports(conn)
    run(conn, "INSERT INTO writer VALUES (3, 'bad-sql')")
    caught = reports(conn, "caught")
    assert caught[0]["sqlstate"] == "22012"
    assert "division by zero" in caught[0]["message"]
    assert run(conn, "SELECT count(*) FROM written WHERE id = 3") == [(1,)]


def test_sql_error_not_caught_keeps_its_sqlstate(conn):
    run(conn, "INSERT INTO written VALUES (4, 'exists')")
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "INSERT INTO writer VALUES (4, 'duplicate')")
    assert excinfo.value.pgcode == "23505"


def test_sql_binds_thousands_of_typed_parameters(conn):
    reports(conn)
    run(conn, "INSERT INTO writer VALUES (5, 'many-params')")
    many = reports(conn, "many")[0]
    assert many["count"] == 3000
    values = [decimal.Decimal(i) / 7 for i in range(3000)]
    with decimal.localcontext() as exact:
        exact.prec = 100
        assert decimal.Decimal(many["total"]["str"]) == sum(values)
