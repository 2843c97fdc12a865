"""Exact conversions both ways: ints, numeric, bool, timestamps, json, arrays, bytea, unicode."""

import datetime
import decimal
import json

import pytest
from host_helpers import reports, run

COLUMNS = ("id int, i2 smallint, i8 bigint, f8 float8, num numeric, flag boolean, t text, "
           "d date, ts timestamp, tstz timestamptz, js jsonb, arr text[], iarr int[], b bytea")


@pytest.fixture(scope="module", autouse=True)
def values_server(host_db):
    with host_db.connect() as conn:
        run(conn, "CREATE SERVER vals FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'host_test_wrappers.Values')")


def make_table(conn, name, row=None, returning=None):
    options = []
    if row is not None:
        options.append(f"row '{json.dumps(row)}'")
    if returning is not None:
        options.append(f"returning '{json.dumps(returning)}'")
    if not options:
        options.append("note 'none'")
    run(conn, f"DROP FOREIGN TABLE IF EXISTS {name}")
    run(conn, f"CREATE FOREIGN TABLE {name} ({COLUMNS}) SERVER vals OPTIONS ({', '.join(options)})")


def test_python_values_reach_postgres_exactly(conn):
    make_table(conn, "out_values", row={
        "id": 1, "i2": -32768, "i8": 9000000000000000001, "f8": 1.25,
        "num": {"$decimal": "12345678901234567890.123456789"}, "flag": True, "t": "héllo ✓ \"q\"",
        "d": {"$date": "2024-02-29"}, "ts": {"$datetime": "2024-02-29T11:14:15.123456"},
        "tstz": {"$datetime": "2024-02-29T11:14:15.123456+02:00"},
        "js": {"$json": {"a": [1, None, "x"]}}, "arr": ["x", None, 'y "z"', "w,v"],
        "iarr": [1, None, 3], "b": {"$bytes": "0001ff"}})
    run(conn, "SET TimeZone = 'UTC'")
    rows = run(conn, "SELECT id, i2, i8, f8, num::text, flag, t, d, ts, tstz::text, js::text, arr, iarr, encode(b, $$hex$$) FROM out_values")
    assert rows == [(1, -32768, 9000000000000000001, 1.25, "12345678901234567890.123456789", True, "héllo ✓ \"q\"",
                     datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 11, 14, 15, 123456),
                     "2024-02-29 09:14:15.123456+00", '{"a": [1, null, "x"]}', ["x", None, 'y "z"', "w,v"],
                     [1, None, 3], "0001ff")]


def test_postgres_values_reach_python_exactly(conn):
    make_table(conn, "in_values")
    reports(conn)
    run(conn, "INSERT INTO in_values VALUES (1, 2, 9000000000, 1.5, 12345678901234567890.123456789, true, "
              "'ünï', '2024-02-29', '2024-02-29 11:14:15.123456', '2024-02-29 11:14:15.123456+02', "
              "'{\"k\": [1, 2.5]}', ARRAY['a', NULL], ARRAY[1, NULL], '\\x00ff')")
    got = reports(conn, "insert")[0]
    assert got["types"] == {"id": "int", "i2": "int", "i8": "int", "f8": "float", "num": "Decimal",
                            "flag": "bool", "t": "str", "d": "date", "ts": "datetime", "tstz": "datetime",
                            "js": "dict", "arr": "list", "iarr": "list", "b": "bytes"}
    values = got["values"]
    assert values["i8"] == 9000000000
    assert values["num"] == {"type": "Decimal", "str": "12345678901234567890.123456789"}
    assert values["ts"] == {"type": "datetime", "iso": "2024-02-29T11:14:15.123456"}
    assert values["tstz"] == {"type": "datetime", "iso": "2024-02-29T09:14:15.123456+00:00"}
    assert values["js"] == {"k": [1, 2.5]}
    assert values["arr"] == ["a", None] and values["iarr"] == [1, None]
    assert values["b"] == {"type": "bytes", "hex": "00ff"}


def test_returned_dict_feeds_returning_with_conversions(conn):
    make_table(conn, "ret_values", returning={"id": 42, "num": {"$decimal": "0.1"}, "js": {"$json": [1, 2]},
                                              "arr": [None]})
    rows = run(conn, "INSERT INTO ret_values (id) VALUES (1) RETURNING id, num, js::text, arr, t")
    assert rows == [(42, decimal.Decimal("0.1"), "[1, 2]", [None], None)]


def test_bad_values_give_clear_errors(conn):
    import psycopg2
    make_table(conn, "bad_int", row={"id": "not a number"})
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "SELECT id FROM bad_int")
    assert excinfo.value.pgcode == "22P02"
    assert 'column "id"' in excinfo.value.diag.context
    make_table(conn, "bad_bool_int", row={"id": True})
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "SELECT id FROM bad_bool_int")
    assert excinfo.value.pgcode == "42804"
    make_table(conn, "too_big", row={"i2": 40000})
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, "SELECT i2 FROM too_big")
    assert excinfo.value.pgcode == "22003"


def test_text_with_nul_from_a_wrapper_is_an_error_not_truncated(conn):
    make_table(conn, "nul_text", row={"id": 1, "t": "a\u0000b"})
    with pytest.raises(Exception) as raised:
        run(conn, "SELECT t FROM nul_text")
    assert getattr(raised.value, "pgcode", None) == "22021"
    assert "NUL" in str(raised.value)


def test_execute_sql_refuses_nul_as_a_python_error(conn):
    conn.rollback()
    rows = run(conn, "SELECT hubspot_fdw._python_call('host_test_wrappers.execute_sql_with_nul', NULL)")
    assert rows == [("ValueError: execute_sql: text cannot contain NUL (0x00) characters",)]
