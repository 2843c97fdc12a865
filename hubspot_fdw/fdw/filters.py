"""SQL conditions → HubSpot search filters, only where HubSpot's answer is a superset
of PostgreSQL's (PostgreSQL re-checks every row, so a superset is always correct).

Pushed: = and <> (EQ/NEQ), IN / NOT IN lists, IS [NOT] NULL (NOT_HAS/HAS_PROPERTY),
ranges on number, date and datetime properties (datetimes rounded outwards to
HubSpot's milliseconds), LIKE/ILIKE 'prefix%' (CONTAINS_TOKEN 'prefix*'), and the
same on created_at/updated_at through the type's create/last-modified property.
Everything else (text ranges, regexes, array columns, OR) stays with PostgreSQL.

Deliberately not here: choosing batch read vs search vs list (live.py).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any

from hubspot_fdw.api import Filter
from hubspot_fdw.catalog import ColumnSpec, TableSpec
from hubspot_fdw.catalog.convert import ConversionError, parse_datetime, to_hubspot

RANGE_OPERATORS = {"<": "LT", "<=": "LTE", ">": "GT", ">=": "GTE"}
ORDERED_TYPES = ("number", "date", "datetime")
# Types whose HubSpot comparison is exact (strings compare case-insensitively, datetimes
# are rounded to milliseconds), so a negated condition is still a superset.
EXACT_TYPES = ("number", "date", "enumeration", "bool")
LIKE_SPECIALS = set("%_\\*?[]")
MAX_FILTERS = 6  # HubSpot: at most 6 filters in a group


def target(table: TableSpec, column_name: str) -> tuple[str, str, str | None] | None:
    """(HubSpot property, HubSpot type, fieldType) a column's conditions can use."""
    if not table.has_column(column_name) or table.object_type is None:
        return None
    column: ColumnSpec = table.column(column_name)
    if column.kind == "property":
        return column.property_name or column.name, column.hubspot_type or "string", column.field_type
    if column.name == "created_at":
        return table.object_type.created_property, "datetime", None
    if column.name == "updated_at":
        return table.object_type.last_modified_property, "datetime", None
    return None


def _epoch_ms(value: Any, round_up: bool) -> str:
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if not isinstance(value, datetime):
        raise ConversionError(f"not a timestamp: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    micros = (value - datetime(1970, 1, 1, tzinfo=timezone.utc)) // _MICRO
    return str(math.ceil(micros / 1000) if round_up else micros // 1000)


_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)


def filter_value(value: Any, hubspot_type: str, field_type: str | None, round_up: bool = False) -> str:
    """A qual value as HubSpot's filter wants it (epoch ms for dates and datetimes)."""
    if hubspot_type == "datetime":
        return _epoch_ms(value, round_up)
    if hubspot_type == "date":
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return _epoch_ms(value, False)
    if hubspot_type == "bool":
        if isinstance(value, str) and value in ("t", "f"):
            return "true" if value == "t" else "false"
        return to_hubspot(value, "bool")
    return to_hubspot(value, hubspot_type, None)


def _like_prefix(pattern: Any) -> str | None:
    if not isinstance(pattern, str) or not pattern.endswith("%"):
        return None
    prefix = pattern[:-1]
    if not prefix or any(ch in LIKE_SPECIALS for ch in prefix):
        return None
    return prefix.lower() + "*"


def translate(table: TableSpec, field_name: str, operator: Any, value: Any) -> Filter | None:
    """The filter for one qual, or None when HubSpot cannot answer it safely."""
    found = target(table, field_name)
    if found is None:
        return None
    prop, htype, field_type = found
    if field_type == "checkbox":
        return None  # text[] columns: array semantics differ
    try:
        if isinstance(operator, tuple):
            return _list_filter(prop, htype, field_type, operator, value)
        if value is None:
            return {"=": Filter(prop, "NOT_HAS_PROPERTY"), "<>": Filter(prop, "HAS_PROPERTY")}.get(operator)
        if operator == "=":
            return Filter(prop, "EQ", filter_value(value, htype, field_type))
        if operator == "<>" and htype in EXACT_TYPES:
            return Filter(prop, "NEQ", filter_value(value, htype, field_type))
        if operator in RANGE_OPERATORS and htype in ORDERED_TYPES:
            return Filter(prop, RANGE_OPERATORS[operator],
                          filter_value(value, htype, field_type, round_up=operator in ("<", "<=")))
        if operator in ("~~", "~~*") and htype not in ORDERED_TYPES + ("bool",):
            prefix = _like_prefix(value)
            return Filter(prop, "CONTAINS_TOKEN", prefix) if prefix else None
    except (ConversionError, ValueError):
        return None
    return None


def _list_filter(prop: str, htype: str, field_type: str | None, operator: tuple, value: Any) -> Filter | None:
    opname, use_or = operator
    if not isinstance(value, (list, tuple)) or htype == "bool":
        return None
    items = [v for v in value if v is not None]
    texts = [filter_value(v, htype, field_type) for v in items]
    if htype == "string":
        texts = [t.lower() for t in texts]  # HubSpot compares string IN values lower-cased
    if opname == "=" and use_or:
        return Filter(prop, "IN", values=tuple(dict.fromkeys(texts))) if texts else None
    if opname == "<>" and not use_or and htype in EXACT_TYPES and len(items) == len(value) and texts:
        return Filter(prop, "NOT_IN", values=tuple(dict.fromkeys(texts)))
    return None
