"""Where each option may be set holds however the statement is phrased, also when the
library is not preloaded and a DO block is the session's first statement (it loads the
library while it runs); a user mapping written before these rules (validator off) is
refused at use; a token with characters no HubSpot token has is refused with the
character and its position; the README's role example runs as pasted.

Not here: the same with the library preloaded and the parallel/sync sequences
(tests/worker/test_shared_server.py).
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

import psycopg2
import pytest

from fdw.conftest import query

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bob(db, sim) -> str:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE ROLE bob LOGIN")
        cur.execute("GRANT USAGE ON FOREIGN SERVER hubspot TO bob")
        cur.execute("GRANT USAGE ON SCHEMA hubspot TO bob")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA hubspot TO bob")
        cur.execute("CREATE USER MAPPING FOR bob SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    return "bob"


def connect_as(db, role: str) -> Any:
    return db.connect(user=role)


def test_a_do_block_as_first_statement_is_validated(db, bob: str) -> None:
    conn = connect_as(db, bob)
    try:
        with pytest.raises(psycopg2.Error) as raised:
            query(conn, "DO $$ BEGIN EXECUTE 'ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot "
                        "OPTIONS (ADD cache_schema ''hr'')'; END $$")
        assert raised.value.pgcode == "HV00D"
        assert 'invalid option "cache_schema" for a HubSpot user mapping' in str(raised.value)
    finally:
        conn.close()


def test_a_mapping_written_before_the_rules_is_refused_at_use(db, sim) -> None:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE ROLE legacy LOGIN")
        cur.execute("GRANT USAGE ON SCHEMA hubspot TO legacy")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA hubspot TO legacy")
        cur.execute("ALTER FOREIGN DATA WRAPPER hubspot_fdw NO VALIDATOR")
        try:
            cur.execute("CREATE USER MAPPING FOR legacy SERVER hubspot OPTIONS (access_token %s, "
                        "cache_schema 'pg_catalog')", (sim.token,))
        finally:
            cur.execute("ALTER FOREIGN DATA WRAPPER hubspot_fdw VALIDATOR hubspot_fdw.hubspot_fdw_validator")
    conn = connect_as(db, "legacy")
    try:
        query(conn, "SET hubspot_fdw.read_mode = 'live'")
        with pytest.raises(psycopg2.Error) as raised:
            query(conn, "SELECT id FROM hubspot.contacts LIMIT 1")
        assert raised.value.pgcode == "HV00D"
        assert "cache_schema" in str(raised.value)
        assert query(conn, "SELECT 1") == [(1,)]
    finally:
        conn.close()


@pytest.mark.parametrize("token,shown,position", [("pat-\u2026-read-only", "'\u2026' (U+2026)", 5),
                                                  ("pat-na1\u00a0abc", "(U+00A0, NO-BREAK SPACE)", 8),
                                                  ("\u201cpat-na1-abc\u201d", "'\u201c' (U+201C)", 1)])
def test_a_token_no_hubspot_token_can_be_is_refused(db, token: str, shown: str, position: int) -> None:
    conn = db.connect()
    try:
        query(conn, "DROP ROLE IF EXISTS pasted")
        query(conn, "CREATE ROLE pasted")
        for sql in ("CREATE USER MAPPING FOR pasted SERVER hubspot OPTIONS (access_token %s)",
                    "DO $$ BEGIN EXECUTE format('CREATE USER MAPPING FOR pasted SERVER hubspot "
                    "OPTIONS (access_token %%L)', %s::text); END $$"):
            with pytest.raises(psycopg2.Error) as raised:
                query(conn, sql, (token,))
            assert raised.value.pgcode == "22023"
            hint = raised.value.diag.message_hint
            assert shown in hint and f"at position {position}; paste it again" in hint
            diag = raised.value.diag  # (a DO block's CONTEXT quotes the statement: PostgreSQL's own)
            assert all(token not in (part or "") for part in (diag.message_primary, diag.message_detail, hint))
        query(conn, "CREATE USER MAPPING FOR pasted SERVER hubspot OPTIONS (access_token 'pat-na1-ok')")
        with pytest.raises(psycopg2.Error) as raised:
            query(conn, "ALTER USER MAPPING FOR pasted SERVER hubspot OPTIONS (SET access_token %s)", (token,))
        assert raised.value.pgcode == "22023"
        query(conn, "DROP USER MAPPING FOR pasted SERVER hubspot")
        query(conn, "DROP ROLE pasted")
    finally:
        conn.close()


def role_example(path: pathlib.Path) -> str:
    text = path.read_text()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    return next(b for b in blocks if "CREATE ROLE crm_reader" in b)


def test_the_role_example_of_the_docs_runs_as_pasted(db, sim) -> None:
    readme = role_example(ROOT / "README.md")
    assert role_example(ROOT / "docs" / "access.md") == readme
    conn = db.connect()
    try:
        query(conn, readme)
        # the example's placeholder tokens are the user's to replace: use the simulator's
        for role in ("crm_reader", "crm_writer"):
            query(conn, f"ALTER USER MAPPING FOR {role} SERVER hubspot OPTIONS (SET access_token %s)", (sim.token,))
    finally:
        conn.close()
    for role in ("crm_reader", "crm_writer"):
        reader = connect_as(db, role)
        try:
            query(reader, "SET hubspot_fdw.read_mode = 'live'")
            assert len(query(reader, "SELECT id FROM hubspot.contacts LIMIT 2")) == 2
        finally:
            reader.close()
