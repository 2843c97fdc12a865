"""The write rules users rely on, per statement.

- INSERT creates one record per statement. A second row in the same statement archives
  the record the first row created (so nothing of the statement remains in HubSpot) and
  fails, saying to insert one row per statement. RETURNING shows the stored record.
- UPDATE / DELETE collect rowids; ``end_modify`` sends one batch call, at most 100
  records; the 101st row fails before any API call. Only changed properties are sent;
  a read-only property (or id, created_at, ...) fails naming the column.
- Association tables: INSERT creates (labels applied), DELETE archives, UPDATE of
  labels adds and removes labels; batched at ``end_modify`` like UPDATE/DELETE.
- After HubSpot accepts, the cache rows are written in the same transaction.

Deliberately not here: reads (live.py, cache_reads.py), HTTP (the client).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping, Sequence

from hubspot_fdw.api import AssociationType, HubSpotClient, HubSpotObject
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.catalog import ColumnSpec, TableSpec, record_to_row, row_to_properties, to_hubspot
from hubspot_fdw.catalog.convert import ConversionError, parse_datetime
from hubspot_fdw.fdw.cache_writes import CacheWriter
from hubspot_fdw.fdw.errors import FdwError

BATCH_LIMIT = 100


@dataclass
class StatementState:
    inserted: HubSpotObject | None = None
    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    link: list[tuple[str, str, list[str]]] = field(default_factory=list)      # association create / add labels
    unlink: list[tuple[str, str]] = field(default_factory=list)               # association archive
    unlabel: list[tuple[str, str, list[str]]] = field(default_factory=list)   # association labels removed

    def count(self) -> int:
        return len(self.updates) + len(self.deletes) + len(self.link) + len(self.unlink) + len(self.unlabel)


def _too_many(table: TableSpec, verb: str) -> FdwError:
    return FdwError(f"{verb} of more than {BATCH_LIMIT} HubSpot records in one statement on {table.name}",
                    sqlstate="54000",
                    detail=f"HubSpot changes at most {BATCH_LIMIT} records per batch call; nothing was sent.",
                    hint=f"Narrow the WHERE clause to at most {BATCH_LIMIT} rows per statement.")


def _same(column: ColumnSpec, old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if column.kind != "property":
        return _normal(old) == _normal(new)
    try:
        a, b = (to_hubspot(v, column.hubspot_type, column.field_type) for v in (old, new))
    except ConversionError:
        return False
    if column.hubspot_type == "number":
        try:
            return Decimal(a) == Decimal(b)
        except InvalidOperation:
            return a == b
    return a == b


def _normal(value: Any) -> Any:
    """Multicorn2 hands timestamptz and boolean values over as text; compare them typed."""
    if isinstance(value, str):
        if value in ("t", "f"):
            return value == "t"
        try:
            return parse_datetime(value)
        except ConversionError:
            return value
    return value


class Writer:
    """One per foreign table instance; state is per statement (reset at end_modify/rollback)."""

    def __init__(self, table: TableSpec, client: Callable[[], HubSpotClient], cache: CacheWriter,
                 adapt: Callable[[HubSpotFdwError], HubSpotFdwError]) -> None:
        self.table = table
        self._client = client
        self.cache = cache
        self.adapt = adapt
        self.state = StatementState()
        self._label_types: dict[str, AssociationType] | None = None

    def reset(self) -> None:
        self.state = StatementState()

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HubSpotFdwError as error:
            raise self.adapt(error) from None

    @property
    def api(self) -> str:
        return self.table.object_type.api_path

    def _all_properties(self) -> list[str]:
        return [c.property_name or c.name for c in self.table.property_columns]

    def _reread(self, ids: Sequence[str]) -> list[HubSpotObject]:
        return list(self._call(self._client().batch_read, self.api, list(ids), properties=self._all_properties()))

    # -- object tables -------------------------------------------------------------------------
    def expect_rows(self, rows: int | None) -> None:
        """Refuse a multi-row INSERT before any API call when the plan tells the count."""
        if self.table.kind == "association" or rows is None or rows <= 1:
            return
        raise FdwError(f"INSERT into {self.table.name} creates one HubSpot record per statement",
                       sqlstate="0A000",
                       detail=f"The statement has {rows} rows; nothing was sent to HubSpot.",
                       hint="Insert one row per statement (several INSERT statements in one transaction are fine).")

    def insert(self, values: Mapping[str, Any]) -> dict[str, Any]:
        if self.table.kind == "association":
            return self._link(values)
        self._writable()
        if self.state.inserted is not None:
            self._undo_insert()
        properties = row_to_properties(self.table, {k: v for k, v in values.items() if v is not None})
        created = self._call(self._client().create_object, self.api, properties)
        self.state.inserted = created
        stored = (self._reread([created.id]) or [created])[0]
        self.cache.upsert_records([stored])
        return record_to_row(self.table, stored)

    def _undo_insert(self) -> None:
        first = self.state.inserted
        self.state.inserted = None
        undone = "was archived again"
        try:
            self._client().archive_object(self.api, first.id)
        except HubSpotFdwError as error:
            undone = f"could NOT be archived ({error.message}); archive it by hand"
        raise FdwError(f"INSERT into {self.table.name} creates one HubSpot record per statement",
                       sqlstate="0A000",
                       detail=f"The statement tried to create a second record; the record its first row created "
                              f"(id {first.id}) {undone}, so the statement leaves nothing in HubSpot.",
                       hint="Insert one row per statement (several INSERT statements in one transaction are fine).")

    def update(self, rowid: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        if self.table.kind == "association":
            return self._relabel(rowid, new, old)
        self._writable()
        if new.get("id") is not None and str(new["id"]) != str(rowid):
            raise FdwError(f'column "id" of {self.table.name} cannot be changed', sqlstate="428C9",
                           hint="HubSpot assigns record ids.")
        changed = {k: v for k, v in new.items() if self.table.has_column(k)
                   and self.table.column(k).kind != "sync"
                   and (old is None and v is not None and self.table.column(k).kind == "property"
                        and self.table.column(k).writable
                        or old is not None and not _same(self.table.column(k), old.get(k), v))}
        properties = row_to_properties(self.table, changed)
        if not properties:
            return None
        if self.state.count() >= BATCH_LIMIT:
            raise _too_many(self.table, "UPDATE")
        self.state.updates.append((str(rowid), properties))
        return None

    def delete(self, rowid: Any, old: Mapping[str, Any] | None) -> None:
        if self.table.kind == "association":
            return self._unlink(rowid, old)
        self._writable()
        if self.state.count() >= BATCH_LIMIT:
            raise _too_many(self.table, "DELETE")
        self.state.deletes.append(str(rowid))
        return None

    def end_modify(self) -> None:
        state, self.state = self.state, StatementState()
        if self.table.kind == "association":
            return self._flush_associations(state)
        client = self._client()
        if state.updates:
            result = self._call(client.batch_update, self.api, state.updates)
            if result.errors:
                raise self.adapt(result.errors[0])
            self.cache.upsert_records(self._reread([i for i, _ in state.updates]))
        if state.deletes:
            self._call(client.batch_archive, self.api, state.deletes)
            self.cache.delete([(i,) for i in state.deletes])

    def _writable(self) -> None:
        if self.table.kind != "object":
            raise FdwError(f"{self.table.name} is read-only", sqlstate="42809",
                           hint="Owners and pipelines are managed in HubSpot.")

    # -- association tables ----------------------------------------------------------------------
    def _ids(self, row: Mapping[str, Any]) -> tuple[str, str]:
        first, second = self.table.column_names[0], self.table.column_names[1]
        if row.get(first) is None or row.get(second) is None:
            raise FdwError(f"{first} and {second} must both be given", sqlstate="23502")
        return str(row[first]), str(row[second])

    def types_for(self, labels: Sequence[str]) -> list[AssociationType]:
        if self._label_types is None:
            pair = self.table.pair
            known = self._call(self._client().association_labels, pair.first.api_path, pair.second.api_path)
            self._label_types = {(t.label or ""): t for t in known}
        missing = [label for label in labels if label not in self._label_types]
        if missing:
            valid = sorted(k for k in self._label_types if k)
            raise FdwError(f'unknown association label "{missing[0]}" for {self.table.name}', sqlstate="22023",
                           hint=f"Valid labels: {', '.join(valid) or '(none)'}.")
        return [self._label_types[label] for label in labels]

    def default_types(self) -> list[AssociationType]:
        self.types_for([])
        unlabeled = self._label_types.get("") if self._label_types else None
        return [unlabeled] if unlabeled is not None else []

    def _check_batch(self, verb: str) -> None:
        if self.state.count() >= BATCH_LIMIT:
            raise _too_many(self.table, verb)

    def _link(self, values: Mapping[str, Any]) -> dict[str, Any]:
        a, b = self._ids(values)
        labels = sorted({str(label) for label in values.get("labels") or [] if label})
        self.types_for(labels)
        self._check_batch("INSERT")
        self.state.link.append((a, b, labels))
        first, second = self.table.column_names[0], self.table.column_names[1]
        return {first: a, second: b, "labels": labels}

    def _unlink(self, rowid: Any, old: Mapping[str, Any] | None) -> None:
        if old is None:
            raise FdwError(f"cannot identify the association to delete in {self.table.name}", sqlstate="55000",
                           hint="DELETE with a WHERE clause on both id columns.")
        self._check_batch("DELETE")
        self.state.unlink.append(self._ids(old))

    def _relabel(self, rowid: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        if old is None:
            raise FdwError(f"cannot identify the association to update in {self.table.name}", sqlstate="55000")
        if self._ids(new) != self._ids(old):
            raise FdwError(f"the ids of an association in {self.table.name} cannot be changed", sqlstate="428C9",
                           hint="DELETE the association and INSERT the new one.")
        a, b = self._ids(old)
        before = set(old.get("labels") or [])
        after = {str(label) for label in new.get("labels") or [] if label}
        self.types_for(sorted(after))
        if before == after:
            return None
        self._check_batch("UPDATE")
        if after - before:
            self.state.link.append((a, b, sorted(after)))
        if before - after:
            self.state.unlabel.append((a, b, sorted(before - after)))
        return None

    def _flush_associations(self, state: StatementState) -> None:
        pair = self.table.pair
        client = self._client()
        src, dst = pair.first.api_path, pair.second.api_path
        default = self.default_types() if state.link else []
        if state.unlink:
            self._call(client.batch_archive_associations, src, dst, state.unlink)
            self.cache.delete(state.unlink)
        if state.link:
            inputs = [(a, b, default + self.types_for(labels)) for a, b, labels in state.link]
            errors = self._call(client.batch_create_associations, src, dst, inputs)
            if errors:
                raise self.adapt(errors[0])
        if state.unlabel:
            inputs = [(a, b, self.types_for(labels)) for a, b, labels in state.unlabel]
            self._call(client.archive_association_labels, src, dst, inputs)
        changed = {(a, b) for a, b, _ in state.link} | {(a, b) for a, b, _ in state.unlabel}
        if changed:
            self.cache.upsert_associations(self._current_labels(sorted(changed)))

    def _current_labels(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
        pair = self.table.pair
        wanted = set(pairs)
        found = {(a.from_id, a.to_id): a.labels for a in self._call(
            lambda: list(self._client().batch_read_associations(pair.first.api_path, pair.second.api_path,
                                                                sorted({a for a, _ in pairs}))))}
        return [(a, b, found.get((a, b), [])) for a, b in sorted(wanted)]
