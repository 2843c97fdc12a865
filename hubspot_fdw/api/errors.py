"""The one error hierarchy of the HubSpot client.

Every failure the client raises is a ``HubSpotFdwError``: it carries ``message``,
``detail``, ``hint`` and ``sqlstate`` (the attribute names the FDW host turns into a
PostgreSQL ERROR), plus, for HubSpot answers, the HTTP status, HubSpot category,
sub-category and correlation id. ``error_from_response`` maps an HTTP answer to the
right class.

Deliberately not here: retry decisions (retry.py) and anything that could leak the
access token: no request headers, no Authorization values ever enter an error. Messages
that may echo text from elsewhere go through ``redact``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)")
_ALREADY_HAS = re.compile(r"(\d+) already has that value")


class HubSpotFdwError(Exception):
    """Base: a failure that the database reports as ERROR with this SQLSTATE."""

    sqlstate: str = "XX000"
    default_hint: str | None = None

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        sqlstate: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint if hint is not None else self.default_hint
        if sqlstate is not None:
            self.sqlstate = sqlstate

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, sqlstate={self.sqlstate!r})"


class HubSpotUsageError(HubSpotFdwError):
    """The caller asked for something the client refuses before any API call
    (e.g. a batch above HubSpot's input limit)."""

    sqlstate = "54000"  # program_limit_exceeded


class HubSpotError(HubSpotFdwError):
    """A failure reported by (or while talking to) HubSpot."""

    sqlstate = "58000"  # system_error: an unexpected answer

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        category: str | None = None,
        sub_category: str | None = None,
        correlation_id: str | None = None,
        context: Mapping[str, Any] | None = None,
        errors: list[Mapping[str, Any]] | None = None,
        policy_name: str | None = None,
        detail: str | None = None,
        hint: str | None = None,
        sqlstate: str | None = None,
    ) -> None:
        super().__init__(message, detail=detail, hint=hint, sqlstate=sqlstate)
        self.status = status
        self.category = category
        self.sub_category = sub_category
        self.correlation_id = correlation_id
        self.context = dict(context or {})
        self.errors = list(errors or [])
        self.policy_name = policy_name
        if self.detail is None:
            self.detail = self._default_detail()

    def _default_detail(self) -> str | None:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.category:
            parts.append(f"category {self.category}")
        if self.sub_category:
            parts.append(f"sub-category {self.sub_category}")
        if self.correlation_id:
            parts.append(f"correlation id {self.correlation_id}")
        return "HubSpot answered " + ", ".join(parts) + "." if parts else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
            f"category={self.category!r}, correlation_id={self.correlation_id!r}, "
            f"sqlstate={self.sqlstate!r})"
        )


class HubSpotValidationError(HubSpotError):
    """400 VALIDATION_ERROR: a request HubSpot refused as invalid."""

    sqlstate = "22023"  # invalid_parameter_value
    default_hint = "Check the property names and values against the HubSpot property definitions."


class HubSpotPropertyValueError(HubSpotValidationError):
    """400 "Property values were not valid": a value broke a HubSpot rule
    (bad email, unknown option, read-only property...)."""

    sqlstate = "23514"  # check_violation


class HubSpotConflictError(HubSpotError):
    """409 (or a unique-value 400): the record would duplicate an existing one."""

    sqlstate = "23505"  # unique_violation
    default_hint = "Update the existing record instead of creating a new one."

    def __init__(self, message: str, *, existing_id: str | None = None, **kwargs: Any) -> None:
        self.existing_id = existing_id
        if existing_id and "detail" not in kwargs:
            kwargs["detail"] = f"Existing record id: {existing_id}."
        super().__init__(message, **kwargs)


class HubSpotNotFoundError(HubSpotError):
    """404 / OBJECT_NOT_FOUND."""

    sqlstate = "P0002"  # no_data_found


class HubSpotAuthenticationError(HubSpotError):
    """401: the token is missing, invalid or expired."""

    sqlstate = "28000"  # invalid_authorization_specification
    default_hint = "Check the access_token option of the user mapping."


class HubSpotPermissionError(HubSpotError):
    """403 / MISSING_SCOPES: the token lacks a scope. The scopes HubSpot named
    (``errors[].context.requiredGranularScopes`` / ``requiredScopes``) are in
    ``required_scopes``, the detail and the hint."""

    sqlstate = "42501"  # insufficient_privilege
    default_hint = "Grant the private app the scopes this operation needs."

    def __init__(self, message: str, **kwargs: Any) -> None:
        self.required_scopes = required_scopes(kwargs.get("errors") or [], kwargs.get("context"))
        if self.required_scopes and kwargs.get("hint") is None:
            kwargs["hint"] = ("Grant the app the scopes HubSpot named (one or more of them is required), "
                              "then retry.")
        super().__init__(message, **kwargs)

    def _default_detail(self) -> str | None:
        base = super()._default_detail()
        if not self.required_scopes:
            return base
        named = "Scopes HubSpot named as required (one or more of): " + ", ".join(self.required_scopes) + "."
        return f"{base} {named}" if base else named


SCOPE_KEYS = ("requiredGranularScopes", "requiredScopes")


def required_scopes(errors: list[Mapping[str, Any]], context: Mapping[str, Any] | None = None) -> list[str]:
    """The scopes a 403 body names, in HubSpot's order, each once: from every
    ``errors[].context`` (and a top-level ``context``), granular ones first."""
    contexts = [e.get("context") for e in errors if isinstance(e, Mapping)] + [context]
    out: list[str] = []
    for key in SCOPE_KEYS:
        for ctx in contexts:
            values = ctx.get(key) if isinstance(ctx, Mapping) else None
            for scope in values if isinstance(values, list) else []:
                if isinstance(scope, str) and scope and scope not in out:
                    out.append(scope)
    return out


class HubSpotRateLimitError(HubSpotError):
    """429 after all retries, or the shared budget could not grant a slot in time."""

    sqlstate = "53400"  # configuration_limit_exceeded
    default_hint = "HubSpot's rate limit is exhausted; retry later or lower the sync load."


class HubSpotUnavailableError(HubSpotError):
    """5xx (or 423/477) after all retries: HubSpot could not serve the request."""

    sqlstate = "08006"  # connection_failure
    default_hint = "HubSpot is temporarily unavailable; retry later."


class HubSpotConnectionError(HubSpotError):
    """HubSpot could not be reached (refused, DNS, timeouts) after all retries."""

    sqlstate = "08001"  # sqlclient_unable_to_establish_sqlconnection
    default_hint = "Check the api_url server option and the network."


class HubSpotTimeoutError(HubSpotConnectionError):
    """A request timed out (connect or read) after all retries."""

    sqlstate = "08006"  # connection_failure


class HubSpotWriteUncertainError(HubSpotError):
    """A write may have reached HubSpot but its outcome cannot be known: no answer came
    back, a 5xx, or (``applied``) a success answer whose body could not be read, so
    which records it changed is unknown. It is never retried automatically: retrying
    could create a duplicate."""

    sqlstate = "08007"  # transaction_resolution_unknown
    default_hint = "Check in HubSpot whether the change was applied before retrying."

    def __init__(self, message: str, *, applied: bool = False, **kwargs: Any) -> None:
        self.applied = applied   # HubSpot answered 2xx: the write was accepted
        super().__init__(message, **kwargs)


class HubSpotProtocolError(HubSpotError):
    """HubSpot's answer could not be understood (not JSON, truncated, wrong shape)."""

    sqlstate = "08P01"  # protocol_violation


def redact(text: str, secret: str | None) -> str:
    """Return ``text`` with every occurrence of ``secret`` replaced."""
    if secret and text:
        return text.replace(secret, "[REDACTED]")
    return text


def _body_json(body: str | bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _first_code(body: Mapping[str, Any]) -> str | None:
    for item in body.get("errors") or []:
        if isinstance(item, Mapping) and item.get("code"):
            return str(item["code"])
    return None


def error_from_body(
    status: int | None,
    body: Mapping[str, Any],
    *,
    correlation_id: str | None = None,
) -> HubSpotError:
    """Map a HubSpot error body (also a 207 ``errors[]`` entry) to an exception."""
    message = str(body.get("message") or f"HubSpot request failed with HTTP {status}")
    category = body.get("category") or body.get("errorType")
    kwargs: dict[str, Any] = dict(
        status=status,
        category=str(category) if category else None,
        sub_category=str(body["subCategory"]) if body.get("subCategory") else None,
        correlation_id=str(body.get("correlationId") or correlation_id or "") or None,
        context=body.get("context") if isinstance(body.get("context"), Mapping) else None,
        errors=[e for e in body.get("errors") or [] if isinstance(e, Mapping)],
        policy_name=str(body["policyName"]) if body.get("policyName") else None,
    )
    cls = _class_for(status, kwargs["category"], message, body)
    if cls is HubSpotConflictError:
        match = _EXISTING_ID.search(message) or _ALREADY_HAS.search(message)
        return HubSpotConflictError(message, existing_id=match.group(1) if match else None, **kwargs)
    return cls(message, **kwargs)


def _class_for(
    status: int | None, category: str | None, message: str, body: Mapping[str, Any]
) -> type[HubSpotError]:
    if status == 401 or category == "INVALID_AUTHENTICATION":
        return HubSpotAuthenticationError
    if status == 403 or category == "MISSING_SCOPES":
        return HubSpotPermissionError
    if status == 409 or category in ("CONFLICT", "OBJECT_ALREADY_EXISTS"):
        return HubSpotConflictError
    if status == 404 or category == "OBJECT_NOT_FOUND":
        return HubSpotNotFoundError
    if status == 429 or category in ("RATE_LIMIT", "RATE_LIMITS"):
        return HubSpotRateLimitError
    if status is not None and (status >= 500 or status in (423, 477)):
        return HubSpotUnavailableError
    if status == 400 or category == "VALIDATION_ERROR":
        if _ALREADY_HAS.search(message):
            return HubSpotConflictError
        if message.startswith("Property values were not valid") and _first_code(body) != "PROPERTY_DOESNT_EXIST" \
                and "PROPERTY_DOESNT_EXIST" not in message:
            return HubSpotPropertyValueError
        return HubSpotValidationError
    return HubSpotError


def error_from_response(
    status: int, body: str | bytes | None, headers: Mapping[str, str] | None = None
) -> HubSpotError:
    """Map a non-2xx HTTP answer to an exception (headers are read only for the
    correlation id, never copied)."""
    parsed = _body_json(body)
    correlation = None
    if headers is not None:
        correlation = headers.get("X-HubSpot-Correlation-Id")
    if not parsed and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        parsed = {"message": f"HubSpot request failed with HTTP {status}: {text[:200]}"}
    return error_from_body(status, parsed, correlation_id=correlation)
