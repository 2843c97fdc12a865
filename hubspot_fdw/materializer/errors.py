"""The sync's failures as sentences a person can act on, for ``sync_state.last_error``,
``sync_workers.last_error`` and the daemon's log: what went wrong and, when known, what
to do; never a Python class name.

Deliberately not here: deciding what to do about a failure (engine.py, worker.py).
"""

from __future__ import annotations

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.host.errors import WrapperError

LIMIT = 2000  # characters kept of one text


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if not text or text[-1] in ".!?)" else text + "."


def _with_hint(message: str, hint: str | None) -> str:
    return _sentence(message) + (" " + _sentence(hint) if hint else "")


def describe(exc: BaseException) -> str:
    """One or two sentences for a failure of the sync."""
    if isinstance(exc, HubSpotFdwError):
        text = _with_hint(exc.message, exc.hint)
    elif isinstance(exc, WrapperError):  # a statement the sync ran inside PostgreSQL
        text = _with_hint(f"PostgreSQL refused a statement of the sync: {exc.message}", exc.hint)
    elif _is_psycopg2(exc):
        lines = str(exc).strip().splitlines()
        primary = getattr(getattr(exc, "diag", None), "message_primary", None) or (lines[0] if lines else "")
        hint = getattr(getattr(exc, "diag", None), "message_hint", None)
        text = _with_hint(f"PostgreSQL refused a statement of the sync: {primary}", hint)
    elif isinstance(exc, OSError):
        text = _sentence(f"a network or system call failed: {exc.strerror or exc}")
    else:
        detail = str(exc) or "no message"
        text = _sentence(f"the sync stopped on an unexpected error ({detail}); "
                         "the server log or the daemon's output has the details")
    return text[:LIMIT]


def _is_psycopg2(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "psycopg2"
