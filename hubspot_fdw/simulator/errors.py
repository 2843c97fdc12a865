"""HubSpot error bodies: one exception type that carries status and JSON body.

Builds the bodies HubSpot returns (hubspot-api.md §1, §2.3, §8, §9) with a
correlation id. Does not decide *when* an error happens (validation, search,
rate limits and routes do) and does not write to the socket.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from typing import Any

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication "
    "and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


_ids = random.Random(os.urandom(32))   # not for security: only unique-looking ids, no syscall


def correlation_id() -> str:
    """A random version-4 UUID string, like HubSpot's X-HubSpot-Correlation-Id."""
    n = (_ids.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    h = "%032x" % n
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class ApiError(Exception):
    """An HTTP error response: status code and a JSON body (without correlationId)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def render(self, cid: str) -> dict[str, Any]:
        """The body with the correlation id placed where HubSpot puts it (after message)."""
        out: dict[str, Any] = {}
        for key, value in self.body.items():
            out[key] = value
            if key == "message" and "correlationId" not in self.body:
                out["correlationId"] = cid
        if "correlationId" not in out:
            out["correlationId"] = cid
        return out


def error(status: int, message: str, category: str | None = None, **extra: Any) -> ApiError:
    body: dict[str, Any] = {"status": "error", "message": message}
    for key in ("errors", "context"):
        if key in extra:
            body[key] = extra.pop(key)
    if category is not None:
        body["category"] = category
    body.update(extra)
    return ApiError(status, body)


def validation(message: str, **extra: Any) -> ApiError:
    return error(400, message, "VALIDATION_ERROR", **extra)


def unauthorized() -> ApiError:
    return error(401, AUTH_MESSAGE, "INVALID_AUTHENTICATION")


def missing_scopes(scopes: list[str]) -> ApiError:
    return error(
        403,
        "This app hasn't been granted all required scopes to make this call. Read more about "
        "required scopes here: https://developers.hubspot.com/scopes.",
        "MISSING_SCOPES",
        errors=[{"message": "One or more of the following scopes are required.",
                 "context": {"requiredGranularScopes": scopes}}],
        links={"scopes": "https://developers.hubspot.com/scopes"},
    )


def not_found() -> ApiError:
    """The bare 404 of a numeric id (often without category, per the reference)."""
    return error(404, "resource not found")


def not_found_non_numeric(object_id: str) -> ApiError:
    return error(404, "Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND",
                 context={"id": [object_id]})


def unknown_object_type(name: str) -> ApiError:
    return validation(f"Unable to infer object type from: {name}")


def route_not_found(method: str, path: str) -> ApiError:
    return error(404, f"Unable to route {method} request for {path}", "OBJECT_NOT_FOUND")


def conflict(message: str, **extra: Any) -> ApiError:
    return error(409, message, "CONFLICT", **extra)


def rate_limited(policy: str, message: str, retry_after_s: float | None = None) -> ApiError:
    err = error(429, message, None, errorType="RATE_LIMIT", policyName=policy,
                requestId=correlation_id())
    if retry_after_s is not None:
        err.headers["Retry-After"] = str(max(1, int(retry_after_s + 0.999)))
    return err


def property_errors(problems: list[dict[str, Any]], portal_id: int) -> ApiError:
    """400 'Property values were not valid' listing every invalid property (§9 ex. 1-2)."""
    listed = []
    errs = []
    for p in problems:
        listed.append({"isValid": False, "message": p["message"], "error": p["error"],
                       "name": p["name"], "localizedErrorMessage": p["message"],
                       "portalId": portal_id})
        errs.append({"message": p["message"], "code": p["error"],
                     "context": {"propertyName": [p["name"]]}})
    message = "Property values were not valid: " + json.dumps(listed, separators=(",", ":"))
    return validation(message, errors=errs)


def standard_error(category: str, message: str, context: dict[str, list[str]] | None = None,
                   sub_category: str | None = None) -> dict[str, Any]:
    """A StandardError entry inside a batch response's `errors` list."""
    out: dict[str, Any] = {"status": "error", "category": category}
    if sub_category:
        out["subCategory"] = sub_category
    out["message"] = message
    out["context"] = context or {}
    return out
