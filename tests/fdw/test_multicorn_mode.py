"""The wrapper as upstream Multicorn2 drives it: in plain Python, without the hubspot_fdw
host (HOST_AVAILABLE is False here), with Multicorn's value types (timestamptz as text,
numeric as float, bool as 't'/'f'), LIMIT/OFFSET applied by the wrapper, and cache
reads through the option cache_dsn. Qual, SortKey and MulticornException come from
hubspot_fdw.host, standing in for upstream's classes of the same shape; where the
choice of package matters, a subprocess puts a minimal upstream-shaped ``multicorn``
first on the path. Also the deviations of issue 16: option checks at first use,
secrets, EXPLAIN reasons, lock waits on the cache connection, the compatibility module."""

from __future__ import annotations

import pytest

from hubspot_fdw.api import Filter, HubSpotClient
from hubspot_fdw.catalog import build_catalog
from hubspot_fdw.fdw import HubSpotFdw
from hubspot_fdw.fdw.importer import definition
from hubspot_fdw.host import MulticornException, Qual, SortKey
from hubspot_fdw.host.capabilities import HOST_AVAILABLE

from fdw.conftest import fill_cache


@pytest.fixture(scope="module")
def client(sim) -> HubSpotClient:
    return HubSpotClient(sim.base_url, sim.token, use_budget=False)


@pytest.fixture(scope="module")
def contacts_columns(client):
    table = definition(build_catalog(client, only=["contacts"]).table("contacts"))
    return {c.column_name: c for c in table.columns}, table.options


def make(sim, columns_and_options, **server) -> HubSpotFdw:
    columns, table_options = columns_and_options
    merged = {**table_options, "api_url": sim.base_url, "max_retries": "1", "read_mode": "live", **server,
              "access_token": sim.token}
    return HubSpotFdw(merged, columns)


def test_runs_without_the_host():
    assert not HOST_AVAILABLE


def test_live_read_and_explain(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    rows = list(fdw.execute([], {"id", "email"}))
    assert len(rows) >= 100
    one = rows[5]["id"]
    assert list(fdw.execute([Qual("id", "=", one)], {"id", "email"})) == [rows[5]]
    lines = fdw.explain([Qual("id", "=", one)], {"email"})
    assert any("batch/read" in line for line in lines) and not any(sim.token in line for line in lines)
    assert sim.token not in repr(fdw)


def test_hubspot_errors_keep_detail_and_hint(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    nulls = {name: None for name in contacts_columns[0]}
    with pytest.raises(MulticornException) as info:
        fdw.insert({**nulls, "email": "not-an-email"})
    assert "Property values were not valid" in info.value.message
    assert "VALIDATION_ERROR" in info.value.detail and info.value.hint


def test_limit_and_offset_are_applied_by_the_wrapper(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    everything = [r["id"] for r in fdw.execute([], {"id"})]
    assert [r["id"] for r in fdw.execute([], {"id"}, limit=2, offset=1)] == everything[1:3]


def test_sort_accepted_is_really_sorted(sim, contacts_columns):
    fdw = make(sim, contacts_columns)
    key = SortKey("createdate", 0, True, True, None)
    assert fdw.can_sort([key]) == [key]
    rows = [r["createdate"] for r in fdw.execute([], {"createdate"}, sortkeys=[key])]
    present = [r for r in rows if r is not None]
    assert present == sorted(present, reverse=True)
    assert rows[:len(rows) - len(present)] == [None] * (len(rows) - len(present))


def test_write_rules_with_multicorn_types(sim, contacts_columns, client):
    fdw = make(sim, contacts_columns)
    fdw.rowid_column  # Multicorn reads it for every modify statement
    nulls = {name: None for name in contacts_columns[0]}
    created = fdw.insert({**nulls, "email": "mc@x.example", "firstname": "Alia"})
    with pytest.raises(MulticornException) as info:  # log_to_postgres(ERROR): message, detail, hint kept
        fdw.insert({**nulls, "email": "mc2@x.example"})
    assert "one HubSpot record per statement" in info.value.message
    assert "archived again" in info.value.detail and "one row per statement" in info.value.hint
    assert client.find_object("contacts", created["id"]) is None
    fdw.rollback()

    fdw.insert({**nulls, "email": "mc3@x.example", "firstname": "Alia"})
    fdw.end_modify()
    new_id = list(client.search("contacts", filter_groups=[[Filter("email", "EQ", "mc3@x.example")]]))[0].id
    fdw.rowid_column
    (old,) = list(fdw.execute([Qual("id", "=", new_id)], set(contacts_columns[0])))
    # Multicorn2 hands timestamptz over as text and booleans as 't'/'f'
    new = {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") and k in ("created_at", "updated_at") else v)
           for k, v in old.items()}
    new["archived"] = "f"
    new["firstname"] = "St. Alia"
    fdw.update(new_id, new)
    fdw.end_modify()
    assert client.get_object("contacts", new_id, properties=["firstname"]).properties["firstname"] == "St. Alia"


def test_cache_reads_through_cache_dsn(db, sim, contacts_columns):
    fill_cache(db, sim, ["contacts"])
    fdw = make(sim, contacts_columns, read_mode="cache", cache_dsn=db.dsn)
    rows = list(fdw.execute([Qual("email", "~~", "a%")], {"id", "email"}, limit=3, offset=0))
    assert 0 < len(rows) <= 3 and all(r["email"].startswith("a") for r in rows)
    assert any(line.startswith("Cache query:") for line in fdw.explain([], {"id"}))
    fdw_auto = make(sim, contacts_columns, read_mode="auto", cache_dsn=db.dsn, server="hubspot")
    assert "cache" in fdw_auto.explain([], {"id"})[0]
