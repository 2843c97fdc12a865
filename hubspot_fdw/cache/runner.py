"""Running cache SQL: a tiny ``SqlRunner`` protocol and its two implementations.

- ``PsycopgRunner(conn)``: the materializer process (psycopg2; ``$n`` placeholders are
  rewritten to pyformat, dicts and lists of dicts are sent as JSON).
- ``BackendRunner()``: inside a PostgreSQL backend through
  ``hubspot_fdw.host.capabilities.execute_sql`` (same transaction as the caller).

``execute(sql, params)`` returns the result rows as dicts (empty list when none).
``commit()`` ends the unit of work: a real COMMIT for psycopg2, nothing in a backend
(the caller's transaction decides). Deliberately not here: connection management.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol, Sequence


class SqlRunner(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def commit(self) -> None: ...


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """``$1`` → ``%(p1)s`` and ``%`` → ``%%``, outside quoted strings and identifiers.
    Cached: the materializer sends the same (large) upsert text page after page."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1].replace("%", "%%"))
            i = j + 1
        elif ch == "$" and i + 1 < n and sql[i + 1].isdigit():
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            out.append(f"%(p{sql[i + 1:j]})s")
            i = j
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _adapt(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    from psycopg2.extras import Json  # not at import: backends use BackendRunner only
    if isinstance(value, dict):
        return Json(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in value):
        return Json(list(value))
    if isinstance(value, tuple):
        return list(value)
    return value


class PsycopgRunner:
    """A psycopg2 connection as a SqlRunner (the caller owns the connection)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        query = to_pyformat(sql)
        bound = {f"p{i}": _adapt(v) for i, v in enumerate(params, 1)}
        with self.connection.cursor() as cur:
            cur.execute(query, bound if params else None)
            if cur.description is None:
                return []
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()


class BackendRunner:
    """SQL in the current backend transaction (SPI through the hubspot_fdw host).

    ``max_params``: every parameter is sent as text and parsed by its inferred
    type, so statements stay moderate (a few hundred rows of a wide table)."""

    max_params = 10000

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        from hubspot_fdw.host.capabilities import execute_sql
        return execute_sql(sql, list(params))

    def commit(self) -> None:
        """Nothing: the calling statement's transaction commits or rolls back."""

    def rollback(self) -> None:
        """Nothing: an error propagates and PostgreSQL rolls back."""
