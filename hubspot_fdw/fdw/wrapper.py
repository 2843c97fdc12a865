"""``HubSpotFdw``: the Multicorn-style wrapper class behind every HubSpot foreign table.

It wires the parts: options (options.py), the table's spec (tables.py), the read
path per scan (readmode.py → live.py or cache_reads.py), the write rules
(writes.py, with row locks from locks.py and the rollback rules of rollback.py) and
IMPORT FOREIGN SCHEMA (importer.py). One instance per foreign table per backend,
shared by every scan of that table: per-scan state lives in the generators,
per-statement write state in ``Writer``, per-transaction HubSpot effects in the
``Journal``.

Deliberately not here: any HubSpot request detail, SQL text or write rule.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.catalog.odd_values import OddValue, summary
from hubspot_fdw.fdw import cache_reads, live
from hubspot_fdw.fdw.cache_writes import CacheWriter
from hubspot_fdw.fdw.client import client_for
from hubspot_fdw.api.rejections import one_line
from hubspot_fdw.fdw.comments import label_hint, stage_options
from hubspot_fdw.fdw.errors import adapt, report, reported
from hubspot_fdw.fdw.estimates import RemoteTotal, cache_rows, default_rows, local_rows
from hubspot_fdw.fdw.importer import import_schema as _import_schema
from hubspot_fdw.fdw.journal import Effect, Journal
from hubspot_fdw.fdw.live_scans import Replays
from hubspot_fdw.fdw.locks import RowLock, lock_records
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.fdw.options import validate_options as _validate_options
from hubspot_fdw.fdw.readmode import ReadMode, resolve
from hubspot_fdw.fdw import placement, uncertain
from hubspot_fdw.fdw.rollback import undo
from hubspot_fdw.fdw.sql import local_runner, run
from hubspot_fdw.fdw.tables import table_spec
from hubspot_fdw.fdw.writes import Writer
from hubspot_fdw.host.capabilities import HOST_AVAILABLE
from hubspot_fdw.host.multicorn_compat import api as _multicorn
from hubspot_fdw.host.multicorn_compat import utils as _multicorn_utils

ForeignDataWrapper = _multicorn().ForeignDataWrapper

RECENT_ROWS = 1000          # rows remembered for UPDATE/DELETE (old values, association keys)


class HubSpotFdw(ForeignDataWrapper):
    """HubSpot CRM objects, associations, owners and pipelines as foreign tables."""

    # The host refuses every access (any read mode, IMPORT) without a user mapping
    # for the current user or PUBLIC, as postgres_fdw does (docs/access.md).
    requires_user_mapping = True

    @reported
    def __init__(self, fdw_options: dict[str, str], fdw_columns: dict) -> None:
        super().__init__(fdw_options, fdw_columns)  # keeps nothing, as upstream's base class
        self.options = FdwOptions.parse(fdw_options)
        placement.check_columns(fdw_columns)
        if not HOST_AVAILABLE:
            placement.check_catalog(self.options, local_runner(self.options))
        self.table = table_spec(self.options, fdw_columns)
        self.column_types = {name: getattr(c, "type_name", "text") for name, c in fdw_columns.items()}
        self.journal = Journal()
        self.writer = Writer(self.table, self._client, CacheWriter(self.options, self.table), self._adapt,
                             self.journal, self._note_uncertain)
        self._recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._modifying = False
        self._remote_total = RemoteTotal()
        self._replays = Replays(lambda: self._client().transport.calls.total)
        self._odd: list[OddValue] = []   # odd values of this statement's live scans (one WARNING)

    def __repr__(self) -> str:
        return f"HubSpotFdw(table={self.table.name!r}, options={self.options!r})"

    # -- plumbing --------------------------------------------------------------------------------
    def _client(self) -> HubSpotClient:
        return client_for(self.options)

    def _adapt(self, error: HubSpotFdwError) -> HubSpotFdwError:
        adapted = label_hint(adapt(error, self.options.access_token), self.options, self.table)
        return one_line(adapted, self.table.name, stage_options(self.table, self._client))

    def _guarded(self, rows: Iterable[dict[str, Any]], remember: bool = False) -> Iterator[dict[str, Any]]:
        try:
            for row in rows:
                if remember:
                    self._remember(row)
                yield row
        except HubSpotFdwError as error:
            report(self._adapt(error))

    def _remember(self, row: dict[str, Any]) -> None:
        key = str(row.get(self._rowid()))
        self._recent[key] = row
        self._recent.move_to_end(key)
        while len(self._recent) > RECENT_ROWS:
            self._recent.popitem(last=False)

    def _mode(self) -> ReadMode:
        return resolve(self.options, self.table.name)

    # -- planning --------------------------------------------------------------------------------
    # Startup cost the host reads after get_rel_size: an HTTP round trip is worth
    # thousands of page reads, a cache query almost nothing (joins plan accordingly).
    _startup_cost: float = 1000.0
    LIVE_STARTUP_COST = 1000.0
    CACHE_STARTUP_COST = 1.0
    # Multicorn's cost model (both hosts): total = rows * width, so the width is the cost
    # of a row. A live row costs almost nothing next to the request that brings 100 of
    # them, so live reads give width 1: a scan costs one request until it has many rows.
    LIVE_ROW_WIDTH = 1

    def get_rel_size(self, quals: list, columns: set) -> tuple[int, int]:
        width = 40 * max(len(columns), 1)
        try:
            cache = self._mode().mode == "cache"
            self._startup_cost = self.CACHE_STARTUP_COST if cache else self.LIVE_STARTUP_COST
            width = width if cache else self.LIVE_ROW_WIDTH
            if cache:
                cached = cache_rows(self.options, self.table.name)
                return (1000 if cached is None else max(cached, 1), width)
            ids = live.ids_from_quals(quals, self.table.column_names[0])
            if ids is not None:
                per_id = {"association": 5, "history": 10}.get(self.table.kind, 1)
                return (max(len(ids), 1) * per_id, width)
            return (max(1, self._live_total() // (10 ** min(len(quals), 3))), width)
        except HubSpotFdwError:
            return (default_rows(self.table.kind), width)

    def _live_total(self) -> int:
        """The live table's size: local knowledge (estimates.py), or HubSpot's total for
        an object table when the option use_remote_estimate is on."""
        if self.options.use_remote_estimate and self.table.kind == "object":
            try:
                return self._remote_total.rows(self._client(), self.table.object_type.api_path)
            except HubSpotFdwError:
                pass        # planning goes on with what this database knows
        return local_rows(self.options, self.table)

    def get_path_keys(self) -> list:
        if self.table.kind == "association":
            return [((self.table.column_names[0],), 5), ((self.table.column_names[1],), 5)]
        if self.table.kind == "history":
            return [((self.table.column_names[0],), 10)]
        return [(("id",), 1)]

    @reported
    def can_sort(self, sortkeys: list) -> list:
        accepted = []
        cache = self._mode().mode == "cache"
        for key in sortkeys:
            if key.collate is not None or key.attname not in self.column_types:
                break
            if not cache and (accepted or not live.live_sortable(self.table, key.attname)):
                break
            accepted.append(key)
        return accepted

    def can_limit(self, limit: int | None, offset: int | None) -> bool:
        return True

    # -- scans -----------------------------------------------------------------------------------
    # Set by the hubspot_fdw host before each execute (scan.c): "modify" when the scan feeds
    # an UPDATE/DELETE of this table, "update"/"share" for FOR UPDATE/SHARE; None otherwise.
    row_lock: str | None = None
    row_lock_wait: str | None = None

    def _scan_lock(self) -> tuple[bool, RowLock | None]:
        """(feeds a write, lock to take). Under Multicorn2 the host says nothing: the
        rowid_column read at planning marks a write, and no lock can be taken."""
        if not HOST_AVAILABLE:
            return self._modifying, None
        lock = RowLock.of(self.row_lock, self.row_lock_wait)
        return self.row_lock == "modify", lock if self.table.kind == "object" else None

    @reported
    def execute(self, quals: list, columns: set, sortkeys: list | None = None,
                limit: int | None = None, offset: int | None = None) -> Any:
        sortkeys = list(sortkeys or [])
        modifying, lock = self._scan_lock()
        wanted = set(self.table.column_names) if modifying else set(columns)
        fetch = None if limit is None else limit + (offset or 0)
        mode = self._mode()
        if mode.mode == "cache":
            cache_reads.check_table(self.options, self.table)
            scan = cache_reads.build(self.table, self.column_types, quals, wanted, sortkeys, fetch,
                                     self.options.cache_schema)
            if HOST_AVAILABLE and not modifying and lock is None and not offset:
                return scan
            if lock is not None:
                rows: Iterable[dict[str, Any]] = run(self.options, scan.sql + lock.clause(), scan.params)
            else:
                rows = (run(self.options, scan.sql, scan.params) if HOST_AVAILABLE
                        else cache_reads.execute(self.options, scan))
            if modifying and isinstance(rows, list):
                self.writer.expect_candidates(len(rows))
            return self._guarded(live.window(rows, limit, offset), modifying)
        plan = live.plan(self.table, quals, wanted, sortkeys, fetch, history=self.options.history_properties)
        if lock is not None:
            rows = self._guarded(self._locked_rows(plan, lock), modifying)
        else:
            source = self._live_rows(plan)
            rows = self._guarded(source if modifying else self._replays.rows(plan, source), modifying)
        if sortkeys and (plan.sort is None or len(sortkeys) > 1):
            rows = iter(live.sort_rows(rows, sortkeys))
        return live.window(rows, limit, offset)

    def _live_rows(self, plan: live.LivePlan) -> Iterator[dict[str, Any]]:
        yield from self._checked(plan.rows(self._client(), self._odd))

    def _checked(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Rows, failing at the first odd value when the option invalid_values is 'error'."""
        for row in rows:
            if self._odd and self.options.invalid_values == "error":
                error = self._odd[0].as_error()
                self._odd.clear()
                raise error
            yield row

    def _warn_odd(self) -> None:
        """The one WARNING of a statement whose live scans met odd values (odd_values.py)."""
        if not self._odd:
            return
        odd = list(self._odd)
        self._odd.clear()
        message, detail = summary(self.table.name, odd)
        _multicorn_utils().log_to_postgres(
            message, _multicorn_utils().WARNING, detail=detail,
            hint="Such values read as NULL, text without its NUL characters, as in the cache; "
                 "the option invalid_values 'error' makes them an error.")

    def _locked_rows(self, plan: live.LivePlan, lock: RowLock) -> Iterator[dict[str, Any]]:
        """Live rows read after their records were locked (locks.py): ids first, then the
        lock, then the records as HubSpot has them now."""
        client = self._client()
        if plan.kind == "batch_read":
            if self.row_lock == "modify":
                self.writer.expect_candidates(len(plan.ids or []))
            plan.ids = lock_records(self.options, self.table, plan.ids or [], lock)
            yield from self._checked(plan.rows(client, self._odd))
            return
        if plan.kind == "empty":
            return
        found = [str(row["id"]) for row in plan.rows(client)]
        if self.row_lock == "modify":
            self.writer.expect_candidates(len(set(found)))
        locked = set(lock_records(self.options, self.table, found, lock))
        ids = [i for i in dict.fromkeys(found) if i in locked]
        fresh = live.LivePlan(self.table, "batch_read", plan.columns, plan.properties, ids=ids)
        by_id = {str(row["id"]): row for row in self._checked(fresh.rows(client, self._odd))} if ids else {}
        for i in ids:
            if i in by_id:
                yield by_id[i]

    @reported
    def explain(self, quals: list, columns: set, sortkeys: list | None = None, verbose: bool = False,
                limit: int | None = None, offset: int | None = None) -> list[str]:
        mode = self._mode()
        fetch = None if limit is None else limit + (offset or 0)
        lines = [f"HubSpot read mode: {mode.mode} ({mode.reason})"]
        if mode.mode == "cache":
            scan = cache_reads.build(self.table, self.column_types, quals, set(columns), list(sortkeys or []),
                                     fetch, self.options.cache_schema)
            return lines + cache_reads.describe(scan)
        plan = live.plan(self.table, quals, set(columns), list(sortkeys or []), fetch,
                         history=self.options.history_properties)
        return lines + plan.describe() + self._replays.stats.describe()

    def end_scan(self) -> None:
        self._modifying = False
        self._replays.forget()
        self._warn_odd()

    # -- writes ----------------------------------------------------------------------------------
    def _rowid(self) -> str:
        return self.table.column_names[0] if self.table.kind in ("association", "history") else "id"

    @property
    def rowid_column(self) -> str:
        """Read by the host only for INSERT/UPDATE/DELETE: the next scan feeds a write."""
        self._modifying = True
        return self._rowid()

    @reported
    def expect_rows(self, rows: int | None) -> None:
        """Host-only hook (not in Multicorn): rows an INSERT will send, if the plan knows."""
        self.writer.expect_rows(rows)

    @reported
    def insert(self, values: dict) -> dict[str, Any]:
        self.writer.cache.check_target()
        return self.writer.insert(values)

    @reported
    def update(self, oldvalues: Any, newvalues: dict) -> None:
        self.writer.cache.check_target()
        return self.writer.update(oldvalues, newvalues, self._recent.get(str(oldvalues)))

    @reported
    def delete(self, oldvalues: Any) -> None:
        self.writer.cache.check_target()
        return self.writer.delete(oldvalues, self._recent.get(str(oldvalues)))

    @reported
    def modify_context(self, operation: str, returning: bool, on_conflict: str | None) -> None:
        """Host-only hook (not in Multicorn): the statement has RETURNING / ON CONFLICT DO NOTHING."""
        self.writer.context(operation, returning, on_conflict)

    @reported
    def end_modify(self) -> None:
        try:
            self.writer.end_modify()
        finally:
            self._recent.clear()
            self._modifying = False

    # -- transactions: what HubSpot accepted (journal.py, rollback.py) ----------------------------
    def begin(self, serializable: int) -> None:
        self.journal.begin()

    def sub_begin(self, level: int) -> None:
        self.journal.sub_begin(level)

    def sub_commit(self, level: int) -> None:
        self.journal.sub_commit(level)

    def pre_commit(self) -> None:
        """Uncertain writes still kept in this session are written by a committing transaction."""
        if HOST_AVAILABLE and uncertain.pending():
            uncertain.flush(local_runner(self.options))

    def commit(self) -> None:
        self.journal.clear()

    def rollback(self) -> None:
        self._undo(1, "transaction")

    def sub_rollback(self, level: int) -> None:
        self._undo(level, "savepoint")

    def _undo(self, level: int, what: str) -> None:
        """Forget what this instance holds and archive what HubSpot created since ``level``."""
        self.writer.reset()
        self._recent.clear()
        self._modifying = False
        self._replays.forget()
        self._odd.clear()
        undo(self.journal.take(level), self._client, what,
             None if HOST_AVAILABLE else self._archived_again)

    def _archived_again(self, object_type: str, ids: list[str]) -> None:
        """Under Multicorn2 the created records' cache rows were committed on their own
        connection: take them away, listed as 'rolled back'."""
        if self.table.object_type is not None and object_type == self.table.object_type.api_path:
            self.writer.cache.delete([(i,) for i in ids], reason="rolled back")

    def _note_uncertain(self, effect: Effect) -> None:
        uncertain.note(self.options, self.table.name, effect.operation, effect.ids, effect.properties,
                       effect.known())

    # -- DDL ---------------------------------------------------------------------------------------
    @classmethod
    @reported
    def import_schema(cls, schema: str, srv_options: dict, options: dict, restriction_type: str | None,
                      restricts: list) -> list:
        return _import_schema(schema, srv_options, options, restriction_type, restricts)

    @classmethod
    @reported
    def validate_options(cls, kind: str, options: Mapping[str, str]) -> None:
        _validate_options(kind, options)
