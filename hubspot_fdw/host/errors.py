"""Exceptions that cross the C host boundary.

The host turns any exception carrying ``sqlstate``/``detail``/``hint`` into an
ERROR with exactly those fields; every other exception becomes an ERROR naming
its class. This module defines the shapes; it raises nothing itself.
"""

from __future__ import annotations


class WrapperError(Exception):
    """An error a wrapper raises on purpose, reported with its own SQLSTATE."""

    def __init__(
        self,
        message: str,
        sqlstate: str = "38000",
        detail: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate
        self.detail = detail
        self.hint = hint


class PgError(WrapperError):
    """A PostgreSQL error raised while the host ran SQL for Python code.

    The statement's subtransaction was rolled back, so the caller may carry on;
    if it does not catch the error, the host re-raises it with its SQLSTATE.
    """


class QueryCanceled(BaseException):
    """The statement was cancelled (pg_cancel_backend, statement_timeout).

    A BaseException so that ``except Exception`` in wrapper code does not
    swallow it; the host turns it into PostgreSQL's own cancel error.
    """
