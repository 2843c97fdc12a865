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
from hubspot_fdw.host import Qual
from hubspot_fdw.host.capabilities import HOST_AVAILABLE


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
