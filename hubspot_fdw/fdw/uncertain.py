"""Writes whose outcome HubSpot never made known (08007), kept where a user finds them
after the transaction: ``hubspot_fdw.uncertain_writes``.

The statement that met the unknown outcome fails, so its transaction rolls back; an
entry written in it would roll back too. So an entry is written outside it:

- with a connection of its own (``cache_dsn``, autocommitted; upstream Multicorn2):
  at once;
- on the hubspot_fdw host (SQL only in the user's transaction): the entry waits in this
  session's memory and is written by the next transaction that can: reading the view
  (``_uncertain_pending()`` writes them and shows them in the same query), or any
  transaction using a foreign table that commits (pre_commit). An entry is forgotten
  here once the transaction that wrote it is known to have committed
  (``pg_xact_status``); one written by a transaction that rolled back is written again.
  Writes are idempotent (``entry_key``), so an entry appears once.

Each entry names the role that wrote (the session's current role, as ``SET ROLE`` left
it), and the view shows a role only its own entries.

Deliberately not here: deciding that an outcome is unknown (api/retry.py), the error
the user sees (writes.py).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from hubspot_fdw.fdw import backend
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.host.capabilities import HOST_AVAILABLE

log = logging.getLogger("hubspot_fdw.fdw.uncertain")

MAX_PENDING = 1000          # entries one session holds before the oldest are dropped (logged)

_NOTE_SQL = "SELECT hubspot_fdw._note_uncertain($1::jsonb) AS id"


@dataclass
class Entry:
    entry_key: str
    occurred_at: str
    server_name: str | None
    table_name: str
    operation: str
    record_ids: list[str]
    sent_values: dict[str, dict[str, str]]
    known: str
    role_oid: int | None
    written_in: str | None = field(default=None)   # xid8 of the transaction that wrote it
    id: int | None = field(default=None)

    def params(self) -> list[Any]:
        fields = ("entry_key", "occurred_at", "server_name", "table_name", "operation", "record_ids",
                  "sent_values", "known", "role_oid")
        return [json.dumps({name: getattr(self, name) for name in fields})]


_pending: list[Entry] = []
_last_error: str | None = None    # why the last write of pending entries failed (describe())


def pending() -> list[Entry]:
    return list(_pending)


def note(options: FdwOptions, table: str, operation: str, ids: Sequence[str],
         values: Mapping[str, Mapping[str, str]], known: str) -> Entry:
    """Keep one uncertain write; written at once when a connection of its own exists."""
    entry = Entry(uuid.uuid4().hex, datetime.now(timezone.utc).isoformat(), options.server, table, operation,
                  [str(i) for i in ids], {k: dict(v) for k, v in values.items()}, known,
                  backend.outer_user_oid())
    if not HOST_AVAILABLE and options.cache_dsn and _write_apart(options, entry):
        return entry
    _pending.append(entry)
    if len(_pending) > MAX_PENDING:
        dropped = _pending.pop(0)
        log.warning("uncertain write of %s %s no longer kept (too many pending)", dropped.table_name,
                    dropped.record_ids)
    return entry


def _write_apart(options: FdwOptions, entry: Entry) -> bool:
    from hubspot_fdw.cache import PsycopgRunner
    from hubspot_fdw.fdw.sql import cache_connection
    try:
        PsycopgRunner(cache_connection(options)).execute(_NOTE_SQL, entry.params())
        return True
    except Exception as error:  # noqa: BLE001 - any failure: keep it pending
        log.warning("could not record the uncertain write: %s", error)
        return False


def _status(runner: Any, xid: str) -> str | None:
    rows = runner.execute("SELECT pg_catalog.pg_xact_status($1::xid8) AS s, "
                          "($1::xid8 = pg_catalog.pg_current_xact_id_if_assigned()) AS mine", [xid])
    if not rows:
        return None
    if rows[0]["mine"] in (True, "t"):
        return "mine"
    return rows[0]["s"]


def flush(runner: Any) -> list[Entry]:
    """Write the pending entries in the runner's transaction; returns those written by
    this call (the calling statement cannot see them yet). Never raises."""
    if not _pending:
        return []
    from hubspot_fdw.fdw.cache_writes import _local_errors
    written: list[Entry] = []
    try:
        for entry in list(_pending):
            if entry.written_in is not None:
                state = _status(runner, entry.written_in)
                if state == "committed":
                    _pending.remove(entry)
                    continue
                if state == "mine":
                    continue
            rows = runner.execute(_NOTE_SQL, entry.params())
            entry.id = int(rows[0]["id"]) if rows and rows[0]["id"] is not None else None
            entry.written_in = str(runner.execute("SELECT pg_catalog.pg_current_xact_id()::text AS x")[0]["x"])
            written.append(entry)
    except _local_errors() as error:
        global _last_error
        _last_error = str(error)
        log.info("uncertain writes not written yet: %s", error)
    return written


def flush_pending(_: str | None = None) -> str:
    """``hubspot_fdw._uncertain_pending()``: write this session's entries, return the ones
    written now as JSON rows of the view."""
    from hubspot_fdw.cache import BackendRunner
    runner = BackendRunner()
    rows = []
    for entry in flush(runner):
        # the role the entry was filed under (_note_uncertain decides); the view filters by it
        names = runner.execute("SELECT role_name FROM hubspot_fdw.uncertain_write_log WHERE id = $1::bigint",
                               [entry.id])
        row = {k: v for k, v in asdict(entry).items() if k not in ("entry_key", "role_oid", "written_in")}
        row["role_name"] = names[0]["role_name"] if names else None
        rows.append(row)
    return json.dumps(rows)


def describe(_: str | None = None) -> str:
    """This session's entries not known to be written; callable through ``_python_call``."""
    return json.dumps({"pending": [{"table": e.table_name, "ids": e.record_ids, "written_in": e.written_in}
                                   for e in _pending], "last_error": _last_error})
