"""log_to_postgres and check_interrupts, as Multicorn's multicorn.utils offers them.

Outside the C host (plain Python, tests) messages go to the ``logging`` module
and check_interrupts does nothing.
"""

from __future__ import annotations

import logging

from hubspot_fdw.host.errors import QueryCanceled

DEBUG = logging.DEBUG
INFO = logging.INFO
WARNING = logging.WARNING
ERROR = logging.ERROR
CRITICAL = logging.CRITICAL

# Python logging level -> PostgreSQL elevel name understood by the C module.
_PG_LEVELS = {DEBUG: "DEBUG1", INFO: "NOTICE", WARNING: "WARNING", CRITICAL: "FATAL"}

# The numeric codes upstream Multicorn2's ``multicorn.utils`` hands its ``_utils`` module
# (its REPORT_CODES) -> PostgreSQL elevel name; any other code is reported as INFO.
_UPSTREAM_CODES = {0: "DEBUG1", 1: "NOTICE", 2: "WARNING", 4: "FATAL"}
_UPSTREAM_ERROR_CODE = 3

try:
    import _hubspot_fdw_host as _host
except ImportError:  # not inside PostgreSQL
    _host = None

_log = logging.getLogger("hubspot_fdw.host")


class MulticornException(Exception):
    """Raised by log_to_postgres(..., ERROR); Multicorn 3.x compatible."""

    _is_multicorn_exception = True

    def __init__(self, message: str, code: int = ERROR, hint: str | None = None,
                 detail: str | None = None, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
        self.detail = detail
        if sqlstate is not None:
            self.sqlstate = sqlstate


def log_to_postgres(message: str, level: int = INFO, hint: str | None = None,
                    detail: str | None = None) -> None:
    """Report a message through PostgreSQL's ereport.

    ERROR raises MulticornException (so ``finally`` blocks run) instead of
    jumping out of Python; the host reports it when it reaches C.
    """
    if level == ERROR:
        raise MulticornException(str(message), level, hint, detail)
    if level not in _PG_LEVELS:
        raise KeyError(level)
    if _host is None:
        _log.log(level, "%s", message)
        return
    _host.log(str(message), _PG_LEVELS[level],
              None if hint is None else str(hint),
              None if detail is None else str(detail))


def log_by_code(message: object, level: int = 1, hint: object = None,
                detail: object = None) -> None:
    """``_log_to_postgres`` of upstream's ``multicorn._utils``, provided by this host.

    Upstream's ``multicorn.utils.log_to_postgres`` calls it with one of its codes; with
    upstream's package importable, the host registers it as ``multicorn._utils`` (see
    ``multicorn_compat``), so that package's messages reach PostgreSQL here too.
    """
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    if level == _UPSTREAM_ERROR_CODE:
        raise MulticornException(str(message), ERROR, hint, detail)
    if _host is None:
        _log.log(INFO, "%s", message)
        return
    _host.log(str(message), _UPSTREAM_CODES.get(level, "INFO"),
              None if hint is None else str(hint),
              None if detail is None else str(detail))


def check_interrupts() -> None:
    """Raise QueryCanceled if the statement was cancelled; never longjmps."""
    if _host is not None and _host.cancel_pending():
        raise QueryCanceled("canceling statement")
