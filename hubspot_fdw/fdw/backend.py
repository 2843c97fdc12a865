"""What the wrapper can read of the PostgreSQL backend it runs in, without our host
(upstream Multicorn2): the backend's pid, its lock_timeout and statement_timeout,
whether a cancel or terminate is pending, and the session's current role.

These are plain reads of the backend's exported C variables (``MyProcPid``,
``LockTimeout``, ``StatementTimeout``, ``QueryCancelPending``, ``ProcDiePending``)
through ctypes, and ``GetOuterUserId()``, which only returns a variable: nothing can
raise a PostgreSQL error, so nothing can longjmp through Python. Outside a backend
(plain Python, tests) every read answers None / False.

Deliberately not here: acting on them (cache_connection.py).
"""

from __future__ import annotations

import ctypes
from functools import lru_cache


@lru_cache(maxsize=None)
def _variable(name: str) -> ctypes.c_int | None:
    try:
        return ctypes.c_int.in_dll(ctypes.CDLL(None), name)
    except (OSError, ValueError):
        return None


def _read(name: str) -> int | None:
    variable = _variable(name)
    return None if variable is None else int(variable.value)


def backend_pid() -> int | None:
    """This backend's pid (as pg_backend_pid()), or None outside PostgreSQL."""
    return _read("MyProcPid")


def lock_timeout_ms() -> int | None:
    """The session's lock_timeout in ms (0 = none), or None outside PostgreSQL."""
    return _read("LockTimeout")


def statement_timeout_ms() -> int | None:
    """The session's statement_timeout in ms (0 = none), or None outside PostgreSQL."""
    return _read("StatementTimeout")


def interrupt_pending() -> bool:
    """True when a cancel (pg_cancel_backend, statement_timeout) or a terminate is pending."""
    return bool(_read("QueryCancelPending") or _read("ProcDiePending"))


def describe(_: str | None = None) -> str:
    """The values as this backend sees them; callable through ``hubspot_fdw._python_call``."""
    return (f"pid={backend_pid()} lock_timeout={lock_timeout_ms()} "
            f"statement_timeout={statement_timeout_ms()} interrupt={interrupt_pending()}")


def outer_user_oid() -> int | None:
    """The session's current role (as SET ROLE left it, whatever role a security-definer
    function or the host acts as), or None outside PostgreSQL. ``GetOuterUserId`` only
    returns a variable: it cannot raise."""
    try:
        function = ctypes.CDLL(None).GetOuterUserId
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_uint
    function.argtypes = []
    return int(function()) or None
