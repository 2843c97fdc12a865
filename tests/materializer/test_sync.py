"""Backfill equals the simulator row for row; changes, deletes, merges, new properties and
new associations arrive; status tells the truth."""

from __future__ import annotations

from tests.materializer.conftest import TABLES, assert_exact, materializer, setup_server


def test_backfill_then_changes(db, sim) -> None:
    sim.reset()
    setup_server(db, sim)
    m, conn = materializer(db, sim)
    results = m.run_once()
    assert {n: s.phase for n, s in results.items()} == {n: "live" for n in TABLES}
    assert all(s.backfill_done for s in results.values())
    assert_exact(db, sim)
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM hubspot_cache.contacts")
        assert cur.fetchone()[0] == 120
        cur.execute("SELECT count(*) FROM hubspot_cache.associations_company_contact WHERE labels <> '{}'")
        cur.execute("SELECT count(*) FROM hubspot_cache.owners")
        assert cur.fetchone()[0] == 5
        cur.execute("SELECT count(*) FROM hubspot_cache.pipeline_stages")
        assert cur.fetchone()[0] > 0
        cur.execute("SELECT phase, records_stored, last_successful_poll IS NOT NULL, lag_seconds >= 0, "
                    "api_calls_today > 0 FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")
        assert cur.fetchone() == ("live", 120, True, True, True)

    # a second pass rewrites nothing
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT max(_sync_updated_at) FROM hubspot_cache.contacts")
        before = cur.fetchone()[0]
    m.run_once()
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT max(_sync_updated_at) FROM hubspot_cache.contacts")
        assert cur.fetchone()[0] == before

    client = m.ctx.client_live
    ids = sorted(k[0] for k in _ids(db, "contacts"))
    sim.admin("PATCH", f"/objects/contacts/{ids[0]}", {"properties": {"firstname": "Changed"}})
    sim.admin("POST", f"/objects/contacts/{ids[1]}/archive")
    sim.admin("POST", "/objects/contacts/merge", {"primaryObjectId": ids[2], "objectIdToMerge": ids[3]})
    created = sim.admin("POST", "/objects/contacts", {"properties": {"email": "new@example.com"}})
    companies = sorted(k[0] for k in _ids(db, "companies"))
    client.create_association("companies", companies[0], "contacts", ids[5])
    client.create_association("companies", companies[1], "contacts", created["id"])
    # a new property becomes a column
    client.transport.request("POST", "/crm/v3/properties/contacts", json_body={
        "name": "shoe_size", "label": "Shoe size", "type": "number", "fieldType": "number",
        "groupName": "contactinformation"})
    sim.admin("PATCH", f"/objects/contacts/{ids[6]}", {"properties": {"shoe_size": "44"}})
    m.run_once()
    m.run_once()  # association sweep sees the company→contact association added without a change
    assert_exact(db, sim)
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT shoe_size FROM hubspot_cache.contacts WHERE id = %s", (ids[6],))
        assert str(cur.fetchone()[0]) == "44"
        cur.execute("SELECT count(*) FROM hubspot_cache.contacts WHERE id IN (%s, %s)", (ids[1], ids[3]))
        assert cur.fetchone()[0] == 0
    conn.close()


def _ids(db, table):
    with db.connect() as c, c.cursor() as cur:
        cur.execute(f'SELECT id FROM hubspot_cache."{table}"')
        return cur.fetchall()
