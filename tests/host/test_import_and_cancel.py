"""IMPORT FOREIGN SCHEMA, option validation through the wrapper class, and cancellation."""

import threading
import time

import psycopg2
import pytest
from host_helpers import reports, run


@pytest.fixture(scope="module", autouse=True)
def servers(host_db):
    with host_db.connect() as conn:
        run(conn, "CREATE SERVER imp FOREIGN DATA WRAPPER hubspot_fdw "
                  "OPTIONS (wrapper 'host_test_wrappers.Importer', api_url 'http://x')")
        run(conn, "CREATE USER MAPPING FOR CURRENT_USER SERVER imp OPTIONS (token 'tok')")
        run(conn, "CREATE SERVER slow FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'host_test_wrappers.Slow')")
        for mode in ("sleep", "socket", "spin"):
            run(conn, f"CREATE FOREIGN TABLE slow_{mode} (id int) SERVER slow OPTIONS (mode '{mode}')")


def test_import_foreign_schema(conn):
    run(conn, "CREATE SCHEMA imported")
    reports(conn)
    run(conn, "IMPORT FOREIGN SCHEMA crm FROM SERVER imp INTO imported OPTIONS (archived 'false')")
    call = reports(conn, "import_schema")[0]
    assert call["schema"] == "crm"
    assert call["srv_options"] == {"api_url": "http://x", "token": "tok"}
    assert call["options"] == {"archived": "false"}
    assert call["restriction_type"] is None
    tables = run(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                       "WHERE foreign_table_schema = 'imported' ORDER BY 1")
    assert tables == [("people",), ("tags",)]
    columns = run(conn, "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'imported' AND table_name = 'people' ORDER BY ordinal_position")
    assert columns == [("id", "bigint"), ("Full Name", "text")]


def test_import_limit_to_and_except(conn):
    run(conn, "CREATE SCHEMA only_tags")
    reports(conn)
    run(conn, "IMPORT FOREIGN SCHEMA crm LIMIT TO (tags) FROM SERVER imp INTO only_tags")
    call = reports(conn, "import_schema")[0]
    assert (call["restriction_type"], call["restricts"]) == ("limit", ["tags"])
    assert run(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                     "WHERE foreign_table_schema = 'only_tags'") == [("tags",)]
    run(conn, "CREATE SCHEMA no_tags")
    run(conn, "IMPORT FOREIGN SCHEMA crm EXCEPT (tags) FROM SERVER imp INTO no_tags")
    assert run(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                     "WHERE foreign_table_schema = 'no_tags'") == [("people",)]


def test_option_typo_fails_with_the_wrappers_hint(conn):
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "CREATE FOREIGN TABLE typo (id int) SERVER imp OPTIONS (objcet 'x')")
    assert excinfo.value.pgcode == "HV00D"
    assert excinfo.value.diag.message_hint == "Valid table options: k, object."
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "ALTER SERVER imp OPTIONS (ADD api_ulr 'x')")
    assert "api_url" in excinfo.value.diag.message_hint
    with pytest.raises(psycopg2.Error):
        run(conn, "ALTER USER MAPPING FOR CURRENT_USER SERVER imp OPTIONS (ADD tokn 'x')")


@pytest.mark.parametrize("mode", ["sleep", "socket", "spin"])
def test_statement_timeout_interrupts_python(conn, mode):
    run(conn, "SET statement_timeout = '300ms'")
    started = time.monotonic()
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, f"SELECT * FROM slow_{mode}")
    elapsed = time.monotonic() - started
    assert excinfo.value.pgcode == "57014"
    assert elapsed < 2.0, f"cancel took {elapsed:.2f}s"
    run(conn, "RESET statement_timeout")
    assert run(conn, "SELECT 1") == [(1,)]
    # the interpreter is still healthy after the cancel (upstream segfaults here)
    with pytest.raises(psycopg2.Error):
        run(conn, "SET statement_timeout = '200ms'; SELECT * FROM slow_sleep")
    run(conn, "RESET statement_timeout")


def test_pg_cancel_backend_interrupts_python(host_db):
    victim = host_db.connect()
    killer = host_db.connect()
    try:
        pid = run(victim, "SELECT pg_backend_pid()")[0][0]
        timer = threading.Timer(0.5, lambda: run(killer, "SELECT pg_cancel_backend(%s)", (pid,)))
        started = time.monotonic()
        timer.start()
        with pytest.raises(psycopg2.Error) as excinfo:
            run(victim, "SELECT * FROM slow_socket")
        assert excinfo.value.pgcode == "57014"
        assert time.monotonic() - started < 2.5
        assert run(victim, "SELECT 1") == [(1,)]
    finally:
        victim.close()
        killer.close()
