"""The write rules users rely on, per statement.

- INSERT creates one record per statement. A second row in the same statement archives
  the record the first row created (so nothing of the statement remains in HubSpot) and
  fails, saying to insert one row per statement. RETURNING shows the stored record.
- UPDATE / DELETE collect rowids; ``end_modify`` sends one batch call, at most 100
  records; the 101st row fails before any API call. Only changed properties are sent;
  a read-only property (or id, created_at, _sync_*, ...) fails naming the column.
  UPDATE ... RETURNING (the host says so through ``modify_context``) sends each row's
  update when the row comes, so RETURNING shows what HubSpot stored.
- Every request that changes HubSpot runs with cancels held (capabilities.py): a
  cancel or statement_timeout takes effect after HubSpot's answer, and the error then
  says what HubSpot did. An outcome that cannot be known (no answer, a 5xx, a success
  answer that cannot be read) is 08007 with what was asked of which records, a hint
  fitting the operation, and an entry in ``hubspot_fdw.uncertain_writes`` (uncertain.py).
  Each acknowledged change is recorded in the journal first (rollback.py undoes or
  reports it if the transaction does not commit).
- A create HubSpot confirmed stays reported as done when the read-back fails: the
  create's own answer is used (with a WARNING). An update's cache row is the locked
  row merged with HubSpot's answer (no read-back).
- INSERT ... ON CONFLICT DO NOTHING: HubSpot's duplicate answer inserts nothing.
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
from hubspot_fdw.api.errors import HubSpotConflictError, HubSpotFdwError, HubSpotWriteUncertainError
from hubspot_fdw.catalog import ColumnSpec, TableSpec, record_to_row, row_to_properties, to_hubspot
from hubspot_fdw.catalog.convert import ConversionError, ReadOnlyColumnError, as_stored, parse_datetime
from hubspot_fdw.fdw.cache_writes import CacheWriter
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.journal import Effect, Journal, ids_text, props_text
from hubspot_fdw.host.capabilities import cancel_pending, interrupts_held
from hubspot_fdw.host.errors import QueryCanceled
from hubspot_fdw.host.multicorn_compat import utils as _multicorn_utils

WARNING = _multicorn_utils().WARNING
log_to_postgres = _multicorn_utils().log_to_postgres

BATCH_LIMIT = 100

# What is known of a write HubSpot accepted with an unreadable answer, per operation.
APPLIED = {
    "insert": "HubSpot created the record; its id is not known.",
    "update": "HubSpot applied the change; which values it stored is not known.",
    "delete": "HubSpot archived the records.",
    "associate": "HubSpot applied the change.",
}

# What to do about a write whose outcome is unknown, per operation.
UNCERTAIN_HINTS = {
    "insert": "Check in HubSpot whether the record was created (search by its values) before retrying: "
              "inserting it again blindly may make a duplicate.",
    "update": "Read the records from HubSpot (read_mode 'live') to see which values they hold; "
              "run the UPDATE again if they do not have the new values.",
    "delete": "Check whether the records are still in HubSpot (read_mode 'live'); "
              "running the DELETE again is harmless.",
    "associate": "Read the associations from HubSpot (read_mode 'live') to see whether the change is there; "
                 "running the statement again is harmless.",
}


@dataclass
class StatementState:
    inserted: HubSpotObject | None = None
    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    old_rows: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)   # rowid → row as locked
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
                 adapt: Callable[[HubSpotFdwError], HubSpotFdwError], journal: Journal | None = None,
                 note_uncertain: Callable[[Effect], None] | None = None) -> None:
        self.table = table
        self.note_uncertain = note_uncertain or (lambda effect: None)
        self._client = client
        self.cache = cache
        self.adapt = adapt
        self.journal = journal or Journal()
        self.state = StatementState()
        self.returning = False
        self.on_conflict: str | None = None
        self._label_types: dict[str, AssociationType] | None = None

    def reset(self) -> None:
        self.state = StatementState()
        self.returning = False
        self.on_conflict = None

    def context(self, operation: str, returning: bool, on_conflict: str | None) -> None:
        """Host-only (modify_context): what the starting statement is. A property history
        table refuses every write here, before any row is read."""
        if self.table.kind == "history":
            self._writable()
        self.returning = bool(returning) and operation == "update"
        self.on_conflict = on_conflict

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HubSpotFdwError as error:
            raise self.adapt(error) from None

    # -- requests that change HubSpot ------------------------------------------------------------
    def _send(self, what: str, fn: Callable[..., Any], *args: Any, subject: str | None = None,
              operation: str = "update", ids: Sequence[str] = (),
              values: Mapping[str, Mapping[str, str]] | None = None) -> Any:
        """Send one change. A cancel waits for HubSpot's answer (the request timeout bounds
        the wait); a cancel that came before anything was sent cancels plainly. ``subject``
        names what changes in the journal (default: the object type); ``operation``,
        ``ids`` and ``values`` say what was asked, for an uncertain outcome."""
        with interrupts_held():
            if cancel_pending():
                raise QueryCanceled("canceling statement")
            try:
                return fn(*args)
            except HubSpotWriteUncertainError as error:
                effect = self.journal.add(Effect("uncertain", subject or self.api, list(ids),
                                                 {k: dict(v) for k, v in (values or {}).items()},
                                                 what=what, applied=error.applied, operation=operation))
                self.note_uncertain(effect)
                raise self._uncertain(error, effect) from None
            except HubSpotFdwError as error:
                raise self.adapt(error) from None

    def _uncertain(self, error: HubSpotWriteUncertainError, effect: Effect) -> HubSpotFdwError:
        self.adapt(error)
        facts = " ".join(filter(None, [error.message[:1].upper() + error.message[1:] + ".", error.detail]))
        if effect.applied:
            message = f"HubSpot accepted {effect.what}, but its answer could not be read"
            known = APPLIED.get(effect.operation, APPLIED["update"])
        else:
            message = f"HubSpot's answer to {effect.what} is unknown: it may have been applied"
            known = "The request was sent; whether HubSpot applied it is not known."
        return FdwError(message, sqlstate="08007",
                        detail=f"{known} {facts} The write is listed in hubspot_fdw.uncertain_writes.",
                        hint=UNCERTAIN_HINTS.get(effect.operation, UNCERTAIN_HINTS["update"]))

    def _canceled(self, effect: Effect) -> FdwError:
        undo = ("The transaction rolls back, so the record is archived again; a WARNING reports it."
                if effect.kind == "created" else
                "HubSpot keeps the change: it has no rollback.")
        return FdwError(f"canceling statement: {effect.happened()} before the statement was cancelled",
                        sqlstate="57014", detail=undo,
                        hint="Do not simply retry: check what HubSpot has first.")

    def _settled(self, effect: Effect) -> None:
        """After an acknowledged change: a pending cancel now fails the statement, truthfully."""
        if cancel_pending():
            raise self._canceled(effect)

    def _then(self, effect: Effect, step: Callable[[], Any], hold: bool = False) -> Any:
        """A step after an acknowledged change (read-back, cache write): a cancel during it
        reports the change instead of a plain cancel."""
        try:
            if hold:
                with interrupts_held():
                    result = step()
            else:
                result = step()
        except QueryCanceled:
            raise self._canceled(effect) from None
        self._settled(effect)
        return result

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

    def expect_candidates(self, rows: int) -> None:
        """The scan feeding this UPDATE found ``rows`` candidates. With RETURNING each row is
        sent as it comes, so a statement that may exceed the batch limit fails now, before
        any call (PostgreSQL's own filters might have cut it down; narrow the WHERE clause)."""
        if self.returning and rows > BATCH_LIMIT:
            raise _too_many(self.table, "UPDATE ... RETURNING")

    def insert(self, values: Mapping[str, Any]) -> dict[str, Any] | bool:
        if self.table.kind == "association":
            return self._link(values)
        self._writable()
        if self.state.inserted is not None:
            self._undo_insert()
        properties = row_to_properties(self.table, {k: v for k, v in values.items() if v is not None})
        try:
            created = self._send(f"the create of a {self.api} record ({props_text(properties)})",
                                 self._client().create_object, self.api, properties,
                                 operation="insert", values={"new": properties})
        except HubSpotConflictError:
            if self.on_conflict == "nothing":
                return False     # ON CONFLICT DO NOTHING: HubSpot already has it
            raise
        effect = self.journal.add(Effect("created", self.api, [created.id]))
        self.state.inserted = created
        self._settled(effect)
        stored = self._then(effect, lambda: self._read_back(created, effect))
        self._then(effect, lambda: self.cache.upsert_records([stored]), hold=True)
        return record_to_row(self.table, stored)

    def _read_back(self, created: HubSpotObject, effect: Effect) -> HubSpotObject:
        try:
            found = self._reread([created.id])
        except HubSpotFdwError as error:
            self._settled(effect)
            log_to_postgres(f"{effect.happened()}, but reading it back failed: {error.message}", WARNING,
                            detail="RETURNING and the cache row show what HubSpot's answer to the create holds; "
                                   "properties HubSpot set on its own may be missing until the next sync.")
            return created
        return found[0] if found else created

    def _undo_insert(self) -> None:
        first = self.state.inserted
        self.state.inserted = None
        undone = "was archived again"
        try:
            with interrupts_held():
                self._client().archive_object(self.api, first.id)
            self.journal.forget("created", self.api, [first.id])
        except HubSpotFdwError as error:
            undone = f"could NOT be archived ({error.message}); archive it by hand"
        raise FdwError(f"INSERT into {self.table.name} creates one HubSpot record per statement",
                       sqlstate="0A000",
                       detail=f"The statement tried to create a second record; the record its first row created "
                              f"(id {first.id}) {undone}, so the statement leaves nothing in HubSpot.",
                       hint="Insert one row per statement (several INSERT statements in one transaction are fine).")

    def update(self, rowid: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if self.table.kind == "association":
            return self._relabel(rowid, new, old)
        self._writable()
        if new.get("id") is not None and str(new["id"]) != str(rowid):
            raise FdwError(f'column "id" of {self.table.name} cannot be changed', sqlstate="428C9",
                           hint="HubSpot assigns record ids.")
        changed = {k: v for k, v in new.items() if self.table.has_column(k)
                   and (old is None and v is not None and self.table.column(k).kind == "property"
                        and self.table.column(k).writable
                        or old is not None and not _same(self.table.column(k), old.get(k), v))}
        for name in changed:
            if self.table.column(name).kind in ("sync", "envelope"):
                raise ReadOnlyColumnError(f'column "{name}" of {self.table.name} cannot be written',
                                          detail=f'"{name}" is set by HubSpot or the cache.')
        properties = row_to_properties(self.table, changed)
        if not properties:
            return as_stored(self.table, new)   # RETURNING shows what HubSpot holds
        if self.state.count() >= BATCH_LIMIT:
            raise _too_many(self.table, "UPDATE")
        if self.returning:
            stored = self._send_updates([(str(rowid), properties)], {str(rowid): old})
            return record_to_row(self.table, stored[0]) if stored else None
        self.state.updates.append((str(rowid), properties))
        self.state.old_rows[str(rowid)] = old
        return as_stored(self.table, new)       # sent at the end: the row as HubSpot will store it

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
        self.returning, self.on_conflict = False, None
        if self.table.kind == "association":
            return self._flush_associations(state)
        if state.updates:
            self._send_updates(state.updates, state.old_rows)
        if state.deletes:
            ids = state.deletes
            self._send(f"the archive of {self.api} {ids_text(ids)}", self._client().batch_archive, self.api, ids,
                       operation="delete", ids=ids)
            effect = self.journal.add(Effect("archived", self.api, list(ids)))
            self._settled(effect)
            self._then(effect, lambda: self.cache.delete([(i,) for i in ids], reason="deleted"), hold=True)

    def _send_updates(self, inputs: list[tuple[str, dict[str, str]]],
                      old_rows: Mapping[str, Mapping[str, Any] | None]) -> list[HubSpotObject]:
        """One batch update; the cache rows (and RETURNING) are the locked rows merged with
        HubSpot's answer, which carries what it stored (hs_lastmodifieddate included)."""
        ids = [i for i, _ in inputs]
        sent = dict(inputs)
        what = f"the update of {self.api} {ids_text(ids)} ({props_text(inputs[0][1])}{' ...' if len(inputs) > 1 else ''})"
        result = self._send(what, self._client().batch_update, self.api, inputs, operation="update", ids=ids,
                            values=sent)
        done = [r.id for r in result.results]
        effect = Effect("updated", self.api, done, {i: sent.get(i, {}) for i in done})
        if done:
            self.journal.add(effect)
        if result.errors:
            error = self.adapt(result.errors[0])
            if done:
                error.detail = f"{error.detail or ''} Nevertheless {effect.happened()}.".strip()
            raise error
        self._settled(effect)
        stored = [self._merged(old_rows.get(r.id), r) for r in result.results]
        missing = [r.id for r, s in zip(result.results, stored) if s is None]
        if missing:
            fresh = {r.id: r for r in self._then(effect, lambda: self._read_back_many(missing, effect))}
            stored = [s if s is not None else fresh.get(r.id, r) for r, s in zip(result.results, stored)]
        self._then(effect, lambda: self.cache.upsert_records(stored), hold=True)
        return stored

    def _read_back_many(self, ids: list[str], effect: Effect) -> list[HubSpotObject]:
        try:
            return self._reread(ids)
        except HubSpotFdwError as error:
            self._settled(effect)
            log_to_postgres(f"{effect.happened()}, but reading the records back failed: {error.message}",
                            WARNING, detail="The cache rows show what HubSpot's answer to the update holds.")
            return []

    def _merged(self, old: Mapping[str, Any] | None, answer: HubSpotObject) -> HubSpotObject | None:
        """The record as HubSpot now has it: the row read under the lock, overwritten by the
        properties of HubSpot's answer. None when the old row is unknown."""
        if old is None:
            return None
        properties: dict[str, str | None] = {}
        for column in self.table.property_columns:
            if column.name not in old:
                continue
            try:
                properties[column.property_name or column.name] = to_hubspot(
                    old[column.name], column.hubspot_type, column.field_type) or None
            except ConversionError:
                continue
        properties.update(answer.properties)
        created = old.get("created_at")
        created_text = created.isoformat() if hasattr(created, "isoformat") else created
        return HubSpotObject(answer.id, properties, answer.created_at or created_text, answer.updated_at,
                             answer.archived, answer.archived_at)

    def _writable(self) -> None:
        if self.table.kind == "history":
            raise FdwError(f"{self.table.name} is read-only", sqlstate="42809",
                           hint="Property history is kept by HubSpot: change the record itself to add a value.")
        if self.table.kind != "object":
            raise FdwError(f"{self.table.name} is read-only", sqlstate="42809",
                           hint="Owners and pipelines are managed in HubSpot.")
        if self.table.object_type is not None and not self.table.object_type.writable:
            raise FdwError(f"{self.table.name} is read-only", sqlstate="42809",
                           hint="HubSpot's API does not let apps create, change or delete these records.")

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
        kind = f"{pair.first.singular}-{pair.second.singular} associations"
        default = self.default_types() if state.link else []
        effects: list[Effect] = []

        def sent(what: str, pairs: Sequence[tuple[str, ...]], call: Callable[[], Any]) -> Any:
            names = [f"{p[0]}/{p[1]}" for p in pairs]
            request = {"unlinked": "archive", "linked": "create", "unlabeled": "label removal"}[what]
            result = self._send(f"the {request} of {kind} {ids_text(names)}", call, subject=kind,
                                operation="associate", ids=names)
            effects.append(self.journal.add(Effect(what, kind, names)))
            return result

        if state.unlink:
            sent("unlinked", state.unlink,
                 lambda: client.batch_archive_associations(src, dst, state.unlink))
        if state.link:
            inputs = [(a, b, default + self.types_for(labels)) for a, b, labels in state.link]
            errors = sent("linked", state.link, lambda: client.batch_create_associations(src, dst, inputs))
            if errors:
                raise self.adapt(errors[0])
        if state.unlabel:
            inputs = [(a, b, self.types_for(labels)) for a, b, labels in state.unlabel]
            sent("unlabeled", state.unlabel, lambda: client.archive_association_labels(src, dst, inputs))
        if not effects:
            return
        last = effects[-1]
        self._settled(last)
        if state.unlink:
            self._then(last, lambda: self.cache.delete(state.unlink), hold=True)
        changed = {(a, b) for a, b, _ in state.link} | {(a, b) for a, b, _ in state.unlabel}
        if changed:
            current = self._then(last, lambda: self._current_labels(sorted(changed)))
            self._then(last, lambda: self.cache.upsert_associations(current), hold=True)

    def _current_labels(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
        pair = self.table.pair
        wanted = set(pairs)
        found = {(a.from_id, a.to_id): a.labels for a in self._call(
            lambda: list(self._client().batch_read_associations(pair.first.api_path, pair.second.api_path,
                                                                sorted({a for a, _ in pairs}))))}
        return [(a, b, found.get((a, b), [])) for a, b in sorted(wanted)]
