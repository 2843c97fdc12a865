"""No SQL call crashes a backend: every function of the extension (found through
pg_depend, so a function added later is covered too) is called with NULLs and odd values
of its argument types, as a superuser and as a plain role; each call may succeed or fail
with an ERROR, and the backend must still answer afterwards.

Not here: the random queries of the crash hunt (test_crash_hunt.py, bench/crash_hunt.py).
"""

from __future__ import annotations

import itertools
from typing import Iterator

import psycopg2
import pytest

ODD_VALUES: dict[str, list[str]] = {
    "text": ["''", "'.'", "'x'", "'no.such.module'", "'hubspot_fdw.no_such_function'", "'builtins.'",
             "'.len'", "repeat('é', 3000)", "E'a\\tb'"],
    "text[]": ["'{}'", "'{NULL}'", "'{=}'", "'{garbage}'", "'{wrapper=no.such.Class}'",
               "'{api_url=ftp://x}'", "'{read_mode=sideways}'", "'{timeout=-1}'"],
    "oid": ["0", "4294967295", "'pg_foreign_server'::regclass::oid", "'pg_user_mapping'::regclass::oid",
            "'pg_attribute'::regclass::oid", "'pg_foreign_table'::regclass::oid",
            "'pg_foreign_data_wrapper'::regclass::oid"],
    "regclass": ["0", "'pg_class'::regclass", "'hubspot_fdw.sync_state'::regclass"],
    "interval": ["'0'", "'-1 day'"],
}


def extension_functions(conn) -> list[tuple[str, list[str]]]:
    with conn.cursor() as cur:
        cur.execute("""
            SELECT p.oid::regprocedure::text, p.oid,
                   ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t)
              FROM pg_depend d
              JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'hubspot_fdw'
              JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
             WHERE d.deptype = 'e'
             ORDER BY 1""")
        return [(f"{oid}::regproc", list(types)) for _, oid, types in cur.fetchall()]


def argument_lists(types: list[str]) -> Iterator[list[str]]:
    typed_null = [f"NULL::{t}" for t in types]
    yield typed_null
    for i, t in enumerate(types):
        for value in ODD_VALUES.get(t, []):
            args = list(typed_null)
            args[i] = f"{value}::{t}"
            yield args
    pools = [[f"{v}::{t}" for v in ODD_VALUES.get(t, [])][:4] or [f"NULL::{t}"] for t in types]
    yield from (list(p) for p in itertools.product(*pools))


def call_sql(conn, function: str, args: list[str]) -> str:
    with conn.cursor() as cur:
        cur.execute(f"SELECT p.proname, n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    f"WHERE p.oid = {function.split('::')[0]}")
        name, schema = cur.fetchone()
    return f'SELECT "{schema}"."{name}"({", ".join(args)})'


def run_every_call(db, conn, user: str | None) -> tuple[int, int]:
    """(calls made, calls that raised an ERROR); fails on the first backend that died."""
    calls = errors = 0
    for function, types in extension_functions(conn):
        for args in argument_lists(types):
            sql = call_sql(conn, function, args)
            target = psycopg2.connect(db.dsn if user is None else db.dsn.replace(f"user={db.proc.user}", f"user={user}"))
            target.autocommit = True
            calls += 1
            try:
                with target.cursor() as cur:
                    cur.execute("SET statement_timeout = '5s'")
                    cur.execute(sql)
                    if cur.description:
                        cur.fetchall()
            except psycopg2.OperationalError as error:
                if target.closed or "server closed the connection" in str(error):
                    pytest.fail(f"backend crashed on {sql}: {error}")
                errors += 1
            except psycopg2.Error:
                errors += 1
            with target.cursor() as cur:  # the backend is still there
                cur.execute("SELECT 1")
                assert cur.fetchone() == (1,), sql
            target.close()
    return calls, errors


@pytest.fixture(scope="module")
def plain_role(host_db) -> Iterator[str]:
    with host_db.connect() as conn, conn.cursor() as cur:
        cur.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fn_prober') THEN "
                    "CREATE ROLE fn_prober LOGIN; END IF; END $$")
    yield "fn_prober"
    with host_db.connect() as conn, conn.cursor() as cur:
        cur.execute("DROP OWNED BY fn_prober")
        cur.execute("DROP ROLE fn_prober")


def test_every_function_survives_nulls_and_odd_values(host_db, conn) -> None:
    functions = extension_functions(conn)
    names = {f for f, _ in functions}
    assert len(names) >= 6, names  # handler, validator, _python_call, refresh, wait_for_sync, ...
    calls, errors = run_every_call(host_db, conn, None)
    assert calls > 50 and errors > 0


def test_every_function_survives_for_a_plain_role(host_db, conn, plain_role) -> None:
    calls, errors = run_every_call(host_db, conn, plain_role)
    assert calls > 50 and errors > 0


def test_python_call_with_null_is_an_error_not_a_crash(conn) -> None:
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.Error) as raised:
            cur.execute("SELECT hubspot_fdw._python_call(NULL, NULL)")
        assert raised.value.pgcode == "22004"
        cur.execute("SELECT hubspot_fdw._python_call('builtins.str', NULL)")  # NULL argument: None
        assert cur.fetchone() == ("None",)
        with pytest.raises(psycopg2.Error) as raised:
            cur.execute("SELECT hubspot_fdw._python_call('nodots', 'x')")
        assert raised.value.pgcode == "22023"
