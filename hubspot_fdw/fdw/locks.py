"""Row locks for scans that feed UPDATE/DELETE or run SELECT ... FOR UPDATE / FOR SHARE.

PostgreSQL cannot lock a row that lives in HubSpot, so a HubSpot record is locked in
this database, for the rest of the transaction, in two ways every session honours:

- its cache row, ``SELECT ... FOR UPDATE`` (or FOR SHARE): conflicts with every other
  session's write and lock of the same record, and with the materializer's upsert;
- a transaction advisory lock keyed on (api_url + object type, record id), for the
  live path, where a record may have no cache row yet.

The cache path locks the rows its own SELECT returns (READ COMMITTED then hands back
the latest committed version after waiting). The live path first learns the ids,
locks them in id order (no deadlock between two statements locking the same ids),
then reads the records again from HubSpot, so what it returns is current after the
lock. Writers outside this database are not stopped by any of it.

Deliberately not here: choosing the scan (wrapper.py), HubSpot requests (live.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from hubspot_fdw.cache import qualified_table
from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.fdw.sql import run, table_exists

LOCK_LIMIT = 1000            # records one live scan may lock


@dataclass(frozen=True)
class RowLock:
    strength: str            # update | share
    wait: str = "wait"       # wait | nowait | skip

    @classmethod
    def of(cls, row_lock: str | None, wait: str | None) -> "RowLock | None":
        """From the host's ``row_lock`` / ``row_lock_wait`` (modify locks FOR UPDATE)."""
        if row_lock is None:
            return None
        return cls("share" if row_lock == "share" else "update", wait or "wait")

    def clause(self) -> str:
        text = " FOR UPDATE" if self.strength == "update" else " FOR SHARE"
        return text + {"nowait": " NOWAIT", "skip": " SKIP LOCKED"}.get(self.wait, "")


def _refused(table: TableSpec, ids: Sequence[str]) -> FdwError:
    return FdwError(f"could not obtain lock on HubSpot record {table.name} {', '.join(ids[:5])}",
                    sqlstate="55P03", detail="Another transaction of this database holds it (NOWAIT).")


def lock_records(options: FdwOptions, table: TableSpec, ids: Sequence[str], lock: RowLock) -> list[str]:
    """Lock records by id (advisory lock, then cache row); returns the ids locked, in id
    order (all of them unless SKIP LOCKED passed some by)."""
    wanted = sorted(set(str(i) for i in ids))
    if not wanted:
        return []
    if len(wanted) > LOCK_LIMIT:
        raise FdwError(f"cannot lock {len(wanted)} HubSpot records of {table.name} in one scan",
                       sqlstate="54000",
                       detail=f"A live scan that locks (UPDATE, DELETE, FOR UPDATE/SHARE) locks at most "
                              f"{LOCK_LIMIT} records; nothing was sent to HubSpot.",
                       hint="Narrow the WHERE clause with conditions HubSpot can answer (id, indexed properties).")
    key = f"{options.api_url} {table.object_type.api_path if table.object_type else table.name}"
    shared = "_shared" if lock.strength == "share" else ""
    ordered = "(SELECT unnest($2::text[]) AS id ORDER BY 1) s"
    if lock.wait == "wait":
        run(options, f"SELECT count(pg_advisory_xact_lock{shared}(hashtext($1), hashtext(s.id))) AS n "
                     f"FROM {ordered}", [key, wanted])
        locked = wanted
    else:
        rows = run(options, f"SELECT s.id, pg_try_advisory_xact_lock{shared}(hashtext($1), hashtext(s.id)) AS ok "
                            f"FROM {ordered}", [key, wanted])
        missed = [r["id"] for r in rows if r["ok"] not in (True, "t", "true")]
        if missed and lock.wait == "nowait":
            raise _refused(table, missed)
        locked = [i for i in wanted if i not in set(missed)]
    return _lock_cache_rows(options, table, locked, lock)


def _lock_cache_rows(options: FdwOptions, table: TableSpec, ids: list[str], lock: RowLock) -> list[str]:
    target = qualified_table(options.cache_schema, table.name)
    if not ids or not table_exists(options, target):
        return ids
    id_column = '"' + table.column_names[0].replace('"', '""') + '"'
    rows = run(options, f"SELECT {id_column} AS id FROM {target} WHERE {id_column} = ANY($1::text[]) "
                        f"ORDER BY 1{lock.clause()}", [ids])
    if lock.wait != "skip":
        return ids
    present = {r["id"] for r in run(options, f"SELECT {id_column} AS id FROM {target} "
                                             f"WHERE {id_column} = ANY($1::text[])", [ids])}
    got = {r["id"] for r in rows}
    return [i for i in ids if i in got or i not in present]
