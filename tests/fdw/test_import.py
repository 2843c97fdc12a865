"""IMPORT FOREIGN SCHEMA: every table, LIMIT TO / EXCEPT, custom objects, a new
property picked up on re-import, option validation with hints."""

from __future__ import annotations

import json
import urllib.request

import psycopg2
import pytest

from fdw.conftest import query

OBJECT_TABLES = {"contacts", "companies", "deals", "line_items", "owners", "products", "quotes", "tickets",
                 "meetings", "calls", "tasks", "postal_mail", "communications", "notes"}


def tables(conn, schema: str) -> set[str]:
    return {r[0] for r in query(conn, "SELECT foreign_table_name FROM information_schema.foreign_tables "
                                      "WHERE foreign_table_schema = %s", (schema,))}


def columns(conn, schema: str, table: str) -> dict[str, str]:
    return dict(query(conn, "SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = %s AND table_name = %s", (schema, table)))


def test_import_creates_every_table(conn):
    found = tables(conn, "hubspot")
    assert OBJECT_TABLES <= found
    assert {"pipelines", "pipeline_stages", "cars", "service_requests"} <= found
    assert {"associations_company_contact", "associations_contact_deal", "associations_deal_line_item"} <= found
    assert not any(t.startswith("associations_contact_company") for t in found)  # never a reversed twin
    assert any(t.startswith("associations_") and "car" in t for t in found)  # custom object pairs


def test_column_types_follow_design(conn):
    cols = columns(conn, "hubspot", "contacts")
    assert list(cols)[:1] == ["id"] or cols["id"] == "text"
    assert cols["email"] == "text"
    assert cols["created_at"] == "timestamp with time zone"
    assert cols["archived"] == "boolean"
    assert {"_sync_hash", "_sync_inserted_at", "_sync_updated_at"} <= set(cols)
    deal = columns(conn, "hubspot", "deals")
    assert deal["amount"] == "numeric"
    assoc = columns(conn, "hubspot", "associations_company_contact")
    assert assoc == {"company_id": "text", "contact_id": "text", "labels": "ARRAY"}


def test_table_options_name_the_object_type(conn):
    rows = query(conn, "SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'hubspot.cars'::regclass")
    options = dict(o.split("=", 1) for o in rows[0][0])
    assert options["table"] == "cars" and options["object_type"].startswith("2-")
    assert options["server"] == "hubspot"
    rows = query(conn, "SELECT attfdwoptions FROM pg_attribute WHERE attrelid = 'hubspot.contacts'::regclass "
                       "AND attname = 'hs_object_id'")
    assert "read_only=true" in rows[0][0]


def test_limit_to_and_except(conn):
    query(conn, "CREATE SCHEMA lim")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, associations_company_contact, companies) "
                "FROM SERVER hubspot INTO lim")
    assert tables(conn, "lim") == {"contacts", "companies", "associations_company_contact"}
    query(conn, "CREATE SCHEMA exc")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot EXCEPT (contacts, owners) FROM SERVER hubspot INTO exc")
    found = tables(conn, "exc")
    assert "contacts" not in found and "owners" not in found and "companies" in found


def test_reimport_picks_up_a_new_property(conn, sim):
    body = json.dumps({"name": "favourite_spice", "label": "Favourite spice", "type": "string",
                       "fieldType": "text", "groupName": "contactinformation"}).encode()
    request = urllib.request.Request(sim.base_url + "/crm/v3/properties/contacts", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {sim.token}",
                                              "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
    query(conn, "CREATE SCHEMA again")
    query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO again")
    assert "favourite_spice" in columns(conn, "again", "contacts")
    assert "favourite_spice" not in columns(conn, "hubspot", "contacts")


@pytest.mark.parametrize("ddl, hint", [
    ("CREATE SERVER bad1 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_ur 'http://x')", 'Did you mean "api_url"'),
    ("CREATE SERVER bad2 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (access_token 'pat-secret-value')",
     "user mapping"),
    ("CREATE SERVER bad3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (read_mode 'fast')", "auto, cache, live"),
    ("ALTER FOREIGN TABLE hubspot.contacts OPTIONS (ADD objet_type 'x')", 'Did you mean "object_type"'),
])
def test_options_are_validated_with_a_hint(conn, ddl, hint):
    with pytest.raises(psycopg2.Error) as info:
        query(conn, ddl)
    assert info.value.pgcode == "HV00D"
    assert hint in (info.value.diag.message_hint or "")
    assert "pat-secret-value" not in str(info.value) + (info.value.diag.message_hint or "")


def test_unknown_remote_schema(conn):
    query(conn, "CREATE SCHEMA nope")
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "IMPORT FOREIGN SCHEMA salesforce FROM SERVER hubspot INTO nope")
    assert "hubspot" in info.value.diag.message_hint


LATER = {"leads", "services", "appointments", "courses", "listings", "invoices", "orders", "carts",
         "subscriptions", "feedback_submissions", "goal_targets"}


def test_later_object_types_are_imported_and_associable(conn):
    found = tables(conn, "hubspot")
    assert LATER <= found
    assert {"associations_contact_lead", "associations_company_lead", "associations_cart_order",
            "associations_contact_feedback_submission"} <= found
    assert not any(t.startswith("associations_") and "goal_target" in t for t in found)
    rows = query(conn, "SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'hubspot.leads'::regclass")
    assert "object_type=leads" in rows[0][0]
    assert query(conn, "SELECT count(*) FROM hubspot.leads")[0][0] == 20
    assert query(conn, "SELECT count(*) FROM hubspot.associations_contact_lead")[0][0] >= 20


def test_writable_later_type_takes_writes(conn):
    query(conn, "INSERT INTO hubspot.leads (hs_lead_name, hs_lead_label) VALUES ('Ada', 'HOT')")
    assert query(conn, "SELECT hs_lead_label FROM hubspot.leads WHERE hs_lead_name = 'Ada'") == [("HOT",)]
    query(conn, "UPDATE hubspot.leads SET hs_lead_label = 'WARM' WHERE hs_lead_name = 'Ada'")
    assert query(conn, "SELECT hs_lead_label FROM hubspot.leads WHERE hs_lead_name = 'Ada'") == [("WARM",)]


@pytest.mark.parametrize("statement", [
    "INSERT INTO hubspot.feedback_submissions (hs_survey_name) VALUES ('x')",
    "UPDATE hubspot.feedback_submissions SET hs_content = 'x'",
    "DELETE FROM hubspot.feedback_submissions",
])
def test_read_only_later_type_refuses_writes(conn, statement):
    with pytest.raises(psycopg2.Error) as caught:
        query(conn, statement)
    assert caught.value.pgcode == "42809"
    assert "feedback_submissions is read-only" in caught.value.pgerror
