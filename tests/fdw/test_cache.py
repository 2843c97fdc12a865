"""Cache reads (delegated scan with conditions, columns, order and limit pushed into the
local query), read modes auto/cache/live (option and GUC), and the cache rows written
by accepted writes in the user's transaction."""

from __future__ import annotations

import psycopg2
import pytest

from fdw.conftest import explain, fill_cache, query

CACHED = ["contacts", "companies", "associations_company_contact"]


@pytest.fixture(scope="module", autouse=True)
def cache(db, sim):
    fill_cache(db, sim, CACHED)


@pytest.fixture
def conn(db):
    """Cached tables read through the wrapper's delegated scan (as under upstream
    Multicorn2), not planned in place: that path is what these tests are about."""
    connection = db.connect()
    query(connection, "SET hubspot_fdw.cache_substitution = off")
    yield connection
    connection.close()


def test_auto_uses_the_cache_once_backfill_is_done(conn, sim):
    plan = explain(conn, "SELECT email FROM hubspot.contacts WHERE email = 'a@b.example'")
    assert "read mode: cache (option read_mode = auto, backfill finished)" in plan
    assert 'Cache query: SELECT "email" FROM "hubspot_cache"."contacts" WHERE "email" = $1::text' in plan
    sim.clear_requests()
    assert query(conn, "SELECT count(*) FROM hubspot.contacts")[0][0] == 120
    assert sim.requests() == []  # no HubSpot call at all


def test_auto_is_live_before_backfill(conn):
    plan = explain(conn, "SELECT id FROM hubspot.deals")
    assert "read mode: live (option read_mode = auto, backfill not finished)" in plan


def test_guc_overrides_the_option(conn, sim):
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert "read mode: live (hubspot_fdw.read_mode = live)" in explain(conn, "SELECT id FROM hubspot.contacts")
    query(conn, "SET hubspot_fdw.read_mode = 'cache'")
    error = None
    try:
        query(conn, "SELECT id FROM hubspot.deals")
    except psycopg2.Error as exc:
        error = exc
    assert error is not None and error.pgcode == "55000" and "hubspot-fdw sync" in error.diag.message_hint


def test_cache_and_live_agree(conn):
    sql = ("SELECT id, email, firstname, createdate FROM hubspot.contacts "
           "WHERE email LIKE 'a%%' OR firstname IS NULL ORDER BY id")
    cached = query(conn, sql)
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    assert query(conn, sql) == cached


def test_sort_and_limit_are_pushed_into_the_cache_query(conn):
    sql = "SELECT id, email FROM hubspot.contacts ORDER BY email DESC LIMIT 3"
    plan = explain(conn, sql)
    assert 'ORDER BY "email" DESC NULLS FIRST LIMIT 3' in plan
    assert "Sort Key" not in plan
    expected = query(conn, "SELECT id, email FROM hubspot_cache.contacts ORDER BY email DESC LIMIT 3")
    assert query(conn, sql) == expected


def test_in_and_ranges_in_the_cache_query(conn):
    ids = [r[0] for r in query(conn, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 2")]
    plan = explain(conn, "SELECT id FROM hubspot.contacts WHERE id IN (%s, %s)", tuple(ids))
    assert '"id" = ANY($1::text[])' in plan
    assert sorted(r[0] for r in query(conn, "SELECT id FROM hubspot.contacts WHERE id IN (%s, %s)",
                                      tuple(ids))) == sorted(ids)


def test_quick_start_join_from_the_cache(conn):
    rows = query(conn, "SELECT c.email, co.name, a.labels FROM hubspot.associations_company_contact a "
                       "JOIN hubspot.contacts c ON c.id = a.contact_id "
                       "JOIN hubspot.companies co ON co.id = a.company_id")
    query(conn, "SET hubspot_fdw.read_mode = 'live'")
    live = query(conn, "SELECT c.email, co.name, a.labels FROM hubspot.associations_company_contact a "
                       "JOIN hubspot.contacts c ON c.id = a.contact_id "
                       "JOIN hubspot.companies co ON co.id = a.company_id")
    assert sorted(rows) == sorted(live) and rows


def test_write_then_read_in_one_transaction(db):
    conn = db.connect(autocommit=False)
    try:
        new_id = query(conn, "INSERT INTO hubspot.contacts (email, firstname) "
                             "VALUES ('jessica@arrakis.example', 'Jessica') RETURNING id")[0][0]
        assert query(conn, "SELECT firstname FROM hubspot.contacts WHERE id = %s", (new_id,)) == [("Jessica",)]
        query(conn, "UPDATE hubspot.contacts SET firstname = 'Lady Jessica' WHERE id = %s", (new_id,))
        assert query(conn, "SELECT firstname FROM hubspot.contacts WHERE id = %s", (new_id,)) == [("Lady Jessica",)]
        hashed = query(conn, "SELECT _sync_hash FROM hubspot_cache.contacts WHERE id = %s", (new_id,))
        assert hashed and hashed[0][0]
        query(conn, "DELETE FROM hubspot.contacts WHERE id = %s", (new_id,))
        assert query(conn, "SELECT count(*) FROM hubspot.contacts WHERE id = %s", (new_id,)) == [(0,)]
        conn.commit()
    finally:
        conn.close()


def test_rejected_write_leaves_the_cache_untouched(db):
    conn = db.connect(autocommit=False)
    try:
        target, before = query(conn, "SELECT id, row(email, _sync_hash)::text FROM hubspot_cache.contacts "
                                     "WHERE email IS NOT NULL ORDER BY id LIMIT 1")[0]
        with pytest.raises(psycopg2.Error) as info:
            query(conn, "UPDATE hubspot.contacts SET email = 'broken' WHERE id = %s", (target,))
        assert info.value.pgcode == "23514"
        conn.rollback()
        after = query(conn, "SELECT row(email, _sync_hash)::text FROM hubspot_cache.contacts WHERE id = %s",
                      (target,))[0][0]
        assert after == before
    finally:
        conn.close()


def test_record_gone_in_hubspot_is_p0002(conn, sim):
    target = query(conn, "SELECT id FROM hubspot_cache.contacts ORDER BY id DESC LIMIT 1")[0][0]
    sim.admin("POST", f"/objects/contacts/{target}/archive")
    with pytest.raises(psycopg2.Error) as info:
        query(conn, "UPDATE hubspot.contacts SET firstname = 'Ghost' WHERE id = %s", (target,))
    assert info.value.pgcode == "P0002"


def test_association_writes_update_the_cache(conn, sim):
    company = query(conn, "SELECT id FROM hubspot.companies ORDER BY id LIMIT 1")[0][0]
    contact = query(conn, "INSERT INTO hubspot.contacts (email) VALUES ('cached-assoc@x.example') RETURNING id")[0][0]
    query(conn, "INSERT INTO hubspot.associations_company_contact (company_id, contact_id) VALUES (%s, %s)",
          (company, contact))
    assert query(conn, "SELECT labels FROM hubspot_cache.associations_company_contact "
                       "WHERE company_id = %s AND contact_id = %s", (company, contact)) == [([],)]
    query(conn, "DELETE FROM hubspot.associations_company_contact WHERE company_id = %s AND contact_id = %s",
          (company, contact))
    assert query(conn, "SELECT count(*) FROM hubspot_cache.associations_company_contact "
                       "WHERE company_id = %s AND contact_id = %s", (company, contact)) == [(0,)]
