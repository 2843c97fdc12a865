"""Property value validation and encoding for writes (hubspot-api.md §4, §9).

Turns the `properties` map of a create/update into the strings HubSpot stores
(dates as YYYY-MM-DD, datetimes as ISO UTC, multi-select joined by `;`, bools as
true/false) and reports every invalid property at once with HubSpot's codes.
Does not check unique values (portal.py) and does not store anything.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from hubspot_fdw.simulator import errors
from hubspot_fdw.simulator.clock import iso_date, iso_ms, parse_iso
from hubspot_fdw.simulator.properties import Option, PropertyCatalog, PropertyDef

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$")
DAY_MS = 86_400_000
MAX_STRING = 65_536


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _epoch_or_iso(text: str) -> int | None:
    t = text.strip()
    if re.fullmatch(r"-?\d{1,15}", t):
        return int(t)
    return parse_iso(t)


def encode(prop: PropertyDef, raw: Any, current: str | None,
           choices: list[Option] | None = None) -> tuple[str | None, dict | None]:
    """(stored value or None to clear, problem or None). ``choices``: the values an
    enumeration takes (PropertyCatalog.choices; None: any value)."""
    text = as_text(raw)
    name = prop.name
    if text == "":
        return None, None
    if prop.type == "number":
        try:
            d = Decimal(text.strip())
            if not d.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            return None, _p(name, "INVALID_DECIMAL", f"{text} was not a valid number.")
        return text.strip(), None
    if prop.type == "date":
        ms = _epoch_or_iso(text)
        if ms is None:
            return None, _p(name, "INVALID_DATE", f"{text} is not a valid date.")
        if ms % DAY_MS:
            return None, _p(name, "INVALID_DATE",
                            f"{text} is not at midnight UTC; date properties only hold dates.")
        return iso_date(ms), None
    if prop.type == "datetime":
        ms = _epoch_or_iso(text)
        if ms is None:
            return None, _p(name, "INVALID_DATETIME", f"{text} is not a valid datetime.")
        return iso_ms(ms), None
    if prop.type == "bool":
        low = text.strip().lower()
        if low not in ("true", "false"):
            return None, _p(name, "INVALID_BOOLEAN", f"{text} is not a valid boolean (true or false).")
        return low, None
    if prop.type == "enumeration":
        return _enumeration(prop, text, current, choices)
    if len(text) > MAX_STRING:
        return None, _p(name, "INVALID_STRING_LENGTH", f"Value for {name} is longer than {MAX_STRING}.")
    return text, None


def _enumeration(prop: PropertyDef, text: str, current: str | None,
                 choices: list[Option] | None) -> tuple[str | None, dict | None]:
    if choices is None:
        allowed = None
    else:
        allowed = prop.option_values() if choices is prop.options else frozenset(o.value for o in choices)
    if prop.multi:
        append = text.startswith(";")
        parts = [p for p in text.split(";") if p != ""]
        bad = [p for p in parts if allowed is not None and p not in allowed]
        if bad:
            return None, _invalid_option(prop, bad[0], choices)
        if append and current:
            old = current.split(";")
            parts = old + [p for p in parts if p not in old]
        seen: list[str] = []
        for p in parts:
            if p not in seen:
                seen.append(p)
        return ";".join(seen) or None, None
    if allowed is not None and text not in allowed:
        return None, _invalid_option(prop, text, choices)
    return text, None


def _invalid_option(prop: PropertyDef, value: str, choices: list[Option] | None = None) -> dict:
    """HubSpot's INVALID_OPTION, listing the values ``prop`` takes (default: its options)."""
    shown = prop.options if choices is None else choices
    listed = ", ".join(f'label: "{o.label}"\nvalue: "{o.value}"' for o in shown[:20])
    return _p(prop.name, "INVALID_OPTION", f"{value} was not one of the allowed options: [{listed}]")


def _p(name: str, code: str, message: str) -> dict:
    return {"name": name, "error": code, "message": message}


def check_properties(catalog: PropertyCatalog, type_id: str, given: Any,
                     current: dict[str, str], email_prop: bool, portal_id: int,
                     allow_read_only: bool = False) -> dict[str, str | None]:
    """Validate a write; returns name → stored value (None = cleared). Raises ApiError 400."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise errors.validation("Invalid input JSON: properties must be an object.")
    out: dict[str, str | None] = {}
    problems: list[dict] = []
    for name, raw in given.items():
        prop = catalog.get(type_id, name)
        if prop is None:
            problems.append(_p(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if prop.read_only and not allow_read_only:
            what = "a calculated property" if prop.calculated else "a read only property"
            problems.append(_p(name, "READ_ONLY_VALUE", f'"{name}" is {what}; its value cannot be set.'))
            continue
        choices = catalog.choices(type_id, prop) if prop.type == "enumeration" else None
        value, problem = encode(prop, raw, current.get(name), choices)
        if problem is None and email_prop and name == "email" and value is not None:
            value = value.strip().lower()
            if not EMAIL_RE.match(value):
                problem = _p(name, "INVALID_EMAIL", f"Email address {as_text(raw)} is invalid")
        if problem is not None:
            problems.append(problem)
        else:
            out[name] = value
    if problems:
        raise errors.property_errors(problems, portal_id)
    return out
