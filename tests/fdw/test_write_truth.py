"""Writes that never lie, against the simulator with fault injection: cancel and
statement_timeout while HubSpot is slow, lost answers (08007), failed read-backs,
statements and savepoints that roll back after HubSpot accepted, ON CONFLICT, exact
multi-select sets, _sync_* columns, UPDATE ... RETURNING. Each test checks the SQL
outcome and what HubSpot holds (simulator records and request log)."""

from __future__ import annotations

import json
import re
import threading

import psycopg2
import pytest

from hubspot_fdw.api import Filter, HubSpotClient
from hubspot_fdw.catalog.convert import parse_datetime
from fdw.conftest import query

SLOW_MS = 1500


@pytest.fixture(autouse=True)
def live(conn, sim, cached):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    query(conn, "SELECT id FROM hubspot.contacts WHERE id = '0'")   # Python started: timeouts below hit the write
    sim.clear_faults()
    yield
    sim.clear_faults()


def error_of(conn, sql, params=None) -> psycopg2.Error:
    with pytest.raises(psycopg2.Error) as info:
        query(conn, sql, params)
    return info.value


def by_email(client: HubSpotClient, email: str) -> list:
    return list(client.search("contacts", filter_groups=[[Filter("email", "EQ", email)]], properties=["email"]))


def writes(sim, suffix: str = "") -> list[dict]:
    return [r for r in sim.requests() if r["method"] in ("POST", "PATCH", "DELETE")
            and "/search" not in r["path"] and "/batch/read" not in r["path"] and r["path"].endswith(suffix)]


def warnings(conn) -> str:
    text = "".join(conn.notices)
    conn.notices.clear()
    return text


def some_contact(conn) -> str:
    return query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET 7")[0][0]


# -- 1. a write in flight is never reported as not done ------------------------------------------
def test_timeout_during_create_reports_the_created_record_and_archives_it(conn, sim, client):
    sim.set_faults(latency_ms=SLOW_MS, path_contains="/crm/v3/objects/contacts", methods=["POST"])
    sim.clear_requests()
    query(conn, "SET statement_timeout = '300ms'")
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('slow-create@truth.example') RETURNING id")
    query(conn, "RESET statement_timeout")
    assert error.pgcode == "57014"
    created = [r for r in writes(sim) if r["path"] == "/crm/v3/objects/contacts"]
    assert len(created) == 1 and created[0]["status"] == 201       # HubSpot did create it
    found = re.search(r"contacts (\d+) was created in HubSpot before the statement was cancelled",
                      error.diag.message_primary)
    assert found, error.diag.message_primary
    new_id = found.group(1)
    assert "archived again" in error.diag.message_detail
    # the rollback archived it again and said so
    archives = writes(sim, "/batch/archive")
    assert [a["body"]["inputs"] for a in archives] == [[{"id": new_id}]]
    assert f"archived again in HubSpot: contacts {new_id}" in warnings(conn)
    assert client.find_object("contacts", new_id) is None
    assert by_email(client, "slow-create@truth.example") == []


def test_cancel_during_update_says_hubspot_keeps_it(conn, sim, client):
    target = some_contact(conn)
    sim.set_faults(latency_ms=SLOW_MS, path_contains="/batch/update")
    query(conn, "SET statement_timeout = '300ms'")
    error = error_of(conn, "UPDATE hubspot.contacts SET jobtitle = 'Duke' WHERE id = %s", (target,))
    query(conn, "RESET statement_timeout")
    assert error.pgcode == "57014"
    assert f"contacts {target} was updated in HubSpot (contacts {target} jobtitle='Duke')" \
           in error.diag.message_primary
    assert "HubSpot keeps the change" in error.diag.message_detail
    assert f"HubSpot keeps: contacts {target} jobtitle='Duke'" in warnings(conn)
    assert client.get_object("contacts", target, properties=["jobtitle"]).properties["jobtitle"] == "Duke"


def test_pg_cancel_backend_during_delete_reports_the_archive(db, conn, sim, client):
    victim = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('cancel-delete@truth.example') "
                         "RETURNING id")[0][0]
    sim.set_faults(latency_ms=SLOW_MS, path_contains="/batch/archive")
    pid = query(conn, "SELECT pg_backend_pid()")[0][0]
    other = db.connect()
    try:
        timer = threading.Timer(0.3, lambda: query(other, "SELECT pg_cancel_backend(%s)", (pid,)))
        timer.start()
        error = error_of(conn, "DELETE FROM hubspot.contacts WHERE id = %s", (victim,))
        timer.join()
    finally:
        other.close()
    assert error.pgcode == "57014"
    assert f"contacts {victim} was archived in HubSpot before the statement was cancelled" \
           in error.diag.message_primary
    assert f"HubSpot keeps: contacts {victim} archived" in warnings(conn)
    assert client.find_object("contacts", victim) is None


def test_lost_answer_to_a_create_is_08007_with_what_was_asked(conn, sim, client):
    sim.set_faults(reset_rate=1.0, max_faults=1, path_contains="/crm/v3/objects/contacts", methods=["POST"])
    error = error_of(conn, "INSERT INTO hubspot.contacts (email, firstname) "
                           "VALUES ('lost-answer@truth.example', 'Alia')")
    assert error.pgcode == "08007"
    assert "the create of a contacts record" in error.diag.message_primary
    assert "email='lost-answer@truth.example'" in error.diag.message_primary
    assert "may have been applied" in error.diag.message_primary
    assert "before retrying" in error.diag.message_hint
    # it was applied, and the rollback WARNING says it may have been
    assert len(by_email(client, "lost-answer@truth.example")) == 1
    assert "may have been applied" in warnings(conn)


def test_lost_answers_to_an_update_are_08007_not_unavailable(conn, sim, client):
    target = some_contact(conn)
    sim.set_faults(reset_rate=1.0, path_contains="/batch/update")
    error = error_of(conn, "UPDATE hubspot.contacts SET jobtitle = 'Mentat' WHERE id = %s", (target,))
    assert error.pgcode == "08007"
    assert f"the update of contacts {target}" in error.diag.message_primary
    assert client.get_object("contacts", target, properties=["jobtitle"]).properties["jobtitle"] == "Mentat"


def test_create_whose_read_back_fails_is_reported_done(conn, sim, client):
    sim.set_faults(error_rate=1.0, error_statuses=[500], path_contains="/batch/read")
    rows = query(conn, "INSERT INTO hubspot.contacts (email, firstname) VALUES ('reread@truth.example', 'Gurney') "
                       "RETURNING id, email, firstname")
    new_id, email, first = rows[0]
    assert (email, first) == ("reread@truth.example", "Gurney")
    assert "reading it back failed" in warnings(conn)
    found = by_email(client, "reread@truth.example")
    assert [r.id for r in found] == [new_id]


# -- 3. rollback tells the truth -------------------------------------------------------------------
def test_failing_after_trigger_archives_the_created_record(conn, sim, client):
    query(conn, "CREATE OR REPLACE FUNCTION public.refuse_trigger_rows() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN IF NEW.email LIKE 'trigger%%' THEN RAISE EXCEPTION 'trigger says no'; END IF; "
                "RETURN NEW; END $$")
    query(conn, "CREATE TRIGGER refuse_after AFTER INSERT ON hubspot.contacts "
                "FOR EACH ROW EXECUTE FUNCTION public.refuse_trigger_rows()")
    try:
        sim.clear_requests()
        error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('trigger@truth.example')")
        assert "trigger says no" in error.diag.message_primary
        created = [r for r in writes(sim) if r["path"] == "/crm/v3/objects/contacts"]
        assert len(created) == 1
        assert "archived again in HubSpot: contacts" in warnings(conn)
        assert by_email(client, "trigger@truth.example") == []
        assert writes(sim, "/batch/archive")
    finally:
        query(conn, "DROP TRIGGER refuse_after ON hubspot.contacts")


def test_rollback_to_savepoint_archives_creates_and_lists_kept_updates(db, sim, client):
    conn = db.connect(autocommit=False)
    try:
        query(conn, "SET hubspot_fdw.read_mode = 'live'")
        target = some_contact(conn)
        kept_id = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('kept@truth.example') RETURNING id")[0][0]
        query(conn, "SAVEPOINT a")
        gone_id = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('savepoint@truth.example') "
                              "RETURNING id")[0][0]
        query(conn, "UPDATE hubspot.contacts SET jobtitle = 'Duke' WHERE id = %s", (target,))
        conn.notices.clear()
        query(conn, "ROLLBACK TO SAVEPOINT a")
        text = warnings(conn)
        assert f"archived again in HubSpot: contacts {gone_id}" in text
        assert f"HubSpot keeps: contacts {target} jobtitle='Duke'" in text
        assert kept_id not in text
        conn.commit()
    finally:
        conn.close()
    assert client.find_object("contacts", gone_id) is None
    assert client.find_object("contacts", kept_id) is not None       # outside the savepoint: committed
    assert client.get_object("contacts", target, properties=["jobtitle"]).properties["jobtitle"] == "Duke"


def test_rollback_warns_and_the_next_poll_repairs_the_cache(db, sim, client):
    conn = db.connect(autocommit=False)
    try:
        query(conn, "SET hubspot_fdw.read_mode = 'cache'")
        target = query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET 11")[0][0]
        query(conn, "UPDATE hubspot.contacts SET jobtitle = 'Padishah' WHERE id = %s", (target,))
        assert query(conn, "SELECT jobtitle FROM hubspot_cache.contacts WHERE id = %s", (target,)) == [("Padishah",)]
        conn.rollback()
        assert f"HubSpot keeps: contacts {target} jobtitle='Padishah'" in warnings(conn)
        conn.autocommit = True
        assert query(conn, "SELECT jobtitle FROM hubspot_cache.contacts WHERE id = %s", (target,)) != [("Padishah",)]
        query(conn, "SELECT hubspot_fdw.refresh('hubspot.contacts'::regclass)")
        assert query(conn, "SELECT jobtitle FROM hubspot_cache.contacts WHERE id = %s", (target,)) == [("Padishah",)]
    finally:
        conn.close()
    assert client.get_object("contacts", target, properties=["jobtitle"]).properties["jobtitle"] == "Padishah"


# -- 4. the remaining statements --------------------------------------------------------------------
def test_on_conflict_do_nothing_inserts_nothing(conn, sim, client):
    query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('conflict@truth.example')")
    with conn.cursor() as cur:
        cur.execute("INSERT INTO hubspot.contacts (email) VALUES ('conflict@truth.example') "
                    "ON CONFLICT DO NOTHING RETURNING id")
        assert cur.rowcount == 0 and cur.fetchall() == []
    assert len(by_email(client, "conflict@truth.example")) == 1


def test_other_on_conflict_forms_are_refused_before_any_call(conn, sim):
    sim.clear_requests()
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('x@truth.example') "
                           "ON CONFLICT (email) DO NOTHING")
    assert error.pgcode == "0A000" and "Nothing was sent" in error.diag.message_detail
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('x@truth.example') "
                           "ON CONFLICT (email) DO UPDATE SET firstname = 'y'")
    assert error.pgcode == "0A000"
    assert writes(sim) == []


def test_multi_select_is_sent_as_its_exact_set(conn, sim, client):
    car = query(conn, "SELECT id FROM hubspot.cars ORDER BY id LIMIT 1")[0][0]
    options = query(conn, "SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'hubspot.cars'::regclass")[0][0]
    cars = dict(o.split("=", 1) for o in options)["object_type"]
    query(conn, "UPDATE hubspot.cars SET features = ARRAY['sunroof', 'awd'] WHERE id = %s", (car,))
    sim.clear_requests()
    query(conn, "UPDATE hubspot.cars SET features = ARRAY['', 'navigation', 'navigation'] WHERE id = %s", (car,))
    sent = writes(sim, "/batch/update")[0]["body"]["inputs"][0]["properties"]
    assert sent == {"features": "navigation"}
    assert client.get_object(cars, car, properties=["features"]).properties["features"] == "navigation"
    sim.clear_requests()
    error = error_of(conn, "UPDATE hubspot.cars SET features = ARRAY['awd', NULL] WHERE id = %s", (car,))
    assert error.pgcode == "22004"
    assert writes(sim) == []
    query(conn, "UPDATE hubspot.cars SET features = '{}' WHERE id = %s", (car,))
    assert not client.get_object(cars, car, properties=["features"]).properties.get("features")


@pytest.mark.parametrize("mode", ["live", "cache"])
def test_sync_columns_are_refused(conn, sim, mode):
    query(conn, f"SET hubspot_fdw.read_mode = '{mode}'")
    target = some_contact(conn)
    sim.clear_requests()
    error = error_of(conn, "UPDATE hubspot.contacts SET _sync_hash = 'forged' WHERE id = %s", (target,))
    assert error.pgcode == "428C9" and "_sync_hash" in error.diag.message_primary
    error = error_of(conn, "INSERT INTO hubspot.contacts (email, _sync_hash) VALUES ('sync@truth.example', 'x')")
    assert error.pgcode == "428C9"
    assert writes(sim) == []


@pytest.mark.parametrize("mode", ["live", "cache"])
def test_update_returning_shows_what_hubspot_stored(conn, sim, client, mode):
    query(conn, f"SET hubspot_fdw.read_mode = '{mode}'")
    target = some_contact(conn)
    before = query(conn, "SELECT lastmodifieddate FROM hubspot.contacts WHERE id = %s", (target,))[0][0]
    sim.clear_requests()
    rows = query(conn, f"UPDATE hubspot.contacts SET firstname = 'Returned-{mode}' WHERE id = %s "
                       "RETURNING firstname, lastmodifieddate, updated_at", (target,))
    stored = client.get_object("contacts", target, properties=["firstname", "lastmodifieddate"])
    first, modified, updated = rows[0]
    assert first == stored.properties["firstname"] == f"Returned-{mode}"
    assert modified is not None and modified != before
    assert modified == parse_datetime(stored.properties["lastmodifieddate"])
    assert updated == parse_datetime(stored.updated_at)
    assert [r["path"] for r in writes(sim)] == ["/crm/v3/objects/contacts/batch/update"]


def test_cancel_during_the_read_back_still_reports_the_create(conn, sim, client):
    sim.set_faults(latency_ms=SLOW_MS, path_contains="/contacts/batch/read")
    query(conn, "SET statement_timeout = '300ms'")
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('slow-reread@truth.example')")
    query(conn, "RESET statement_timeout")
    sim.clear_faults()
    assert error.pgcode == "57014"
    assert "was created in HubSpot before the statement was cancelled" in error.diag.message_primary
    assert "archived again in HubSpot: contacts" in warnings(conn)
    assert by_email(client, "slow-reread@truth.example") == []


def test_plpgsql_exception_block_archives_what_it_created(conn, client):
    query(conn, "DO $$ BEGIN "
                "  BEGIN "
                "    INSERT INTO hubspot.contacts (email) VALUES ('exception-block@truth.example'); "
                "    RAISE EXCEPTION 'undo'; "
                "  EXCEPTION WHEN raise_exception THEN NULL; "
                "  END; "
                "END $$")
    assert "archived again in HubSpot: contacts" in warnings(conn)
    assert by_email(client, "exception-block@truth.example") == []


def test_rollback_lists_association_changes_hubspot_keeps(db, client):
    conn = db.connect(autocommit=False)
    try:
        query(conn, "SET hubspot_fdw.read_mode = 'live'")
        company = query(conn, "SELECT id FROM hubspot.companies ORDER BY id LIMIT 1")[0][0]
        contact = some_contact(conn)
        query(conn, "INSERT INTO hubspot.associations_company_contact (company_id, contact_id) VALUES (%s, %s)",
              (company, contact))
        conn.rollback()
        assert f"HubSpot keeps: company-contact associations {company}/{contact} associated" in warnings(conn)
    finally:
        conn.close()
    assert any(a.to_id == contact for a in client.batch_read_associations("companies", "contacts", [company]))


def test_update_needs_no_read_back(conn, sim, client):
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    # a contact no other test writes, so a late request of an earlier test cannot count here
    target = query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET 23")[0][0]
    sim.set_faults(error_rate=1.0, error_statuses=[500], path_contains="/batch/read")
    sim.clear_requests()
    rows = query(conn, "UPDATE hubspot.contacts SET jobtitle = 'Sardaukar' WHERE id = %s RETURNING jobtitle",
                 (target,))
    sim.clear_faults()
    assert rows == [("Sardaukar",)]
    read_backs = [r for r in sim.requests() if r["path"].endswith("/batch/read") and target in json.dumps(r)]
    assert not read_backs, read_backs
    assert client.get_object("contacts", target, properties=["jobtitle"]).properties["jobtitle"] == "Sardaukar"
    assert query(conn, "SELECT jobtitle FROM hubspot_cache.contacts WHERE id = %s", (target,)) == [("Sardaukar",)]


@pytest.mark.parametrize("mode", ["live", "cache"])
def test_updated_cache_row_is_what_the_materializer_would_write(conn, sim, mode):
    query(conn, f"SET hubspot_fdw.read_mode = '{mode}'")
    target = query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET 15")[0][0]
    query(conn, "UPDATE hubspot.contacts SET jobtitle = %s WHERE id = %s", (f"Swordmaster {mode}", target))
    before = query(conn, "SELECT _sync_hash, _sync_updated_at FROM hubspot_cache.contacts WHERE id = %s", (target,))
    query(conn, "SELECT hubspot_fdw.refresh('hubspot.contacts'::regclass)")
    after = query(conn, "SELECT _sync_hash, _sync_updated_at FROM hubspot_cache.contacts WHERE id = %s", (target,))
    assert after == before      # same hash: the materializer found nothing to rewrite


def test_lost_answer_to_an_association_create_is_08007(conn, sim, client):
    company = query(conn, "SELECT id FROM hubspot.companies ORDER BY id LIMIT 1 OFFSET 1")[0][0]
    contact = some_contact(conn)
    sim.set_faults(reset_rate=1.0, path_contains="/batch/create")
    error = error_of(conn, "INSERT INTO hubspot.associations_company_contact (company_id, contact_id) "
                           "VALUES (%s, %s)", (company, contact))
    sim.clear_faults()
    assert error.pgcode == "08007"
    assert f"company-contact associations {company}/{contact}" in error.diag.message_primary
    assert "may have been applied" in warnings(conn)
