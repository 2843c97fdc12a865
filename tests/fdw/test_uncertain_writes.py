"""Writes whose outcome is unknown, and records leaving the cache, on the hubspot_fdw host
against the simulator: a truncated 200 answer to a batch update is 08007 (not 08P01),
warned about at rollback and listed in hubspot_fdw.uncertain_writes after it; hints fit
the operation; an UPDATE of a missing id warns about nothing; a DELETE through the
foreign table is listed in deleted_records; a created-then-archived record is taken out
of the cache by `hubspot-fdw sync --once`; counting calls hooks nothing onto the session."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import psycopg2
import pytest

from fdw.conftest import query
from fdw.test_write_truth import error_of, warnings

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOOKS = "SELECT hubspot_fdw._python_call('hubspot_fdw.api.session.describe', NULL)"


@pytest.fixture(autouse=True)
def live(conn, sim, cached):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    sim.clear_faults()
    yield
    sim.clear_faults()


def contact(conn, offset: int) -> str:
    return query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET %s", (offset,))[0][0]


def listed(conn, record_id: str) -> list[tuple]:
    return query(conn, "SELECT table_name, operation, record_ids, sent_values, known, role_name "
                       "FROM hubspot_fdw.uncertain_writes WHERE %s = ANY(record_ids)", (record_id,))


def test_truncated_answer_to_an_update_is_uncertain_and_listed(conn, sim, client):
    target = contact(conn, 21)
    sim.set_faults(truncate_rate=1.0, path_contains="/batch/update")
    error = error_of(conn, "UPDATE hubspot.contacts SET jobtitle = 'Sardaukar' WHERE id = %s", (target,))
    sim.clear_faults()
    assert error.pgcode == "08007", error.diag.message_primary
    assert error.diag.message_primary.startswith(f"HubSpot accepted the update of contacts {target}")
    assert "its answer could not be read" in error.diag.message_primary
    assert "hubspot_fdw.uncertain_writes" in error.diag.message_detail
    # the hint fits an UPDATE
    assert "Read the records from HubSpot" in error.diag.message_hint
    assert "create" not in error.diag.message_hint and "duplicate" not in error.diag.message_hint
    assert error.diag.message_detail.startswith("HubSpot applied the change; which values it stored is not known.")
    # the rollback warns that HubSpot keeps what it may have applied (here: did apply)
    text = warnings(conn)
    assert (f"outcome unknown, HubSpot may keep: the update of contacts {target} (jobtitle='Sardaukar') "
            f"(HubSpot accepted it, but its answer could not be read)") in text
    assert "listed in hubspot_fdw.uncertain_writes" in text and "Write the old values back" not in text
    assert client.get_object("contacts", target, properties=["jobtitle"]).properties["jobtitle"] == "Sardaukar"
    # listed after the transaction, once, in the name of the role that wrote
    rows = listed(conn, target)
    assert len(rows) == 1, rows
    table, operation, ids, values, known, role = rows[0]
    assert (table, operation, ids) == ("contacts", "update", [target])
    assert values == {target: {"jobtitle": "Sardaukar"}}
    assert known == "HubSpot accepted it, but its answer could not be read"
    assert role == query(conn, "SELECT current_user")[0][0]
    # still there from another session (written, not only held by this one), then forgotten
    other = psycopg2.connect(conn.dsn)
    try:
        entry = query(other, "SELECT id FROM hubspot_fdw.uncertain_writes WHERE %s = ANY(record_ids)",
                      (target,))
        assert len(entry) == 1
        assert query(other, "SELECT hubspot_fdw.forget_uncertain_write(%s)", (entry[0][0],)) == [(True,)]
        other.commit()
    finally:
        other.close()
    assert listed(conn, target) == []


def test_uncertain_create_hint_and_listing(conn, sim, client):
    sim.set_faults(reset_rate=1.0, max_faults=1, path_contains="/crm/v3/objects/contacts", methods=["POST"])
    error = error_of(conn, "INSERT INTO hubspot.contacts (email, firstname) "
                           "VALUES ('uncertain-create@truth.example', 'Irulan')")
    sim.clear_faults()
    assert error.pgcode == "08007"
    assert "may have been applied" in error.diag.message_primary
    assert "before retrying" in error.diag.message_hint and "duplicate" in error.diag.message_hint
    assert "may have been applied" in warnings(conn)
    rows = query(conn, "SELECT operation, record_ids, sent_values, known FROM hubspot_fdw.uncertain_writes "
                       "WHERE sent_values -> 'new' ->> 'email' = 'uncertain-create@truth.example'")
    assert rows == [("insert", [], {"new": {"email": "uncertain-create@truth.example", "firstname": "Irulan"}},
                     "HubSpot's answer never came: it may have been applied")]


def test_uncertain_writes_survive_a_failed_transaction_and_other_roles_do_not_see_them(db, sim):
    conn = db.connect(autocommit=False)
    try:
        query(conn, "SET hubspot_fdw.read_mode = 'live'")
        target = contact(conn, 23)
        sim.set_faults(truncate_rate=1.0, path_contains="/batch/update")
        with pytest.raises(psycopg2.Error) as info:
            query(conn, "UPDATE hubspot.contacts SET jobtitle = 'Bene Gesserit' WHERE id = %s", (target,))
        sim.clear_faults()
        assert info.value.pgcode == "08007"
        conn.rollback()
        held = "SELECT hubspot_fdw._python_call('hubspot_fdw.fdw.uncertain.describe', NULL)"
        assert target in query(conn, held)[0][0]
        conn.commit()
        # a later transaction of the session that uses a foreign table and commits writes it
        query(conn, "SET hubspot_fdw.read_mode = 'live'")
        query(conn, "SELECT count(*) FROM hubspot.contacts WHERE id = %s", (target,))
        conn.commit()
        assert len(listed(conn, target)) == 1                 # once: written, and no longer held
        assert '"pending": []' in query(conn, held)[0][0]
        conn.commit()
    finally:
        conn.close()
    admin = db.connect()
    try:
        assert len(listed(admin, target)) == 1
        query(admin, "DROP ROLE IF EXISTS stranger")
        query(admin, "CREATE ROLE stranger")
        query(admin, "SET ROLE stranger")
        assert listed(admin, target) == []
        assert query(admin, "SELECT hubspot_fdw.forget_uncertain_write(id) FROM hubspot_fdw._my_uncertain_writes") \
            == []
        query(admin, "RESET ROLE")
        assert len(listed(admin, target)) == 1
    finally:
        admin.close()


def test_update_of_a_missing_id_warns_about_nothing(conn, sim):
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    query(conn, "INSERT INTO hubspot_cache.contacts (id, email) VALUES ('999999999', 'ghost@truth.example')")
    try:
        error = error_of(conn, "UPDATE hubspot.contacts SET jobtitle = 'Ghola' WHERE id = '999999999'")
    finally:
        query(conn, "DELETE FROM hubspot_cache.contacts WHERE id = '999999999'")
    assert error.pgcode == "P0002", (error.pgcode, error.diag.message_primary)
    text = warnings(conn)
    assert "HubSpot keeps" not in text, text


def test_delete_through_the_foreign_table_is_listed(conn, sim, client):
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    victim = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('deleted@truth.example') RETURNING id")[0][0]
    query(conn, "DELETE FROM hubspot.contacts WHERE id = %s", (victim,))
    assert query(conn, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (victim,)) == [(0,)]
    assert query(conn, "SELECT server_name, reason FROM hubspot_fdw.deleted_records "
                       "WHERE table_name = 'contacts' AND record_id = %s", (victim,)) == [("hubspot", "deleted")]
    assert client.find_object("contacts", victim) is None


def sync_once(db) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from hubspot_fdw.cli import main; main()", "sync", "--dsn", db.dsn,
               "--server", "hubspot", "--tables", "contacts", "--once", "--no-budget", "--progress", "off",
               "--index-lag-ms", "0"]
    return subprocess.run(command, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                          timeout=180)


def test_created_then_archived_record_leaves_the_cache_on_sync_once(db, conn, sim, client):
    assert sync_once(db).returncode == 0
    new_id = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('drift@truth.example') RETURNING id")[0][0]
    assert query(conn, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (new_id,)) == [(1,)]
    client.archive_object("contacts", new_id)       # archived in HubSpot, outside this database
    done = sync_once(db)
    assert done.returncode == 0, done.stderr
    assert query(conn, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (new_id,)) == [(0,)]
    assert query(conn, "SELECT reason FROM hubspot_fdw.deleted_records WHERE table_name = 'contacts' "
                       "AND record_id = %s", (new_id,)) == [("archived",)]


def test_counting_calls_hooks_nothing(conn):
    query(conn, "SELECT hubspot_fdw.refresh('hubspot.contacts'::regclass)")
    before = query(conn, HOOKS)[0][0]
    for _ in range(100):
        query(conn, "SELECT hubspot_fdw.refresh('hubspot.contacts'::regclass)")
    after = query(conn, HOOKS)[0][0]
    assert after == before and after.endswith(" hooks=0"), (before, after)


def test_a_plain_role_sees_and_forgets_its_own_entries(db, sim):
    with db.connect() as admin:
        query(admin, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scribe') THEN "
                     "CREATE ROLE scribe LOGIN; END IF; END $$")
        query(admin, "GRANT USAGE ON SCHEMA hubspot TO scribe")
        query(admin, "GRANT SELECT, UPDATE ON hubspot.contacts TO scribe")
        query(admin, "DROP USER MAPPING IF EXISTS FOR scribe SERVER hubspot")
        query(admin, "CREATE USER MAPPING FOR scribe SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        target = contact(admin, 25)
    scribe = db.connect(user="scribe")
    try:
        query(scribe, "SET hubspot_fdw.read_mode = 'live'")
        sim.set_faults(truncate_rate=1.0, path_contains="/batch/update")
        with pytest.raises(psycopg2.Error) as info:
            query(scribe, "UPDATE hubspot.contacts SET jobtitle = 'Scribe' WHERE id = %s", (target,))
        sim.clear_faults()
        assert info.value.pgcode == "08007"
        rows = query(scribe, "SELECT id, role_name FROM hubspot_fdw.uncertain_writes WHERE %s = ANY(record_ids)",
                     (target,))
        assert [r[1] for r in rows] == ["scribe"]
        with pytest.raises(psycopg2.Error):
            query(scribe, "SELECT * FROM hubspot_fdw.uncertain_write_log")      # only through the view
        assert query(scribe, "SELECT hubspot_fdw.forget_uncertain_write(%s)", (rows[0][0],)) == [(True,)]
        assert listed(scribe, target) == []
    finally:
        scribe.close()
