"""Statements on the ``cache_dsn`` connection (upstream Multicorn2) that never wait
beyond what the user's statement allows, and never wait for the user's own transaction.

That connection is a second session: a lock held by the user's transaction (``LOCK``,
an uncommitted write to a cache table) would make it wait forever, and neither
statement_timeout, pg_cancel_backend nor pg_terminate_backend of the user's backend
reaches it. So every statement runs with a short ``lock_timeout`` probe; after each
probe that timed out it checks, in this order:

1. does the user's own backend hold a lock on a cache or sync-state relation (other
   than ACCESS SHARE)? Then fail at once with 55P03 naming the relation;
2. is a cancel or terminate pending in the user's backend (which is how
   statement_timeout arrives too)? Then fail with 57014;
3. has the user's lock_timeout (else statement_timeout) elapsed? Then fail with 55P03.
Otherwise the statement is tried again. The connection also gets the user's
statement_timeout. Outside a backend (plain Python) the wait is capped at
``FALLBACK_LIMIT_MS``.

Scans (a server-side cursor needs a transaction) borrow a connection of their own from
a small per-backend pool (``scan_connection``) and end their transaction when they end,
so concurrent scans never share one and no lock outlives a scan.

Deliberately not here: which statements run (readmode.py, cache_reads.py, cache_writes.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

from hubspot_fdw.cache import PsycopgRunner
from hubspot_fdw.fdw import backend
from hubspot_fdw.fdw.errors import FdwError

T = TypeVar("T")
PROBE_MS = 200                  # lock wait before each check
FALLBACK_LIMIT_MS = 30_000      # outside a backend, where no timeout can be read
MAX_IDLE_SCAN_CONNECTIONS = 4   # per DSN and backend

_idle: dict[str, list[Any]] = {}

_SELF_LOCK_SQL = (
    "SELECT n.nspname AS schema, c.relname AS relation, l.mode FROM pg_catalog.pg_locks l "
    "JOIN pg_catalog.pg_class c ON c.oid = l.relation "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE l.pid = %(pid)s AND l.granted AND l.mode <> 'AccessShareLock' "
    "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
    "AND n.nspname = ANY(%(schemas)s) ORDER BY 1, 2 LIMIT 1")


class CacheLockError(FdwError):
    """The cache connection could not get a lock in time (55P03) or was cancelled (57014)."""

    sqlstate = "55P03"


def limit_ms() -> int | None:
    """How long a statement may wait for locks: the user's lock_timeout, else their
    statement_timeout, else no limit (still cancellable); capped outside a backend."""
    if backend.backend_pid() is None:
        return FALLBACK_LIMIT_MS
    for value in (backend.lock_timeout_ms(), backend.statement_timeout_ms()):
        if value:
            return value
    return None


_configured: dict[int, tuple[Any, tuple[int, int]]] = {}   # id(connection) -> (connection, timeouts)


def _configure(connection: Any) -> None:
    statement = backend.statement_timeout_ms() or 0
    wanted = (PROBE_MS, statement)
    known = _configured.get(id(connection))
    if known is not None and known[0] is connection and known[1] == wanted:
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_catalog.set_config('lock_timeout', %s, false), "
                    "pg_catalog.set_config('statement_timeout', %s, false)", (f"{PROBE_MS}ms", f"{statement}ms"))
    if not connection.autocommit:
        connection.commit()
    for key in [k for k, (c, _) in _configured.items() if c.closed]:
        del _configured[key]
    _configured[id(connection)] = (connection, wanted)


def _self_lock(connection: Any, schemas: Sequence[str]) -> dict[str, str] | None:
    pid = backend.backend_pid()
    if pid is None:
        return None
    with connection.cursor() as cur:
        cur.execute(_SELF_LOCK_SQL, {"pid": pid, "schemas": list(schemas)})
        row = cur.fetchone()
    if not connection.autocommit:
        connection.rollback()
    return None if row is None else {"schema": row[0], "relation": row[1], "mode": row[2]}


def guarded(connection: Any, action: Callable[[], T], schemas: Sequence[str]) -> T:
    """Run ``action`` (statements on ``connection``) under the rules above."""
    import psycopg2.errors

    _configure(connection)
    limit = limit_ms()
    started = time.monotonic()
    while True:
        try:
            return action()
        except psycopg2.errors.LockNotAvailable:
            connection.rollback()
        except psycopg2.errors.QueryCanceled:
            connection.rollback()
            raise CacheLockError("canceling statement due to statement timeout (cache connection)",
                                 sqlstate="57014") from None
        held = _self_lock(connection, schemas)
        if held is not None:
            raise CacheLockError(
                f'cache relation "{held["schema"]}"."{held["relation"]}" is locked by this transaction',
                detail=f"This transaction holds {held['mode']} on it, and under Multicorn2 the cache is "
                       "read and written through cache_dsn, a separate session that would wait for this "
                       "transaction forever.",
                hint="Read the foreign table before locking or writing its cache table, or in another "
                     "transaction.") from None
        if backend.interrupt_pending():
            raise CacheLockError("canceling statement due to user request", sqlstate="57014") from None
        waited = (time.monotonic() - started) * 1000
        if limit is not None and waited >= limit:
            raise CacheLockError(
                "could not get a lock on the cache in time",
                detail=f"The cache connection waited {int(waited)} ms for a lock held by another session.",
                hint="Retry when the other transaction has finished.") from None


class GuardedRunner(PsycopgRunner):
    """A PsycopgRunner whose statements follow ``guarded``."""

    def __init__(self, connection: Any, schemas: Sequence[str]) -> None:
        super().__init__(connection)
        self.schemas = list(schemas)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return guarded(self.connection, lambda: PsycopgRunner.execute(self, sql, params), self.schemas)


def connect(dsn: str, autocommit: bool) -> Any:
    """A new psycopg2 connection; a failure is an FdwError that never shows the DSN."""
    import psycopg2

    try:
        connection = psycopg2.connect(dsn)
    except psycopg2.Error as error:
        raise FdwError("could not connect with the option cache_dsn", sqlstate="08001",
                       detail=str(error).strip(), hint="Check cache_dsn in the user mapping.") from None
    connection.autocommit = autocommit
    return connection


@contextmanager
def scan_connection(dsn: str) -> Iterator[Any]:
    """A connection for one scan (not autocommit); its transaction is rolled back at the
    end (a scan writes nothing) and the connection kept for the next scan."""
    import psycopg2

    pool = _idle.setdefault(dsn, [])
    connection = None
    while pool and connection is None:
        candidate = pool.pop()
        connection = None if candidate.closed else candidate
    if connection is None:
        connection = connect(dsn, autocommit=False)
    try:
        yield connection
    finally:
        try:
            connection.rollback()
        except psycopg2.Error:
            connection.close()
        if connection.closed or len(pool) >= MAX_IDLE_SCAN_CONNECTIONS:
            connection.close()
        else:
            pool.append(connection)
