"""The C<->Python scan contract, pinned by the Echo wrapper: what execute,
get_rel_size and can_sort receive for each kind of WHERE/ORDER BY/LIMIT."""

import json

import pytest
from host_helpers import reports, run

ROWS = [{"id": 1, "name": "a", "n": 10, "flag": True},
        {"id": 2, "name": "b", "n": 5000000001, "flag": False},
        {"id": 3, "name": None, "n": 7, "flag": None}]


@pytest.fixture(scope="module", autouse=True)
def echo_table(host_db):
    with host_db.connect() as conn:
        run(conn, "CREATE SERVER echo FOREIGN DATA WRAPPER hubspot_fdw "
                  "OPTIONS (wrapper 'host_test_wrappers.Echo', k 'server', sortable 'name,id', limitable 'yes')")
        run(conn, "CREATE FOREIGN TABLE echo (id int, name text, n bigint, flag boolean) "
                  "SERVER echo OPTIONS (rows %s, k 'table', t 'x', estimate '100000')", (json.dumps(ROWS),))
        run(conn, "CREATE USER MAPPING FOR CURRENT_USER SERVER echo OPTIONS (k 'usermapping', token 's3cret')")
        run(conn, "CREATE TABLE outer_ids (id int)")
        run(conn, "INSERT INTO outer_ids VALUES (1), (3)")
        run(conn, "ANALYZE outer_ids")


def executed(conn, sql, params=None):
    reports(conn)
    rows = run(conn, sql, params)
    calls = reports(conn, "execute")
    return rows, calls


def test_options_are_merged_like_multicorn(conn):
    run(conn, "SELECT * FROM echo")  # the instance may be cached already
    run(conn, "ALTER FOREIGN TABLE echo OPTIONS (ADD k2 'table')")
    reports(conn)
    run(conn, "SELECT * FROM echo")
    init = reports(conn, "init")
    assert init, "ALTER ... OPTIONS must rebuild the instance"
    options = init[0]["options"]
    assert options["k"] == "usermapping"          # user mapping overrides server and table
    assert options["k2"] == "table"
    assert options["token"] == "s3cret"
    assert "wrapper" not in options
    columns = init[0]["columns"]
    assert [c[0] for c in columns] == ["id", "name", "n", "flag"]
    assert columns[2][1:5] == [20, -1, "bigint", "bigint"]
    run(conn, "ALTER FOREIGN TABLE echo OPTIONS (DROP k2)")


def test_scalar_quals_keep_python_types(conn):
    rows, calls = executed(conn, "SELECT id FROM echo WHERE n > 5000000000 AND 2 <= id AND name = 'b'")
    assert rows == [(2,)]
    quals = sorted(map(tuple, calls[0]["quals"]))
    assert quals == [("id", ">=", 2), ("n", ">", 5000000000), ("name", "=", "b")]
    assert sorted(calls[0]["value_types"]) == ["int", "int", "str"]
    assert calls[0]["columns"] == ["id", "n", "name"]


def test_list_and_null_quals(conn):
    _, calls = executed(conn, "SELECT id FROM echo WHERE id IN (1, 2) AND n <> ALL(ARRAY[7, 8]) "
                              "AND name IS NOT NULL AND flag IS NULL")
    quals = {q[0]: q for q in calls[0]["quals"]}
    assert quals["id"] == ["id", ["=", True], [1, 2]]
    assert quals["n"] == ["n", ["<>", False], [7, 8]]
    assert quals["name"] == ["name", "<>", None]
    assert quals["flag"] == ["flag", "=", None]


def test_boolean_column_quals(conn):
    _, calls = executed(conn, "SELECT id FROM echo WHERE flag")
    assert calls[0]["quals"] == [["flag", "=", True]]
    _, calls = executed(conn, "SELECT id FROM echo WHERE NOT flag")
    assert calls[0]["quals"] == [["flag", "=", False]]


def test_count_star_asks_for_no_columns(conn):
    rows, calls = executed(conn, "SELECT count(*) FROM echo")
    assert rows == [(3,)]
    assert calls[0]["columns"] == []


def test_get_rel_size_sees_only_constant_quals(conn):
    reports(conn)
    run(conn, "SELECT id FROM echo WHERE id = 1 AND name = (SELECT 'a'::text)")
    sizes = reports(conn, "get_rel_size")
    assert sizes[0]["quals"] == [["id", "=", 1]]


def test_prepared_statement_params(conn):
    run(conn, "PREPARE q(int, bigint[]) AS SELECT id FROM echo WHERE id = $1 AND n = ANY($2)")
    for _ in range(6):  # past the custom-plan threshold, into the generic plan
        rows, calls = executed(conn, "EXECUTE q(2, ARRAY[5000000001, 3])")
        assert rows == [(2,)]
        assert sorted(map(tuple, [tuple(map(lambda x: tuple(x) if isinstance(x, list) else x, q))
                                  for q in calls[0]["quals"]])) == \
            [("id", "=", 2), ("n", ("=", True), (5000000001, 3))]
    run(conn, "DEALLOCATE q")


def test_initplan_param_is_evaluated(conn):
    rows, calls = executed(conn, "SELECT id FROM echo WHERE name = (SELECT 'b'::text)")
    assert rows == [(2,)]
    assert calls[0]["quals"] == [["name", "=", "b"]]


def test_parameterized_nested_loop_uses_path_keys(conn):
    run(conn, "SET enable_hashjoin = off")
    run(conn, "SET enable_mergejoin = off")
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN SELECT e.name FROM outer_ids o JOIN echo e ON e.id = o.id"))
    assert "Nested Loop" in plan, plan
    assert "Materialize" not in plan, plan
    rows, calls = executed(conn, "SELECT e.name FROM outer_ids o JOIN echo e ON e.id = o.id ORDER BY 1")
    assert rows == [("a",), (None,)]
    assert sorted(c["quals"][0][2] for c in calls) == [1, 3]  # one execute per outer row
    run(conn, "RESET enable_hashjoin")
    run(conn, "RESET enable_mergejoin")


def test_sort_pushdown_removes_the_sort_node(conn):
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN SELECT * FROM echo ORDER BY name DESC"))
    assert "Sort" not in plan
    rows, calls = executed(conn, "SELECT name FROM echo ORDER BY name DESC")
    assert calls[0]["sortkeys"] == [["name", 2, True, True, None]]
    assert rows == [(None,), ("b",), ("a",)]


def test_refused_sort_is_done_by_postgres(conn):
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN SELECT * FROM echo ORDER BY n"))
    assert "Sort" in plan
    rows, calls = executed(conn, "SELECT n FROM echo ORDER BY n")
    assert calls[0]["sortkeys"] == []
    assert rows == [(7,), (10,), (5000000001,)]


def test_limit_offset_pushdown_is_correct(conn):
    rows, calls = executed(conn, "SELECT id FROM echo ORDER BY id LIMIT 1 OFFSET 1")
    assert rows == [(2,)]
    assert calls[0]["limit"] == 2 and calls[0]["offset"] == 0
    rows, calls = executed(conn, "SELECT id FROM echo WHERE id > 0 ORDER BY id LIMIT 1")
    assert rows == [(1,)]
    assert calls[0]["limit"] is None  # a WHERE clause: never pushed


def test_explain_shows_wrapper_lines_without_executing(conn):
    reports(conn)
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN (VERBOSE) SELECT id FROM echo WHERE name = (SELECT 'b'::text)"))
    assert "Multicorn: echo quals=" in plan and "verbose=True" in plan
    assert reports(conn, "execute") == []
    plan = "\n".join(r[0] for r in run(conn, "EXPLAIN ANALYZE SELECT id FROM echo WHERE name = 'a'"))
    assert "echo quals=['name = ''a'']" in plan or "name = 'a'" in plan


def test_explain_of_by_reference_param_does_not_crash(conn):
    run(conn, "EXPLAIN SELECT * FROM echo WHERE n = (SELECT 1.5::numeric)")
    run(conn, "EXPLAIN SELECT * FROM echo WHERE name = (SELECT repeat('x', 3))")
    run(conn, "PREPARE pn(numeric) AS SELECT * FROM echo WHERE n::numeric = $1")
    for _ in range(6):
        run(conn, "EXPLAIN EXECUTE pn(1.5)")
    assert run(conn, "SELECT 1") == [(1,)]


def test_end_scan_is_called(conn):
    reports(conn)
    run(conn, "SELECT * FROM echo")
    assert len(reports(conn, "end_scan")) == 1


def test_self_join_shares_one_instance(conn):
    run(conn, "SELECT 1 FROM echo LIMIT 1")  # first use in this backend builds the instance
    reports(conn)
    rows = run(conn, "SELECT a.id, b.id FROM echo a JOIN echo b ON a.id = b.id ORDER BY 1")
    assert rows == [(1, 1), (2, 2), (3, 3)]
    assert reports(conn, "init") == []


def test_instance_is_rebuilt_when_columns_change(conn):
    run(conn, "SELECT 1 FROM echo LIMIT 1")
    reports(conn)
    run(conn, "SELECT 1 FROM echo LIMIT 1")
    assert reports(conn, "init") == []  # cached across statements
    run(conn, "ALTER FOREIGN TABLE echo ADD COLUMN extra text")
    try:
        run(conn, "SELECT 1 FROM echo LIMIT 1")
        init = reports(conn, "init")
        assert [c[0] for c in init[0]["columns"]] == ["id", "name", "n", "flag", "extra"]
    finally:
        run(conn, "ALTER FOREIGN TABLE echo DROP COLUMN extra")
