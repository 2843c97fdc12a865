"""Typed access to request bodies: every JSON value a route uses is checked here first.

HubSpot answers a body whose JSON types do not match its model (`{"inputs":[1]}`,
`{"filterGroups":[1]}`, `"labels":"x"`) with 400 VALIDATION_ERROR "Invalid input
JSON", never a 500; these helpers raise exactly that, naming the JSON path. Ids are
ASCII digits only (`"¹".isdigit()` is true in Python, but no HubSpot id).
Does not know any route's semantics (which fields are required is the route's call).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator import errors

_MISSING = object()


def is_id(value: Any) -> bool:
    """True for a non-empty string of ASCII digits (a HubSpot record id)."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def bad(path: str, expected: str, value: Any = None) -> errors.ApiError:
    got = type(value).__name__ if value is not None else "null"
    return errors.validation(f"Invalid input JSON on line 1: {path} must be {expected} (got {got}).")


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(path, "an object", value)
    return value


def opt_obj(body: dict[str, Any], key: str, path: str = "") -> dict[str, Any]:
    """body[key] as an object; absent or null → {}."""
    value = body.get(key)
    if value is None:
        return {}
    return obj(value, f"{path}{key}")


def opt_list(body: dict[str, Any], key: str, path: str = "") -> list[Any]:
    """body[key] as a list; absent or null → []."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{path}{key}", "an array", value)
    return value


def objects(body: dict[str, Any], key: str, path: str = "", required: bool = False) -> list[dict[str, Any]]:
    """body[key] as a list of objects (each checked)."""
    if required and not isinstance(body.get(key), list):
        raise bad(f"{path}{key}", "an array", body.get(key))
    return [obj(x, f"{path}{key}[{i}]") for i, x in enumerate(opt_list(body, key, path))]


def scalar_text(value: Any, path: str) -> str:
    """A JSON string or number as text (HubSpot's JSON binding coerces numbers to strings)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise bad(path, "a string", value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def opt_str(body: dict[str, Any], key: str, path: str = "", default: str | None = None) -> str | None:
    value = body.get(key)
    if value is None:
        return default
    return scalar_text(value, f"{path}{key}")


def req_str(body: dict[str, Any], key: str, path: str = "") -> str:
    value = opt_str(body, key, path)
    if value is None or value == "":
        raise errors.validation(f"{path}{key} is required.", errors=[{
            "message": "must not be null", "code": "REQUIRED", "in": f"{path}{key}"}])
    return value


def str_list(body: dict[str, Any], key: str, path: str = "") -> list[str]:
    return [scalar_text(x, f"{path}{key}[{i}]") for i, x in enumerate(opt_list(body, key, path))]


def opt_bool(body: dict[str, Any], key: str, path: str = "", default: bool = False) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad(f"{path}{key}", "a boolean", value)


def opt_int(body: dict[str, Any], key: str, path: str = "", default: int | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return default
    return as_int(value, f"{path}{key}")


def as_int(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise bad(path, "an integer", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        s = value.strip()
        digits = s[1:] if s[:1] == "-" else s
        if is_id(digits):
            return int(s)
    raise bad(path, "an integer", value)


def id_text(value: Any, path: str) -> str:
    """A record id given as a JSON string or integer, as text (not checked for digits)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad(path, "a string", value)
    return str(value)
