"""Writing cache tables for the materializer: ensure/evolve tables, upsert rows (recording
odd values — catalog/odd_values.py — in ``hubspot_fdw.sync_errors``), delete and prune.

Deliberately not here: HTTP, state, commits (the engine commits after each checkpoint).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Sequence

from hubspot_fdw.cache import (
    CacheRow,
    add_columns_sql,
    delete_by_keys_sql,
    ensure_table_sql,
    existing_columns_sql,
    key_columns,
    prune_associations_sql,
    qualified_table,
    upsert_statements,
)
from hubspot_fdw.cache.runner import SqlRunner
from hubspot_fdw.cache.upsert import MAX_PARAMS
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.sql import quote_ident

log = logging.getLogger("hubspot_fdw.materializer.store")


@dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0
    failures: int = 0

    @property
    def written(self) -> int:
        return self.inserted + self.updated


class CacheStore:
    def __init__(self, runner: SqlRunner, server: str, schema: str) -> None:
        self.runner = runner
        self.server = server
        self.schema = schema

    def ensure(self, spec: TableSpec) -> list[str]:
        """Create the table (and schema, indexes) or add missing columns; returns added columns."""
        existing = [r["column_name"] for r in self.runner.execute(existing_columns_sql(), [self.schema, spec.name])]
        if not existing:
            for sql in ensure_table_sql(spec, self.schema):
                self.runner.execute(sql)
            return []
        alters = add_columns_sql(spec, self.schema, existing)
        for sql in alters:
            self.runner.execute(sql)
        if alters:
            log.info("%s: added %d column(s) for new HubSpot properties", spec.name, len(alters))
        have = set(existing)
        return [c.name for c in spec.columns if c.name not in have]

    def changed_ids(self, spec: TableSpec, rows: Sequence[CacheRow]) -> set[str]:
        """Ids of object rows that are new or whose ``_sync_hash`` differs from the cache's."""
        if not rows:
            return set()
        have = {r["id"]: r["h"] for r in self.runner.execute(
            f"SELECT id, {quote_ident('_sync_hash')} AS h FROM {qualified_table(self.schema, spec.name)} "
            f"WHERE id = ANY($1::text[])", [sorted({r.key[0] for r in rows})])}
        return {r.key[0] for r in rows if have.get(r.key[0]) != r.sync_hash}

    def write(self, spec: TableSpec, rows: Sequence[CacheRow]) -> WriteResult:
        result = WriteResult()
        if not rows:
            return result
        limit = getattr(self.runner, "max_params", MAX_PARAMS)
        for sql, params in upsert_statements(spec, self.schema, rows, limit):
            for r in self.runner.execute(sql, params):
                if r["inserted"]:
                    result.inserted += 1
                else:
                    result.updated += 1
        if spec.kind == "object":
            result.failures = self._record_failures(spec, rows)
        return result

    def _record_failures(self, spec: TableSpec, rows: Sequence[CacheRow]) -> int:
        failures = [f for r in rows for f in r.failures]
        failing_ids = {f.record_id for f in failures}
        clean = [r.key[0] for r in rows if r.key[0] not in failing_ids]
        if clean:
            self.runner.execute("DELETE FROM hubspot_fdw.sync_errors WHERE server_name = $1 AND table_name = $2 "
                                "AND record_id = ANY($3::text[])", [self.server, spec.name, clean])
        for f in failures:
            self.runner.execute(
                "INSERT INTO hubspot_fdw.sync_errors (server_name, table_name, record_id, property, raw_value, error) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (server_name, table_name, record_id, property) "
                "DO UPDATE SET raw_value = EXCLUDED.raw_value, error = EXCLUDED.error, occurred_at = now()",
                [self.server, spec.name, f.record_id, f.property, f.raw_value, f.error])
        if failures:
            log.warning("%s: %d value(s) stored as NULL or without NUL characters (see hubspot_fdw.sync_errors)",
                        spec.name, len(failures))
        return len(failures)

    def delete_ids(self, spec: TableSpec, ids: Iterable[str], *, written_before: object = None) -> list[str]:
        """Delete object rows by id (only rows last written before ``written_before`` when given)."""
        ids = sorted(set(ids))
        if not ids:
            return []
        if written_before is None:
            rows = self.runner.execute(delete_by_keys_sql(spec, self.schema), [ids])
        else:
            rows = self.runner.execute(
                f"DELETE FROM {qualified_table(self.schema, spec.name)} WHERE id = ANY($1::text[]) "
                f"AND {quote_ident('_sync_updated_at')} < $2::timestamptz RETURNING id", [ids, written_before])
        if spec.kind == "object":
            self.runner.execute("DELETE FROM hubspot_fdw.sync_errors WHERE server_name = $1 AND table_name = $2 "
                                "AND record_id = ANY($3::text[])", [self.server, spec.name, ids])
        return [r["id"] for r in rows]

    def delete_associations_of(self, spec: TableSpec, column: str, ids: Iterable[str]) -> int:
        ids = sorted(set(ids))
        if not ids:
            return 0
        return len(self.runner.execute(
            f"DELETE FROM {qualified_table(self.schema, spec.name)} WHERE {quote_ident(column)} = ANY($1::text[]) "
            f"RETURNING 1 AS x", [ids]))

    def prune_associations(self, spec: TableSpec, column: str, ids: Iterable[str],
                           keep: Iterable[tuple[str, str]]) -> int:
        ids = sorted(set(ids))
        if not ids:
            return 0
        pairs = sorted(set(keep))
        return len(self.runner.execute(prune_associations_sql(spec, self.schema, column),
                                       [ids, [p[0] for p in pairs], [p[1] for p in pairs]]))

    def prune_except(self, spec: TableSpec, keys: Iterable[tuple[str, ...]]) -> int:
        """Delete every row whose key is not in ``keys`` (owners, pipelines: full re-reads)."""
        cols = key_columns(spec)
        keys = sorted(set(keys))
        arrays = ", ".join(f"${i}::text[]" for i in range(1, len(cols) + 1))
        names = ", ".join(quote_ident(c) for c in cols)
        return len(self.runner.execute(
            f"DELETE FROM {qualified_table(self.schema, spec.name)} WHERE ({names}) NOT IN "
            f"(SELECT * FROM unnest({arrays})) RETURNING 1 AS x", [[k[i] for k in keys] for i in range(len(cols))]))

    def table(self, spec: TableSpec) -> str:
        return qualified_table(self.schema, spec.name)

    def ids_written_before(self, spec: TableSpec, ids: Iterable[str], before: object) -> set[str]:
        ids = sorted(set(ids))
        if not ids:
            return set()
        rows = self.runner.execute(
            f"SELECT id FROM {qualified_table(self.schema, spec.name)} WHERE id = ANY($1::text[]) "
            f"AND {quote_ident('_sync_updated_at')} < $2::timestamptz", [ids, before])
        return {r["id"] for r in rows}

    def ids_after(self, spec: TableSpec, after: str, limit: int) -> list[str]:
        rows = self.runner.execute(f"SELECT id FROM {qualified_table(self.schema, spec.name)} WHERE id COLLATE \"C\" > $1 "
                                   f"ORDER BY id COLLATE \"C\" LIMIT {int(limit)}", [after])
        return [r["id"] for r in rows]

    def all_ids(self, spec: TableSpec) -> set[str]:
        return {r["id"] for r in self.runner.execute(f"SELECT id FROM {qualified_table(self.schema, spec.name)}")}

    def count(self, spec: TableSpec) -> int:
        return int(self.runner.execute(f"SELECT count(*) AS n FROM {qualified_table(self.schema, spec.name)}")[0]["n"])
