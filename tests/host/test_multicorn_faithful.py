"""Where Multicorn2 wrappers rely on a behaviour, the host behaves as Multicorn2 does.

Values a wrapper returns (bytes, dicts, lists, nested lists), the quals it receives
(IS TRUE/FALSE/UNKNOWN, their repr), bulk_insert, the per-transaction state of
TransactionAwareForeignDataWrapper, the shape of its errors, and upstream's own
``multicorn`` package importable beside the host.
"""

import psycopg2
import pytest
from host_helpers import reports, run
from pg_harness import TESTS_DIR, Database, create_database, python_path

from hubspot_fdw.host import Qual


@pytest.fixture(scope="module", autouse=True)
def servers(host_db):
    with host_db.connect() as conn:
        for name, wrapper in (("shapes", "Shapes"), ("batched", "Batched"), ("ledger", "Ledger"),
                              ("echo", "Echo")):
            run(conn, f"CREATE SERVER {name} FOREIGN DATA WRAPPER hubspot_fdw "
                      f"OPTIONS (wrapper 'host_test_wrappers.{wrapper}')")
        run(conn, "CREATE EXTENSION hstore")


def shaped_table(conn, shape: str, columns: str) -> None:
    run(conn, "DROP FOREIGN TABLE IF EXISTS shaped")
    run(conn, f"CREATE FOREIGN TABLE shaped ({columns}) SERVER shapes OPTIONS (shape '{shape}')")


def shaped(conn, shape: str, columns: str) -> list[tuple]:
    shaped_table(conn, shape, columns)
    return run(conn, "SELECT * FROM shaped")


def error_of(conn, sql):
    with pytest.raises(psycopg2.Error) as excinfo:
        run(conn, sql)
    return excinfo.value


# ---- values the wrapper returns ------------------------------------------------------

def test_bytes_are_decoded_into_text_and_kept_raw_in_bytea(conn):
    text = "bl\u00e5 \u2713\n"
    ((t, v, v9, b),) = shaped(conn, "bytes", "t text, v varchar, v9 varchar(9), b bytea")
    assert (t, v, v9, bytes(b)) == (text, text, text, text.encode())


def test_bytes_that_are_not_utf8_are_refused(conn):
    shaped_table(conn, "bad_bytes", "t text")
    error = error_of(conn, "SELECT * FROM shaped")
    assert error.pgcode == "22021"
    assert 'column "t"' in error.diag.message_primary


def test_a_dict_becomes_hstore(conn):
    (row,) = shaped(conn, "dict", "h hstore, t text")
    assert row[0] == '"k"=>"v", "n"=>"1", "none"=>NULL, "quote"=>"a \\"b\\""'
    assert run(conn, "SELECT h -> 'quote', h -> 'n', h ? 'none' FROM shaped") == [('a "b"', "1", True)]
    assert row[1] == '"k"=>"v", "n"=>"1", "quote"=>"a \\"b\\"", "none"=>NULL'


def test_a_list_into_text_is_its_python_text(conn):
    assert shaped(conn, "list", "t text, arr text[]") == [
        ("['a', 1, 'b,\"c\"']", ["a", "1", 'b,"c"'])]


def test_nested_lists_fill_as_many_dimensions_as_the_column_declares(conn):
    shaped_table(conn, "nested", "flat text[], grid text[][], t text")
    rows = run(conn, "SELECT array_ndims(flat), flat[1], array_ndims(grid), array_dims(grid), "
                     "grid[2][3], grid[2][2] IS NULL, t FROM shaped")
    assert rows == [(1, "['a', 'b', 'c']", 2, "[1:2][1:3]", "f", True,
                     "[['a', 'b', 'c'], ['d', None, 'f']]")]


def test_nested_lists_of_unequal_lengths_are_refused(conn):
    shaped_table(conn, "ragged", "grid text[][]")
    error = error_of(conn, "SELECT * FROM shaped")
    assert error.pgcode == "2202E"
    assert 'column "grid"' in error.diag.message_detail


# ---- quals ------------------------------------------------------------------------------

@pytest.mark.parametrize(("condition", "qual"), [
    ("flag IS TRUE", ["flag", "IS", True]),
    ("flag IS NOT TRUE", ["flag", "IS NOT", True]),
    ("flag IS FALSE", ["flag", "IS", False]),
    ("flag IS NOT FALSE", ["flag", "IS NOT", False]),
    ("flag IS UNKNOWN", ["flag", "IS", None]),
    ("flag IS NOT UNKNOWN", ["flag", "IS NOT", None]),
])
def test_boolean_tests_are_pushed_down(conn, condition, qual):
    run(conn, "DROP FOREIGN TABLE IF EXISTS flags")
    run(conn, "CREATE FOREIGN TABLE flags (id int, flag boolean) SERVER echo "
              "OPTIONS (rows '[{\"id\": 1, \"flag\": true}, {\"id\": 2, \"flag\": null}]')")
    reports(conn)
    rows = run(conn, f"SELECT id FROM flags WHERE {condition} ORDER BY id")
    (execute,) = reports(conn, "execute")
    assert execute["quals"] == [qual]
    expected = {"flag IS TRUE": [1], "flag IS NOT TRUE": [2], "flag IS FALSE": [],
                "flag IS NOT FALSE": [1, 2], "flag IS UNKNOWN": [2], "flag IS NOT UNKNOWN": [1]}
    assert [r[0] for r in rows] == expected[condition]


def test_qual_repr_reads_like_multicorn():
    assert repr(Qual("name", "~~", "a%")) == "name ~~ a%"
    assert repr(Qual("name", ("=", True), ["a", "b"])) == "name = ANY(['a', 'b'])"
    assert repr(Qual("n", ("<>", False), [1, 2])) == "n <> ALL([1, 2])"
    assert repr(Qual("flag", "IS NOT", None)) == "flag IS NOT None"


def test_explain_lines_are_labelled_multicorn(conn):
    run(conn, "DROP FOREIGN TABLE IF EXISTS flags")
    run(conn, "CREATE FOREIGN TABLE flags (id int, flag boolean) SERVER echo")
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN SELECT * FROM flags WHERE id = 3"))
    assert "Multicorn: echo quals=['id = 3']" in plan


# ---- writes -----------------------------------------------------------------------------

def test_bulk_insert_takes_rows_in_batches_of_modify_batch_size(conn):
    run(conn, "CREATE FOREIGN TABLE batched_rows (id int, note text) SERVER batched OPTIONS (batch '2')")
    reports(conn)
    run(conn, "INSERT INTO batched_rows (id) VALUES (1), (2), (3), (4), (5)")
    calls = reports(conn)
    assert [c["kind"] for c in calls] == ["bulk_insert"] * 3
    assert [[r["id"] for r in c["rows"]] for c in calls] == [[1, 2], [3, 4], [5]]


def test_insert_with_returning_stays_row_by_row(conn):
    run(conn, "CREATE FOREIGN TABLE batched_ret (id int, note text) SERVER batched OPTIONS (batch '2')")
    reports(conn)
    rows = run(conn, "INSERT INTO batched_ret (id) VALUES (1), (2), (3) RETURNING id, note")
    assert rows == [(1, "stored one by one"), (2, "stored one by one"), (3, "stored one by one")]
    assert [c["kind"] for c in reports(conn)] == ["insert"] * 3


def test_without_a_batch_size_rows_go_one_at_a_time(conn):
    run(conn, "CREATE FOREIGN TABLE one_by_one (id int, note text) SERVER batched")
    reports(conn)
    run(conn, "INSERT INTO one_by_one (id) VALUES (1), (2)")
    assert [c["kind"] for c in reports(conn)] == ["insert", "insert"]


def test_transaction_state_is_made_at_start_and_again_after_rollback(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        run(conn, "CREATE FOREIGN TABLE journal (id int) SERVER ledger")
        conn.commit()
        reports(conn)
        run(conn, "INSERT INTO journal VALUES (1)")
        kinds = reports(conn)
        assert [k["kind"] for k in kinds] == ["init_transaction_state", "journal"]
        assert kinds[1]["journal"] == ["insert 1"] and kinds[1]["pending"] == 1
        conn.rollback()
        assert [k["kind"] for k in reports(conn)] == ["init_transaction_state"]
        run(conn, "INSERT INTO journal VALUES (2)")
        conn.commit()
        kinds = reports(conn)
        assert kinds[0]["journal"] == ["insert 2"]
        assert [k["kind"] for k in kinds] == ["journal", "commit", "init_transaction_state"]
    finally:
        conn.close()


# ---- upstream's own multicorn package importable ----------------------------------------

@pytest.fixture(scope="module")
def standin_db(postgresql_proc) -> Database:
    """A database whose backends import a ``multicorn`` laid out like upstream's."""
    db = create_database(postgresql_proc, "t_multicorn_standin", None)
    with db.connect() as conn:
        run(conn, "ALTER DATABASE t_multicorn_standin SET hubspot_fdw.python_path = %s",
            (python_path(TESTS_DIR / "host" / "upstream_standin"),))
    with db.connect() as conn:
        run(conn, "CREATE SERVER talk FOREIGN DATA WRAPPER hubspot_fdw "
                  "OPTIONS (wrapper 'standin_wrappers.Talker')")
        run(conn, "CREATE FOREIGN TABLE talker (id int) SERVER talk")
        run(conn, "CREATE FOREIGN TABLE failing_talker (id int) SERVER talk OPTIONS (fail 'yes')")
    return db


def test_upstream_package_messages_reach_the_client(standin_db):
    with standin_db.connect() as conn:
        assert run(conn, "SELECT * FROM talker") == [(1,)]
        notices = "".join(conn.notices)
        (which,) = run(conn, "SELECT hubspot_fdw._python_call("
                             "'hubspot_fdw.host.multicorn_compat.describe', NULL)")[0]
    assert which.startswith("upstream ")
    assert "NOTICE:  talker says hello" in notices
    assert "WARNING:  talker warns" in notices


def test_upstream_package_errors_show_their_message_not_a_tuple(standin_db):
    with standin_db.connect() as conn:
        error = error_of(conn, "SELECT * FROM failing_talker")
    assert error.diag.message_primary == "talker gives up"
    assert error.diag.message_detail == "on purpose"
    assert error.diag.message_hint == "try again"
