"""What only this host offers: SQL in the current transaction, delegated scans, and
holding cancels while a remote change is in flight.

``HOST_AVAILABLE`` tells a wrapper whether it runs inside the hubspot_fdw C host
(under upstream Multicorn2 it is False and the wrapper must fall back).
"""

from __future__ import annotations

import decimal
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from hubspot_fdw.host.definitions import quote_identifier

try:
    import _hubspot_fdw_host as _host
except ImportError:
    _host = None

HOST_AVAILABLE = _host is not None

# Operators a LocalScan condition may use; anything else stays with PostgreSQL.
SCAN_OPERATORS = frozenset({"=", "<>", "<", "<=", ">", ">=", "~~", "~~*", "!~~", "!~~*"})


def execute_sql(query: str, params: Sequence[Any] = (), limit: int = 0) -> list[dict]:
    """Run ``query`` in the current transaction; ``$1``... are bound from ``params``.

    Parameter types are inferred by PostgreSQL as for an untyped literal, so
    ``UPDATE t SET n = $1`` takes a Decimal, an int or a str alike. Returns the
    rows as dicts (empty for statements without rows). A PostgreSQL error rolls
    back just this statement and raises PgError.

    Called from a method of a wrapper instance, the statement runs with the rights of
    the instance's foreign table owner (like a view's query) and with ``search_path``
    set to ``pg_catalog, pg_temp``: schema-qualify every table. Never pass SQL text
    that came from the user.
    """
    if _host is None:
        raise RuntimeError("execute_sql needs the hubspot_fdw host (not available under Multicorn2)")
    return _host.execute_sql(query, [_param_text(p) for p in params], limit)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Let a cancel or statement_timeout wait until the block ends (no-op off the host).

    Inside, a cancel interrupts neither Python nor PostgreSQL; it stays pending, and
    ``cancel_pending()`` tells afterwards. Keep the block to one request whose own
    timeout bounds the wait.
    """
    if _host is None:
        yield
        return
    _host.hold_interrupts()
    try:
        yield
    finally:
        _host.resume_interrupts()


def cancel_pending() -> bool:
    """True when a cancel or termination waits (always False off the host)."""
    return bool(_host is not None and _host.cancel_pending())


def _param_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict,)) or (isinstance(value, list) and _is_json_like(value)):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return _array_literal(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _is_json_like(values: list) -> bool:
    return any(isinstance(v, (dict, list)) for v in values)


def _array_literal(values: Sequence[Any]) -> str:
    def element(v: Any) -> str:
        if v is None:
            return "NULL"
        text = _param_text(v) or ""
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "{" + ",".join(element(v) for v in values) + "}"


@dataclass
class LocalScan:
    """Answer a scan with a local query the host streams in C (no Python per row).

    Return it from ``execute``. ``sql`` is one SELECT whose output columns are
    named like the foreign table's columns (same types); ``params`` bind
    ``$1``... as text, so the SQL casts them (``$1::numeric``). The query runs
    with the privileges of the foreign table's owner and ``search_path`` set to
    ``pg_catalog, pg_temp`` (pass ``schema``). Fastest shape: select
    every column of a local table laid out like the foreign table, in order;
    the executor then skips projection and the host copies only the columns
    the query needs.
    """

    sql: str
    params: list[str | None] = field(default_factory=list)

    @classmethod
    def build(cls, table: str, columns: Sequence[str], column_types: dict[str, str],
              conditions: Sequence[tuple[str, str, Any]] = (),
              order_by: Sequence[tuple[str, bool, bool]] = (),
              limit: int | None = None, schema: str | None = None) -> "LocalScan":
        """Build ``SELECT columns FROM table WHERE ... ORDER BY ... LIMIT``.

        ``conditions`` are (column, operator, value) with operators from
        SCAN_OPERATORS, a value None meaning IS NULL / IS NOT NULL, and a list
        value meaning ``= ANY`` / ``<> ALL``. ``order_by`` are
        (column, descending, nulls_first). Identifiers are always quoted.
        """
        params: list[str | None] = []
        where: list[str] = []
        for column, operator, value in conditions:
            where.append(_condition(column, operator, value, column_types[column], params))
        target = quote_identifier(table) if schema is None else (
            f"{quote_identifier(schema)}.{quote_identifier(table)}")
        sql = f"SELECT {', '.join(quote_identifier(c) for c in columns)} FROM {target}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order_by:
            sql += " ORDER BY " + ", ".join(
                f"{quote_identifier(c)} {'DESC' if desc else 'ASC'} NULLS {'FIRST' if nf else 'LAST'}"
                for c, desc, nf in order_by)
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return cls(sql, params)


def _condition(column: str, operator: Any, value: Any, sql_type: str,
               params: list[str | None]) -> str:
    ident = quote_identifier(column)
    if isinstance(operator, tuple):
        opname, use_or = operator
        _check_operator(opname)
        if value is None:
            return "false"  # x op ANY/ALL (NULL) is NULL: no row qualifies, as in PostgreSQL
        params.append(_array_literal(list(value)))
        return f"{ident} {opname} {'ANY' if use_or else 'ALL'}(${len(params)}::{sql_type}[])"
    _check_operator(operator)
    if value is None:
        return f"{ident} IS {'NOT ' if operator == '<>' else ''}NULL"
    params.append(_param_text(value))
    return f"{ident} {operator} ${len(params)}::{sql_type}"


def _check_operator(operator: str) -> None:
    if operator not in SCAN_OPERATORS:
        raise ValueError(f"operator {operator!r} cannot be delegated to a local scan")
