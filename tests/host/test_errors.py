"""Errors in every callback become clean ERRORs; none of upstream's crashes happen."""

import psycopg2
import pytest
from host_helpers import run


@pytest.fixture(scope="module", autouse=True)
def failing_server(host_db):
    with host_db.connect() as conn:
        run(conn, "CREATE SERVER failing FOREIGN DATA WRAPPER hubspot_fdw "
                  "OPTIONS (wrapper 'host_test_wrappers.Failing')")
        for hook in ("execute", "mid_scan", "insert", "begin", "pre_commit", "commit", "rollback"):
            run(conn, f"CREATE FOREIGN TABLE fail_{hook} (id int) SERVER failing OPTIONS (fail_in '{hook}')")
        run(conn, "CREATE FOREIGN TABLE plain_error (id int) SERVER failing OPTIONS (fail_in 'execute', style 'plain')")
        run(conn, "CREATE FOREIGN TABLE returns_none (id int) SERVER failing OPTIONS (none 'yes')")
        run(conn, "CREATE FOREIGN TABLE yields_str (id int) SERVER failing OPTIONS (yield_str 'yes')")
        run(conn, "CREATE FOREIGN TABLE logs_error (id int) SERVER failing OPTIONS (log_error 'yes')")
        run(conn, "CREATE FOREIGN TABLE ok (id int) SERVER failing")
        run(conn, "CREATE TABLE local (x int)")


def error_of(conn, sql):
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, sql)
    return excinfo.value


@pytest.mark.parametrize("table", ["fail_execute", "fail_mid_scan", "fail_begin"])
def test_wrapper_error_keeps_sqlstate_detail_hint(conn, table):
    error = error_of(conn, f"SELECT * FROM {table}")
    assert error.pgcode == "P0001"
    assert error.diag.message_detail == "on purpose"
    assert error.diag.message_hint == "this is a test"
    assert run(conn, "SELECT 1") == [(1,)]


def test_plain_exception_reads_as_under_multicorn(conn):
    error = error_of(conn, "SELECT * FROM plain_error")
    assert error.pgcode == "38000"
    assert error.diag.message_primary == "Error in python: ValueError"
    assert error.diag.message_detail == "boom in execute"
    assert error.diag.context is None


def test_wrapper_error_names_the_method_in_context(conn):
    error = error_of(conn, "SELECT * FROM fail_execute")
    assert "hubspot_fdw wrapper: execute" in error.diag.context


def test_log_to_postgres_error_is_its_message_alone(conn):
    error = error_of(conn, "INSERT INTO logs_error VALUES (1)")
    assert error.diag.message_primary == "insert failed via log_to_postgres"
    assert error.diag.message_detail == "some detail"
    assert error.diag.message_hint == "a hint"
    assert error.diag.context is None


def test_warnings_reach_the_client(conn):
    run(conn, "INSERT INTO ok VALUES (1)")
    assert any("inserting" in n for n in conn.notices)


def test_execute_returning_none_many_times_is_safe(conn):
    for _ in range(3000):  # upstream aborts with "deallocating None" around 2,300
        assert run(conn, "SELECT * FROM returns_none") == []


def test_a_str_row_is_an_error_not_characters(conn):
    error = error_of(conn, "SELECT * FROM yields_str")
    assert "wrapper returned a str as a row" in error.diag.message_primary


def test_pre_commit_error_vetoes_the_commit(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO local VALUES (1)")
            cur.execute("SELECT * FROM fail_pre_commit")
        with pytest.raises(psycopg2.Error) as excinfo:
            conn.commit()
        assert excinfo.value.pgcode == "P0001"
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM local")
            assert cur.fetchone() == (0,)
    finally:
        conn.close()


def test_commit_error_after_a_local_write_is_only_a_warning(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO local VALUES (2)")
            cur.execute("SELECT * FROM fail_commit")
        conn.commit()  # upstream: PANIC and a cluster restart
        assert any("failure in commit" in n for n in conn.notices)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM local WHERE x = 2")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_rollback_error_is_only_a_warning(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM fail_rollback")
        conn.rollback()
        assert any("failure in rollback" in n for n in conn.notices)
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
    finally:
        conn.close()


def test_wrapper_option_only_on_the_server(conn):
    error = error_of(conn, "CREATE FOREIGN TABLE bad (id int) SERVER failing OPTIONS (wrapper 'x.Y')")
    assert error.pgcode == "HV00D"
    assert "Set it with CREATE SERVER" in error.diag.message_hint


def test_unknown_wrapper_class_fails_at_create_server(conn):
    error = error_of(conn, "CREATE SERVER nowhere FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'no_such_module.Thing')")
    assert "No module named 'no_such_module'" in error.diag.message_detail
