"""The rollback rules without the hubspot_fdw host (as under upstream Multicorn2): the
wrapper's rollback hooks still archive what a rolled-back transaction created and list
what HubSpot keeps; a failed read-back after a create is still reported as done."""

from __future__ import annotations

import logging

import pytest

from hubspot_fdw.api import Filter, HubSpotClient
from hubspot_fdw.catalog import build_catalog
from hubspot_fdw.fdw import HubSpotFdw
from hubspot_fdw.fdw.importer import definition
from hubspot_fdw.host import MulticornException, Qual
from hubspot_fdw.host.capabilities import HOST_AVAILABLE

from fdw.conftest import fill_cache, query
from fdw.test_uncertain_writes import sync_once


@pytest.fixture
def fdw(sim, client) -> HubSpotFdw:
    table = definition(build_catalog(client, only=["contacts"]).table("contacts"))
    options = {**table.options, "api_url": sim.base_url, "max_retries": "0", "read_mode": "live",
               "use_budget": "false", "access_token": sim.token}
    wrapper = HubSpotFdw(options, {c.column_name: c for c in table.columns})
    wrapper.begin(0)
    yield wrapper
    sim.clear_faults()


def by_email(client: HubSpotClient, email: str) -> list:
    return list(client.search("contacts", filter_groups=[[Filter("email", "EQ", email)]], properties=["email"]))


def test_runs_without_the_host():
    assert not HOST_AVAILABLE


def test_rollback_archives_creates_and_lists_updates(fdw, client, caplog):
    created = fdw.insert({"email": "mc-rollback@truth.example"})
    fdw.end_modify()
    target = created["id"]
    fdw.rowid_column
    (old,) = list(fdw.execute([Qual("id", "=", target)], set(fdw.table.column_names)))
    fdw.update(target, {**old, "jobtitle": "Naib"})
    fdw.end_modify()
    with caplog.at_level(logging.WARNING):
        fdw.rollback()
    text = caplog.text
    assert f"archived again in HubSpot: contacts {target}" in text
    assert f"HubSpot keeps: contacts {target} jobtitle='Naib'" in text
    assert by_email(client, "mc-rollback@truth.example") == []


def test_commit_forgets(fdw, client, caplog):
    fdw.insert({"email": "mc-commit@truth.example"})
    fdw.end_modify()
    fdw.commit()
    with caplog.at_level(logging.WARNING):
        fdw.rollback()
    assert "archived again" not in caplog.text
    assert len(by_email(client, "mc-commit@truth.example")) == 1


def test_failed_read_back_keeps_the_create(fdw, sim, client, caplog):
    sim.set_faults(error_rate=1.0, error_statuses=[500], path_contains="/batch/read")
    with caplog.at_level(logging.WARNING):
        row = fdw.insert({"email": "mc-reread@truth.example", "firstname": "Stilgar"})
    fdw.end_modify()
    sim.clear_faults()
    assert row["firstname"] == "Stilgar" and row["id"]
    assert "reading it back failed" in caplog.text
    assert [r.id for r in by_email(client, "mc-reread@truth.example")] == [row["id"]]
    fdw.commit()


# -- with a cache (cache_dsn): cache rows outlive the transaction, so they are taken back --------
@pytest.fixture
def cached_fdw(db, sim, client) -> HubSpotFdw:
    fill_cache(db, sim, ["contacts"])
    table = definition(build_catalog(client, only=["contacts"]).table("contacts"))
    options = {**table.options, "api_url": sim.base_url, "max_retries": "0", "read_mode": "cache",
               "use_budget": "false", "access_token": sim.token, "cache_dsn": db.dsn, "server": "hubspot"}
    wrapper = HubSpotFdw(options, {c.column_name: c for c in table.columns})
    wrapper.begin(0)
    yield wrapper
    sim.clear_faults()


def in_cache(db, record_id: str) -> int:
    with db.connect() as conn:
        return query(conn, "SELECT count(*) FROM hubspot_cache.contacts WHERE id = %s", (record_id,))[0][0]


def deleted_reason(db, record_id: str) -> list[tuple]:
    with db.connect() as conn:
        return query(conn, "SELECT reason FROM hubspot_fdw.deleted_records WHERE table_name = 'contacts' "
                           "AND record_id = %s", (record_id,))


def test_rollback_takes_the_created_record_out_of_the_cache(cached_fdw, db, client, caplog):
    created = cached_fdw.insert({"email": "mc-drift@truth.example"})
    cached_fdw.end_modify()
    new_id = created["id"]
    assert in_cache(db, new_id) == 1          # written on the cache connection, committed
    with caplog.at_level(logging.WARNING):
        cached_fdw.rollback()
    assert f"archived again in HubSpot: contacts {new_id}" in caplog.text
    assert in_cache(db, new_id) == 0
    assert deleted_reason(db, new_id) == [("rolled back",)]
    assert by_email(client, "mc-drift@truth.example") == []


def test_sync_once_repairs_a_created_then_archived_record(cached_fdw, db, client):
    created = cached_fdw.insert({"email": "mc-archived@truth.example"})
    cached_fdw.end_modify()
    cached_fdw.commit()
    new_id = created["id"]
    client.archive_object("contacts", new_id)       # archived in HubSpot, outside this database
    assert in_cache(db, new_id) == 1
    done = sync_once(db)
    assert done.returncode == 0, done.stderr
    assert in_cache(db, new_id) == 0
    assert deleted_reason(db, new_id) == [("archived",)]


def test_delete_is_listed(cached_fdw, db, client):
    created = cached_fdw.insert({"email": "mc-deleted@truth.example"})
    cached_fdw.end_modify()
    cached_fdw.commit()
    cached_fdw.delete(created["id"])
    cached_fdw.end_modify()
    assert in_cache(db, created["id"]) == 0
    assert deleted_reason(db, created["id"]) == [("deleted",)]


def test_uncertain_update_is_listed_at_once(cached_fdw, db, sim):
    with db.connect() as conn:
        target = query(conn, "SELECT id FROM hubspot_cache.contacts ORDER BY id LIMIT 1 OFFSET 31")[0][0]
    sim.set_faults(truncate_rate=1.0, path_contains="/batch/update")
    cached_fdw.update(target, {"id": target, "jobtitle": "Fremen"})
    with pytest.raises(MulticornException) as info:
        cached_fdw.end_modify()
    assert f"HubSpot accepted the update of contacts {target}" in info.value.message
    assert "Read the records from HubSpot" in info.value.hint
    with db.connect() as conn:     # written on the cache connection: no later transaction needed
        rows = query(conn, "SELECT operation, record_ids, sent_values FROM hubspot_fdw.uncertain_writes "
                           "WHERE %s = ANY(record_ids)", (target,))
    assert rows == [("update", [target], {target: {"jobtitle": "Fremen"}})]
