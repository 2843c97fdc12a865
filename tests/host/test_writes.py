"""INSERT/UPDATE/DELETE/RETURNING, COPY, transactions and savepoints through the Memory wrapper."""

import psycopg2
import pytest
from host_helpers import reports, run


@pytest.fixture(scope="module", autouse=True)
def memory_tables(host_db):
    with host_db.connect() as conn:
        run(conn, "CREATE SERVER mem FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (wrapper 'host_test_wrappers.Memory')")
        run(conn, "CREATE FOREIGN TABLE people (id bigint, email text, note text) SERVER mem OPTIONS (name 'people')")
        run(conn, "CREATE FOREIGN TABLE traced (id bigint, email text, note text) "
                  "SERVER mem OPTIONS (name 'traced', trace 'on')")
        run(conn, "CREATE TABLE local_log (msg text)")


def hooks(conn):
    return [r["kind"] for r in reports(conn)]


def test_insert_returning_shows_what_the_wrapper_stored(conn):
    rows = run(conn, "INSERT INTO people (email) VALUES ('a@example.com') RETURNING id, email, note")
    assert rows == [(1001, "a@example.com", "default note")]
    assert run(conn, "SELECT id, email FROM people WHERE id = 1001") == [(1001, "a@example.com")]


def test_update_receives_rowid_and_all_columns(conn):
    run(conn, "INSERT INTO traced VALUES (1, 'one@example.com', 'n1')")
    reports(conn)
    rows = run(conn, "UPDATE traced SET email = 'uno@example.com' WHERE id = 1 RETURNING id, email, note")
    assert rows == [(1, "uno@example.com", "updated")]
    update = [r for r in reports(conn) if r["kind"] == "update"][0]
    assert update["rowid"] == 1
    assert update["values"] == {"id": 1, "email": "uno@example.com", "note": "n1"}


def test_delete_returning_shows_the_scanned_row(conn):
    run(conn, "INSERT INTO traced VALUES (2, 'two@example.com', 'n2')")
    rows = run(conn, "DELETE FROM traced WHERE id = 2 RETURNING id, email, note")
    assert rows == [(2, "two@example.com", "n2")]
    assert run(conn, "SELECT count(*) FROM traced WHERE id = 2") == [(0,)]


def test_call_sequence_of_an_autocommit_insert(conn):
    run(conn, "SELECT 1 FROM traced LIMIT 1")
    reports(conn)
    run(conn, "INSERT INTO traced VALUES (3, 'three@example.com', 'n3')")
    assert hooks(conn) == ["begin", "insert", "end_modify", "pre_commit", "commit"]


def test_rejected_insert_rolls_back_the_whole_transaction(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO local_log VALUES ('before the foreign write')")
            with pytest.raises(psycopg2.Error) as excinfo:
                cur.execute("INSERT INTO people (email) VALUES ('reject@example.com')")
        error = excinfo.value
        assert error.pgcode == "23514"
        assert error.diag.message_primary == "HubSpot rejected the email"
        assert error.diag.message_detail == "Property values were not valid"
        assert error.diag.message_hint == "Use a real address"
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM local_log")
            assert cur.fetchone() == (0,)
            cur.execute("SELECT 1")  # the session keeps serving
    finally:
        conn.close()


def test_rollback_hook_runs_at_the_error(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO traced VALUES (4, 'four@example.com', 'n4')")
            reports(conn)
            with pytest.raises(psycopg2.Error):
                cur.execute("UPDATE traced SET email = 'reject@example.com' WHERE id = 4")
        assert "rollback" in hooks(conn)
        conn.rollback()
    finally:
        conn.close()


def test_savepoints_call_sub_hooks(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO traced VALUES (10, 'x@example.com', 'n')")
            cur.execute("SAVEPOINT a")
            cur.execute("INSERT INTO traced VALUES (11, 'y@example.com', 'n')")
            cur.execute("SAVEPOINT b")
            cur.execute("INSERT INTO traced VALUES (12, 'z@example.com', 'n')")
            cur.execute("ROLLBACK TO b")
            cur.execute("RELEASE a")
        conn.commit()
        calls = [(r["kind"], r.get("level")) for r in reports(conn)
                 if r["kind"] in ("begin", "sub_begin", "sub_commit", "sub_rollback", "pre_commit", "commit")]
        assert calls == [("begin", None), ("sub_begin", 2), ("sub_begin", 3), ("sub_rollback", 3),
                         ("sub_commit", 2), ("pre_commit", None), ("commit", None)]
    finally:
        conn.close()


def test_copy_from_into_a_foreign_table(conn):
    with conn.cursor() as cur:
        import io
        cur.copy_expert("COPY people (id, email, note) FROM STDIN",
                        io.StringIO("501\tc1@example.com\tcopied\n502\tc2@example.com\tcopied\n"))
    assert run(conn, "SELECT id FROM people WHERE note = 'copied' ORDER BY id") == [(501,), (502,)]


def test_insert_select_and_update_from_join(conn):
    run(conn, "INSERT INTO people SELECT g, 'g' || g || '@example.com', 'bulk' FROM generate_series(700, 704) g")
    run(conn, "CREATE TEMP TABLE fixes (id bigint, note text)")
    run(conn, "INSERT INTO fixes VALUES (701, 'fixed'), (703, 'fixed')")
    rows = run(conn, "UPDATE people p SET note = f.note FROM fixes f WHERE p.id = f.id RETURNING p.id")
    assert sorted(rows) == [(701,), (703,)]


def test_two_sessions_have_their_own_instances(host_db):
    first, second = host_db.connect(), host_db.connect()
    try:
        run(first, "INSERT INTO people VALUES (9001, 'first@example.com', 's1')")
        # in-memory data lives in each backend's own interpreter
        assert run(second, "SELECT count(*) FROM people WHERE id = 9001") == [(0,)]
        assert run(first, "SELECT count(*) FROM people WHERE id = 9001") == [(1,)]
    finally:
        first.close()
        second.close()


def test_two_concurrent_sessions_scan_and_write(host_db):
    import threading

    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        conn = host_db.connect()
        try:
            for i in range(50):
                run(conn, "INSERT INTO people VALUES (%s, %s, 'concurrent')", (offset + i, f"c{offset + i}@x"))
                count = run(conn, "SELECT count(*) FROM people WHERE note = 'concurrent'")[0][0]
                assert count == i + 1
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(base,)) for base in (20000, 30000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_prepare_transaction_is_refused_after_foreign_writes(host_db):
    conn = host_db.connect(autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO people VALUES (777, 'prep@example.com', 'p')")
            with pytest.raises(psycopg2.Error) as excinfo:
                cur.execute("PREPARE TRANSACTION 'hubspot'")
        assert excinfo.value.pgcode == "0A000"
        assert "cannot PREPARE a transaction" in excinfo.value.diag.message_primary
        conn.rollback()
    finally:
        conn.close()
