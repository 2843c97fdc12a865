"""After HubSpot accepted a write: the cache rows, in the user's transaction, built and
hashed by ``hubspot_fdw.cache`` exactly as the materializer builds them.

Only columns the cache table really has are written (a property imported before the
materializer added its column is left to the materializer). A failing cache write
after an accepted API call is reported as a WARNING, never as an ERROR: HubSpot has
the change, so the transaction must not claim otherwise; the materializer repairs
the row on its next pass. Under Multicorn2 the writes go through ``cache_dsn`` in
their own (autocommitted) transaction. Rows removed (a DELETE, a create a rollback
archived again) are listed in ``hubspot_fdw.deleted_records``.

Deliberately not here: API calls (writes.py), reading the cache (cache_reads.py).
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Sequence

from hubspot_fdw.api import HubSpotObject
from hubspot_fdw.cache import (
    association_row,
    delete_by_keys_sql,
    existing_columns_sql,
    object_row,
    qualified_table,
    upsert_statements,
)
from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.fdw.sql import local_runner
from hubspot_fdw.host.multicorn_compat import utils as _multicorn_utils

log = logging.getLogger("hubspot_fdw.fdw.cache_writes")
WARNING = _multicorn_utils().WARNING
log_to_postgres = _multicorn_utils().log_to_postgres

try:
    from hubspot_fdw.host.errors import PgError
except ImportError:  # pragma: no cover - the host package is always importable
    PgError = RuntimeError  # type: ignore[misc,assignment]


def _local_errors() -> tuple[type[BaseException], ...]:
    from hubspot_fdw.fdw.cache_connection import CacheLockError  # a cache lock wait that had to end

    try:
        import psycopg2

        return (PgError, CacheLockError, psycopg2.Error)
    except ImportError:
        return (PgError, CacheLockError)


class CacheWriter:
    def __init__(self, options: FdwOptions, table: TableSpec) -> None:
        self.options = options
        self.table = table
        self._target_checked = False

    def _spec(self, runner: Any) -> TableSpec | None:
        rows = runner.execute(existing_columns_sql(), [self.options.cache_schema, self.table.name])
        existing = {r["column_name"] for r in rows}
        if not existing:
            return None
        columns = tuple(c for c in self.table.columns if c.name in existing)
        return TableSpec(self.table.name, self.table.kind, columns, object_type=self.table.object_type,
                         pair=self.table.pair)

    def check_target(self) -> None:
        """Before the first write: the cache this writer would touch is this server's
        (checked once per instance; options changes make a new instance)."""
        if not self._target_checked and local_runner(self.options) is not None:
            from hubspot_fdw.fdw.cache_reads import check_stamp
            check_stamp(self.options)
        self._target_checked = True

    def _run(self, action: str, statements: Any) -> bool:
        """Run the statements on the cache table; False when there is none (or no SQL)."""
        runner = local_runner(self.options)
        if runner is None:
            return False
        try:
            spec = self._spec(runner)
            if spec is None:
                return False
            for sql, params in statements(spec):
                runner.execute(sql, params)
            return True
        except _local_errors() as error:
            target = qualified_table(self.options.cache_schema, self.table.name)
            log_to_postgres(f"HubSpot accepted the change but the cache row in {target} could not be "
                            f"{action}: {error}", WARNING,
                            hint="The materializer will bring the cache up to date on its next pass.")
            return False

    def upsert_records(self, records: Iterable[HubSpotObject]) -> None:
        records = list(records)
        if records:
            self._run("written", lambda spec: upsert_statements(
                spec, self.options.cache_schema, [object_row(spec, r) for r in records]))

    def upsert_associations(self, pairs: Sequence[tuple[str, str, Sequence[str]]]) -> None:
        if pairs:
            self._run("written", lambda spec: upsert_statements(
                spec, self.options.cache_schema, [association_row(spec, a, b, labels) for a, b, labels in pairs]))

    def delete(self, keys: Sequence[tuple[str, ...]], reason: str | None = None) -> None:
        """Remove cache rows; records of an object table are listed in
        ``hubspot_fdw.deleted_records`` with ``reason`` (deleted / rolled back)."""
        if not keys:
            return
        arrays = [list(k[i] for k in keys) for i in range(len(keys[0]))]
        deleted = self._run("deleted", lambda spec: [(delete_by_keys_sql(spec, self.options.cache_schema), arrays)])
        if deleted and reason and self.table.kind == "object":
            self._note_deleted([k[0] for k in keys], reason)

    def _note_deleted(self, ids: list[str], reason: str) -> None:
        runner = local_runner(self.options)
        if runner is None:
            return
        try:
            runner.execute("SELECT hubspot_fdw._note_deleted($1, $2::regclass, $3::text[], $4)",
                           [self.options.server or "", qualified_table(self.options.cache_schema, self.table.name),
                            ids, reason])
        except _local_errors() as error:
            log_to_postgres(f"the records removed from the cache could not be listed in "
                            f"hubspot_fdw.deleted_records: {error}", WARNING)
