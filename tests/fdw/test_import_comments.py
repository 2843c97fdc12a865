"""IMPORT FOREIGN SCHEMA leaves HubSpot's labels where users look: table and column
comments (what ``\\d+`` shows), enumeration options in hubspot_fdw.property_options, and
a write that uses an option's label is told the value to use. Also for a non-superuser
importer, and without touching the tables of another foreign data wrapper."""

from __future__ import annotations

import psycopg2
import pytest

from fdw.conftest import query

# What psql's \d+ shows in its Description column, as a catalog query.
DESCRIBE = """
SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum)
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum"""


def described(conn, table: str) -> dict[str, str | None]:
    return dict(query(conn, DESCRIBE, (table,)))


def test_columns_show_hubspot_labels(conn):
    cols = described(conn, "hubspot.contacts")
    assert cols["firstname"] == "First Name"
    assert cols["email"].startswith("Email")
    assert cols["id"].startswith("HubSpot record id")
    assert cols["created_at"].startswith("When the record was created")
    assert "Read-only in HubSpot" in cols["hs_object_id"]
    assert all(text for name, text in cols.items()), [n for n, t in cols.items() if not t]


def test_enumeration_options_in_comment_and_view(conn):
    cols = described(conn, "hubspot.contacts")
    assert cols["lifecyclestage"] == "Lifecycle Stage. Dropdown (8 options): labels in hubspot_fdw.property_options"
    rows = query(conn, "SELECT value, label FROM hubspot_fdw.property_options "
                       "WHERE foreign_table = 'hubspot.contacts'::regclass AND column_name = 'lifecyclestage'")
    assert ("customer", "Customer") in rows and ("marketingqualifiedlead", "Marketing Qualified Lead") in rows


def test_table_comments(conn):
    comments = dict(query(conn, "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
                                "WHERE c.relnamespace = 'hubspot'::regnamespace AND c.relkind = 'f'"))
    assert comments["contacts"] == "HubSpot contacts (object type contacts, objectTypeId 0-1)"
    assert comments["associations_company_contact"].startswith("HubSpot associations between companies and contacts")
    assert comments["cars"].startswith("HubSpot ") and "custom object" in comments["cars"]
    assert all(comments.values())


def test_write_with_a_label_names_the_value(conn):
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "UPDATE hubspot.contacts SET lifecyclestage = 'Marketing Qualified Lead' "
                    "WHERE id = (SELECT min(id) FROM hubspot.contacts)")
    assert info.value.pgcode == "23514"
    assert "'marketingqualifiedlead'" in (info.value.diag.message_hint or ""), info.value.diag.message_hint
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "UPDATE hubspot.contacts SET lifecyclestage = 'no such stage' "
                    "WHERE id = (SELECT min(id) FROM hubspot.contacts)")
    assert "marketingqualifiedlead" not in (info.value.diag.message_hint or "")


def test_non_superuser_import_and_other_wrappers(db, sim):
    admin = db.connect()
    with admin.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS importer")
        cur.execute("CREATE ROLE importer LOGIN")
        cur.execute(f'GRANT CREATE ON DATABASE "{db.name}" TO importer')
        cur.execute("GRANT USAGE ON FOREIGN SERVER hubspot TO importer")
        cur.execute("GRANT USAGE ON SCHEMA hubspot_fdw TO importer")  # to read the view
        cur.execute("CREATE USER MAPPING FOR importer SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        # A foreign table of another wrapper, created by an import too: left alone.
        cur.execute("CREATE EXTENSION IF NOT EXISTS file_fdw")
        cur.execute("CREATE SERVER files FOREIGN DATA WRAPPER file_fdw")
    user = psycopg2.connect(db.dsn.replace(f"user={db.proc.user}", "user=importer"))
    user.autocommit = True
    with user.cursor() as cur:
        cur.execute("CREATE SCHEMA mine")
        cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (deals, pipelines) FROM SERVER hubspot INTO mine")
    assert described(user, "mine.deals")["dealname"] == "Deal Name"
    assert query(user, "SELECT count(*) FROM hubspot_fdw.property_options "
                       "WHERE foreign_table = 'mine.deals'::regclass")[0][0] > 0
    assert query(user, "SELECT obj_description('mine.pipelines'::regclass, 'pg_class')")[0][0].startswith(
        "HubSpot pipelines")
    user.close()
    with admin.cursor() as cur:
        cur.execute("CREATE FOREIGN TABLE public.plain (a text) SERVER files OPTIONS (filename '/dev/null')")
        assert query(admin, "SELECT obj_description('public.plain'::regclass, 'pg_class')")[0][0] is None
    admin.close()


def test_upgrade_from_0_1_0_brings_the_comments(postgresql_proc, sim):
    from pg_harness import create_database

    database = create_database(postgresql_proc, "fdw_import_comments_upgrade", None)
    conn = database.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("DROP EXTENSION hubspot_fdw")
            cur.execute("CREATE EXTENSION hubspot_fdw VERSION '0.1.0'")
            cur.execute("ALTER EXTENSION hubspot_fdw UPDATE")
            cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
            cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
            cur.execute("CREATE SCHEMA hubspot")
            cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
        assert described(conn, "hubspot.contacts")["firstname"] == "First Name"
        # Re-importing replaces the tables and their options; nothing is left of the old ones.
        with conn.cursor() as cur:
            cur.execute("DROP SCHEMA hubspot CASCADE")
            cur.execute("CREATE SCHEMA hubspot")
            cur.execute("IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
        rows = query(conn, "SELECT count(*), count(DISTINCT foreign_table) FROM hubspot_fdw._property_options")
        assert rows[0][0] > 0 and rows[0][1] == 1
    finally:
        conn.close()


def test_upgrade_to_0_3_0_removes_listed_options_and_owner_emails(postgresql_proc, sim):
    """Comments an earlier version wrote (every option listed, owners with e-mails) are cut
    to the short form by ALTER EXTENSION UPDATE, and owner options are forgotten."""
    from pg_harness import create_database

    database = create_database(postgresql_proc, "fdw_import_comments_upgrade_030", None)
    conn = database.connect()
    try:
        query(conn, "DROP EXTENSION hubspot_fdw")
        query(conn, "CREATE EXTENSION hubspot_fdw VERSION '0.2.0'")
        query(conn, "CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
        query(conn, "CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        query(conn, "CREATE SCHEMA hubspot")
        query(conn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
        old = "Owner. Options: 1 = Ann Lee (ann@example.com), 2 = Bo Ng (bo@example.com)"  # as 0.2.0 wrote it
        query(conn, f"COMMENT ON COLUMN hubspot.contacts.hubspot_owner_id IS '{old}'")
        query(conn, "INSERT INTO hubspot_fdw._property_options (foreign_table, column_name, property, value, label) "
                    "VALUES ('hubspot.contacts'::regclass, 'hubspot_owner_id', 'hubspot_owner_id', '1', "
                    "'Ann Lee (ann@example.com)')")
        query(conn, "ALTER EXTENSION hubspot_fdw UPDATE TO '0.3.0'")
        assert described(conn, "hubspot.contacts")["hubspot_owner_id"] == \
            "Owner. Dropdown: labels in hubspot_fdw.property_options"
        assert query(conn, "SELECT count(*) FROM hubspot_fdw.property_options WHERE label LIKE '%@%'") == [(0,)]
        assert query(conn, "SELECT count(*) FROM hubspot_fdw.property_options "
                           "WHERE foreign_table = 'hubspot.contacts'::regclass") != [(0,)]
    finally:
        conn.close()
