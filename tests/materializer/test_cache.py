"""The cache package against a real PostgreSQL: DDL, upsert skip-on-same-hash, deletes,
new columns, cast failures, both runners agreeing on placeholders."""

from __future__ import annotations

from hubspot_fdw.api.models import HubSpotObject, PropertyDefinition
from hubspot_fdw.cache import (
    PsycopgRunner,
    add_columns_sql,
    association_row,
    delete_by_keys_sql,
    ensure_table_sql,
    existing_columns_sql,
    object_row,
    prune_associations_sql,
    to_pyformat,
    upsert_statements,
)
from hubspot_fdw.catalog import Catalog, Registry

from pg_harness import create_database


def _props(*extra: PropertyDefinition) -> list[PropertyDefinition]:
    return [PropertyDefinition("email", "Email", "string", "text"),
            PropertyDefinition("lastmodifieddate", "LM", "datetime", "date"),
            PropertyDefinition("num_employees", "N", "number", "number"),
            PropertyDefinition("tags", "Tags", "enumeration", "checkbox"), *extra]


def _catalog(*extra: PropertyDefinition) -> Catalog:
    return Catalog.from_definitions(Registry.standard(), {"contacts": _props(*extra), "companies": _props()})


def test_pyformat_skips_quotes() -> None:
    assert to_pyformat("SELECT $1, '$2 %', \"a$3\" % $10") == "SELECT %(p1)s, '$2 %%', \"a$3\" %% %(p10)s"


def test_cache_roundtrip(postgresql_proc) -> None:
    db = create_database(postgresql_proc, "t_cache_unit", None)
    conn = db.connect(autocommit=False)
    run = PsycopgRunner(conn)
    cat = _catalog()
    spec = cat.table("contacts")
    for sql in ensure_table_sql(spec, "hubspot_cache"):
        run.execute(sql)
    rec = HubSpotObject("1", {"email": "a@x", "lastmodifieddate": "2024-01-01T00:00:00Z",
                              "num_employees": "12.50", "tags": "a;b"}, "2024-01-01T00:00:00Z",
                        "2024-01-01T00:00:00Z")
    bad = HubSpotObject("2", {"email": "b@x", "num_employees": "lots"}, None, None)
    rows = [object_row(spec, rec), object_row(spec, bad)]
    assert rows[1].failures and rows[1].failures[0].raw_value == "lots"
    written = [r for sql, p in upsert_statements(spec, "hubspot_cache", rows) for r in run.execute(sql, p)]
    assert [w["inserted"] for w in written] == [True, True]
    again = [r for sql, p in upsert_statements(spec, "hubspot_cache", rows) for r in run.execute(sql, p)]
    assert again == []
    got = run.execute('SELECT "tags", "num_employees"::text AS n FROM "hubspot_cache"."contacts" WHERE id = $1', ["1"])
    assert got == [{"tags": ["a", "b"], "n": "12.50"}]
    cat2 = _catalog(PropertyDefinition("new_prop", "New", "string", "text"))
    spec2 = cat2.table("contacts")
    existing = [r["column_name"] for r in run.execute(existing_columns_sql(), ["hubspot_cache", "contacts"])]
    alters = add_columns_sql(spec2, "hubspot_cache", existing)
    assert len(alters) == 1
    for sql in alters:
        run.execute(sql)
    # An unchanged record keeps its hash under the wider spec (NULLs are not hashed).
    assert object_row(spec2, rec).sync_hash == rows[0].sync_hash
    assert run.execute(delete_by_keys_sql(spec, "hubspot_cache"), [["2"]]) == [{"id": "2"}]
    aspec = cat.table("associations_company_contact")
    for sql in ensure_table_sql(aspec, "hubspot_cache"):
        run.execute(sql)
    arows = [association_row(aspec, "c1", "p1", ["B", None, "A"]), association_row(aspec, "c1", "p2", [])]
    for sql, p in upsert_statements(aspec, "hubspot_cache", arows):
        run.execute(sql, p)
    gone = run.execute(prune_associations_sql(aspec, "hubspot_cache", "company_id"), [["c1"], ["c1"], ["p2"]])
    assert len(gone) == 1
    left = run.execute('SELECT * FROM "hubspot_cache"."associations_company_contact"')
    assert [(r["contact_id"], r["labels"]) for r in left] == [("p2", [])]
    conn.commit()
    conn.close()
