"""The write rules: one INSERT record per statement with RETURNING, batched UPDATE and
DELETE (≤ 100, refused before any call), read-only columns, every HubSpot error class
with its SQLSTATE, association writes, token redaction, concurrent sessions."""

from __future__ import annotations

import threading

import psycopg2
import pytest

from hubspot_fdw.api import Filter, HubSpotClient
from fdw.conftest import query


@pytest.fixture(autouse=True)
def live(conn, sim):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    sim.clear_faults()


def by_email(client: HubSpotClient, email: str) -> list:
    return list(client.search("contacts", filter_groups=[[Filter("email", "EQ", email)]], properties=["email"]))


def api(sim) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sim.requests()]


def error_of(conn, sql, params=None) -> psycopg2.Error:
    with pytest.raises(psycopg2.Error) as info:
        query(conn, sql, params)
    return info.value


def test_insert_returning_shows_what_hubspot_stored(conn, sim, client):
    sim.clear_requests()
    rows = query(conn, "INSERT INTO hubspot.contacts (firstname, lastname, email) "
                       "VALUES ('Paul', 'Atreides', 'Paul@Arrakis.example') RETURNING id, email, created_at")
    new_id, email, created = rows[0]
    assert new_id and created is not None
    assert email == "paul@arrakis.example"  # HubSpot lower-cases emails
    assert ("POST", "/crm/v3/objects/contacts") in api(sim)
    assert client.get_object("contacts", new_id, properties=["firstname"]).properties["firstname"] == "Paul"


def test_multi_row_insert_fails_and_leaves_nothing(conn, sim, client):
    sim.clear_requests()
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('one@multi.example'), ('two@multi.example')")
    assert error.pgcode == "0A000"
    assert "one HubSpot record per statement" in error.diag.message_primary
    assert "Insert one row per statement" in error.diag.message_hint
    assert "nothing was sent to HubSpot" in error.diag.message_detail  # refused up front
    assert by_email(client, "one@multi.example") == [] and by_email(client, "two@multi.example") == []
    assert ("POST", "/crm/v3/objects/contacts") not in api(sim)
    assert not any(m == "DELETE" for m, _ in api(sim))


def test_insert_select_of_two_rows_fails_too(conn, client):
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) "
                           "SELECT 'sel' || g || '@multi.example' FROM generate_series(1, 2) g")
    assert error.pgcode == "0A000"
    assert "archived again" in error.diag.message_detail  # count unknown up front: undone
    assert by_email(client, "sel1@multi.example") == []


def test_update_is_one_batch_call_with_only_changed_properties(conn, sim, client):
    ids = [r[0] for r in query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 3")]
    sim.clear_requests()
    with conn.cursor() as cur:
        cur.execute("UPDATE hubspot.contacts SET firstname = 'Leto' WHERE id IN %s", (tuple(ids),))
        assert cur.rowcount == 3
    updates = [r for r in sim.requests() if r["path"].endswith("/batch/update")]
    assert len(updates) == 1
    assert all(i["properties"] == {"firstname": "Leto"} for i in updates[0]["body"]["inputs"])
    assert {r.properties["firstname"] for r in client.batch_read("contacts", ids, properties=["firstname"])} == {"Leto"}


def test_update_returning_sends_each_row_as_it_comes(conn, sim, client):
    ids = [r[0] for r in query(conn, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 3")]
    sim.clear_requests()
    rows = query(conn, "UPDATE hubspot.contacts SET firstname = 'Paulus' WHERE id IN %s RETURNING id, firstname",
                 (tuple(ids),))
    assert sorted(rows) == sorted((i, "Paulus") for i in ids)
    updates = [r for r in sim.requests() if r["path"].endswith("/batch/update")]
    assert sorted(u["body"]["inputs"][0]["id"] for u in updates) == sorted(ids)   # one call per row
    assert {r.properties["firstname"] for r in client.batch_read("contacts", ids, properties=["firstname"])} == {
        "Paulus"}


def test_update_returning_of_more_than_100_rows_fails_before_any_call(conn, sim):
    sim.clear_requests()
    error = error_of(conn, "UPDATE hubspot.contacts SET jobtitle = 'Fremen' RETURNING id")
    assert error.pgcode == "54000"
    assert not [r for r in sim.requests() if r["path"].endswith("/batch/update")]


def test_more_than_100_rows_fail_before_any_api_call(conn, sim):
    assert query(conn, "SELECT count(*) FROM hubspot.contacts")[0][0] > 100
    sim.clear_requests()
    error = error_of(conn, "UPDATE hubspot.contacts SET jobtitle = 'Fremen'")
    assert error.pgcode == "54000" and "more than 100" in error.diag.message_primary
    sim.clear_requests()
    error = error_of(conn, "DELETE FROM hubspot.contacts")
    assert error.pgcode == "54000"
    assert not [c for c in api(sim) if "batch/update" in c[1] or "batch/archive" in c[1]]


def test_delete_is_one_batch_archive(conn, sim, client):
    ids = [query(conn, "INSERT INTO hubspot.contacts (email) VALUES (%s) RETURNING id", (f"del{i}@x.example",))[0][0]
           for i in range(2)]
    sim.clear_requests()
    query(conn, "DELETE FROM hubspot.contacts WHERE id IN %s", (tuple(ids),))
    assert [c for c in api(sim) if c[0] == "POST" and "archive" in c[1]] == [
        ("POST", "/crm/v3/objects/contacts/batch/archive")]
    assert client.find_object("contacts", ids[0]) is None


def test_read_only_property_is_named(conn, sim):
    some = query(conn, "SELECT id FROM hubspot.contacts LIMIT 1")[0][0]
    sim.clear_requests()
    error = error_of(conn, "UPDATE hubspot.contacts SET hs_object_id = '1' WHERE id = %s", (some,))
    assert error.pgcode == "428C9" and "hs_object_id" in error.diag.message_primary
    error = error_of(conn, "INSERT INTO hubspot.contacts (email, createdate) VALUES ('ro@x.example', now())")
    assert error.pgcode == "428C9" and "createdate" in error.diag.message_primary
    assert not [c for c in api(sim) if c[0] in ("POST", "PATCH") and "search" not in c[1]
                and "batch/read" not in c[1]]


def test_invalid_value_is_23514_with_category_and_correlation_id(conn):
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('not-an-email')")
    assert error.pgcode == "23514"
    assert error.diag.message_primary == "HubSpot rejected contacts.email: 'not-an-email' is not a valid e-mail address"
    assert "VALIDATION_ERROR" in error.diag.message_detail and "correlation id" in error.diag.message_detail


def test_invalid_option_is_one_line_with_the_valid_values(conn):
    some = query(conn, "SELECT id FROM hubspot.contacts LIMIT 1")[0][0]
    error = error_of(conn, "UPDATE hubspot.contacts SET lifecyclestage = 'custmer' WHERE id = %s", (some,))
    assert error.pgcode == "23514"
    assert error.diag.message_primary == "HubSpot rejected contacts.lifecyclestage: 'custmer' is not one of its options"
    detail = error.diag.message_detail
    assert detail.startswith("Valid values of lifecyclestage: subscriber (Subscriber), lead (Lead)")
    assert "correlation id" in detail and "{" not in detail and "\\n" not in detail
    assert error.diag.message_hint == "Check the property names and values against the HubSpot property definitions."
    error = error_of(conn, "UPDATE hubspot.contacts SET lifecyclestage = 'Marketing Qualified Lead' WHERE id = %s",
                     (some,))
    assert "'Marketing Qualified Lead' is not one of its options" in error.diag.message_primary
    assert "write 'marketingqualifiedlead'" in error.diag.message_hint


def test_unknown_property_is_22023(conn):
    query(conn, "CREATE FOREIGN TABLE IF NOT EXISTS public.bogus (id text, no_such_property text) "
                "SERVER hubspot OPTIONS (object_type 'contacts')")
    error = error_of(conn, "INSERT INTO public.bogus (no_such_property) VALUES ('x')")
    assert error.pgcode == "22023"


def test_duplicate_email_is_23505_with_existing_id(conn):
    existing = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('dup@x.example') RETURNING id")[0][0]
    error = error_of(conn, "INSERT INTO hubspot.contacts (email) VALUES ('dup@x.example')")
    assert error.pgcode == "23505"
    assert existing in error.diag.message_detail


@pytest.fixture(scope="module")
def fault_table(db, sim) -> str:
    """contacts on a server without the shared budget, so one test's 429s do not pace the next."""
    conn = db.connect()
    try:
        query(conn, "CREATE SERVER nobudget FOREIGN DATA WRAPPER hubspot_fdw "
                    "OPTIONS (api_url %s, max_retries '1', use_budget 'false')", (sim.base_url,))
        query(conn, "CREATE USER MAPPING FOR CURRENT_USER SERVER nobudget OPTIONS (access_token %s)", (sim.token,))
        query(conn, "CREATE FOREIGN TABLE public.fault_contacts (id text, email text, firstname text) "
                    "SERVER nobudget OPTIONS (object_type 'contacts', read_mode 'live')")
    finally:
        conn.close()
    return "public.fault_contacts"


def test_rate_limit_after_retries_is_53400(conn, sim, fault_table):
    sim.set_faults(error_rate=1.0, error_statuses=[429], path_contains="/crm/v3/objects/contacts",
                   methods=["POST"])
    error = error_of(conn, f"INSERT INTO {fault_table} (email) VALUES ('rate@x.example')")
    assert error.pgcode.startswith("53"), (error.pgcode, str(error), error.diag.message_detail)


def test_unavailable_is_08_class(conn, sim, fault_table):
    sim.set_faults(error_rate=1.0, error_statuses=[503], path_contains="/crm/v3/objects/contacts")
    error = error_of(conn, f"UPDATE {fault_table} SET firstname = 'x' WHERE id = '1'")
    assert error.pgcode.startswith("08")


def test_unreachable_is_08_class(conn, sim):
    if True:
        query(conn, "CREATE SERVER dead FOREIGN DATA WRAPPER hubspot_fdw "
                    "OPTIONS (api_url 'http://127.0.0.1:9', max_retries '0', timeout '2')")
        query(conn, "CREATE USER MAPPING FOR CURRENT_USER SERVER dead OPTIONS (access_token 'pat-dead-token')")
        query(conn, "CREATE FOREIGN TABLE public.dead_contacts (id text, email text) SERVER dead "
                    "OPTIONS (object_type 'contacts', read_mode 'live')")
        error = error_of(conn, "INSERT INTO public.dead_contacts (email) VALUES ('x@y.example')")
        assert error.pgcode == "08001"
        error = error_of(conn, "SELECT * FROM public.dead_contacts WHERE id = '1'")
        assert error.pgcode.startswith("08")


def test_token_never_shows(conn, sim):
    if True:
        plan = "\n".join(r[0] for r in query(conn, "EXPLAIN (VERBOSE) SELECT * FROM hubspot.contacts WHERE id = '1'"))
        assert sim.token not in plan
        query(conn, "CREATE SERVER wrongtoken FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s, max_retries '0')",
              (sim.base_url,))
        query(conn, "CREATE USER MAPPING FOR CURRENT_USER SERVER wrongtoken "
                    "OPTIONS (access_token 'pat-na1-very-secret-wrong')")
        query(conn, "CREATE FOREIGN TABLE public.wrong_contacts (id text, email text) SERVER wrongtoken "
                    "OPTIONS (object_type 'contacts', read_mode 'live')")
        error = error_of(conn, "SELECT * FROM public.wrong_contacts WHERE id = '1'")
        text = " ".join(filter(None, [str(error), error.diag.message_detail, error.diag.message_hint]))
        assert error.pgcode == "28000" and "very-secret" not in text
        error = error_of(conn, "INSERT INTO public.wrong_contacts (email) VALUES ('z@z.example')")
        assert error.pgcode == "28000"
        assert "very-secret" not in str(error) + (error.diag.message_detail or "")


def test_owners_are_read_only(conn):
    error = error_of(conn, "INSERT INTO hubspot.owners (id, email) VALUES ('1', 'o@x.example')")
    assert error.pgcode == "42809"


def test_association_insert_update_delete(conn, sim, client):
    labels = [t.label for t in client.association_labels("companies", "contacts") if t.label]
    assert labels, "the simulator defines labels between companies and contacts"
    company = query(conn, "SELECT id FROM hubspot.companies ORDER BY id LIMIT 1")[0][0]
    contact = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('assoc@x.example') RETURNING id")[0][0]
    rows = query(conn, "INSERT INTO hubspot.associations_company_contact (company_id, contact_id, labels) "
                       "VALUES (%s, %s, %s) RETURNING labels", (company, contact, [labels[0]]))
    assert rows == [([labels[0]],)]

    def current() -> list[str] | None:
        found = [a for a in client.batch_read_associations("companies", "contacts", [company]) if a.to_id == contact]
        return found[0].labels if found else None

    assert current() == [labels[0]]
    assert query(conn, "SELECT labels FROM hubspot.associations_company_contact "
                       "WHERE company_id = %s AND contact_id = %s", (company, contact)) == [([labels[0]],)]
    query(conn, "UPDATE hubspot.associations_company_contact SET labels = '{}' "
                "WHERE company_id = %s AND contact_id = %s", (company, contact))
    assert current() == []
    error = error_of(conn, "UPDATE hubspot.associations_company_contact SET labels = '{no such label}' "
                           "WHERE company_id = %s AND contact_id = %s", (company, contact))
    assert error.pgcode == "22023" and labels[0] in error.diag.message_hint
    query(conn, "DELETE FROM hubspot.associations_company_contact WHERE company_id = %s AND contact_id = %s",
          (company, contact))
    assert current() is None


def test_two_sessions_write_at_once(db, client):
    created: list[str] = []
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        conn = db.connect()
        try:
            query(conn, "SET hubspot_fdw.read_mode = 'live'")
            for i in range(3):
                created.append(query(conn, "INSERT INTO hubspot.contacts (email) VALUES (%s) RETURNING id",
                                     (f"s{n}-{i}@two.example",))[0][0])
        except BaseException as error:  # collected and re-raised by the test
            failures.append(error)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    assert len(set(created)) == 6
    assert len(list(client.batch_read("contacts", created))) == 6
