"""Errors the wrapper raises itself, and the one adaptation of the client's errors.

``FdwError`` carries ``sqlstate``/``detail``/``hint`` like the client's errors, so
the host reports it with exactly those fields (under upstream Multicorn2 the
SQLSTATE is XX000 and message and detail still show). ``adapt`` makes sure a
HubSpot rejection's detail names HubSpot's category and correlation id even when
the client filled the detail with something else (a duplicate's existing id).

Deliberately not here: mapping HTTP answers to classes (hubspot_fdw.api.errors).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NoReturn, TypeVar

from hubspot_fdw.api.errors import HubSpotError, HubSpotFdwError, redact
from hubspot_fdw.host.capabilities import HOST_AVAILABLE
from hubspot_fdw.host.multicorn_compat import utils as _multicorn_utils

ERROR = _multicorn_utils().ERROR
log_to_postgres = _multicorn_utils().log_to_postgres

F = TypeVar("F", bound=Callable[..., Any])


class FdwError(HubSpotFdwError):
    """A failure the wrapper detects itself (bad option, write rule, unknown label)."""

    sqlstate = "HV000"  # fdw_error


def adapt(error: HubSpotFdwError, token: str | None = None) -> HubSpotFdwError:
    """Complete a HubSpot error's detail in place (category, correlation id) and make sure
    the token cannot appear in any field; returns the same object for ``raise``."""
    if isinstance(error, HubSpotError):
        facts = []
        if error.category and f"category {error.category}" not in (error.detail or ""):
            facts.append(f"category {error.category}")
        if error.correlation_id and error.correlation_id not in (error.detail or ""):
            facts.append(f"correlation id {error.correlation_id}")
        if facts:
            extra = "HubSpot " + ", ".join(facts) + "."
            error.detail = f"{error.detail} {extra}" if error.detail else extra
    if token:
        error.message = redact(error.message, token)
        error.args = (error.message,)
        error.detail = redact(error.detail, token) if error.detail else error.detail
        error.hint = redact(error.hint, token) if error.hint else error.hint
    return error


def report(error: HubSpotFdwError) -> NoReturn:
    """Raise ``error`` so PostgreSQL shows its message, detail and hint: as is on our host
    (which also uses its SQLSTATE); under Multicorn2 through ``log_to_postgres(ERROR)``,
    whose exception keeps detail and hint (Multicorn cannot set a SQLSTATE)."""
    if not HOST_AVAILABLE:
        log_to_postgres(error.message, ERROR, hint=error.hint, detail=error.detail)
    raise error


def reported(hook: F) -> F:
    """Decorate a wrapper hook so a failure reaches PostgreSQL through ``report``."""
    @functools.wraps(hook)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return hook(*args, **kwargs)
        except HubSpotFdwError as error:
            report(error)
    return call  # type: ignore[return-value]
