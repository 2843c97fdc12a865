"""Values both ways: HubSpot property strings ↔ Python values (what SQL columns hold).

| HubSpot type                  | Python            | HubSpot sends                      | we send          |
|-------------------------------|-------------------|------------------------------------|------------------|
| number                        | Decimal (exact)   | "17", "60000.00", "0.2000…0625"    | plain decimal    |
| date                          | datetime.date     | "2024-01-31" (or epoch ms, or ISO) | "YYYY-MM-DD"     |
| datetime                      | aware datetime UTC| ISO-8601 "…Z" (or epoch ms)        | ISO UTC, ms, "Z" |
| bool                          | bool              | "true"/"false" (any case)          | "true"/"false"   |
| enumeration, fieldType checkbox | list[str]       | "a;b"                              | "a;b"            |
| everything else               | str               | text                               | text             |

Empty: HubSpot's null and "" (a cleared value) both read as None; writing None (or an
empty list) sends "" which clears the value in HubSpot.

Deliberately not here: deciding column types (columns.py); SQL literals (sql.py).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.models import HubSpotObject
from hubspot_fdw.catalog.columns import ColumnSpec, TableSpec

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ConversionError(HubSpotFdwError):
    """A value that cannot be converted (either direction)."""

    sqlstate = "22023"  # invalid_parameter_value: what the README promises for a value that cannot be converted


class ReadOnlyColumnError(HubSpotFdwError):
    """A write names a column HubSpot does not let anyone set."""

    sqlstate = "428C9"  # generated_always
    default_hint = "Read-only (calculated or HubSpot-managed) properties cannot be written."


def _epoch_ms(text: str) -> datetime | None:
    if text.lstrip("-").isdigit() and len(text.lstrip("-")) >= 9:
        return _EPOCH + timedelta(milliseconds=int(text))
    return None


def parse_datetime(text: str) -> datetime:
    """HubSpot datetime text (ISO-8601 with Z or offset, or epoch ms) → aware UTC datetime."""
    from_ms = _epoch_ms(text)
    if from_ms is not None:
        return from_ms
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConversionError(f"{text!r} is not a datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def datetime_or_none(text: str | None) -> datetime | None:
    """A timestamp of an owner, pipeline or stage; empty or not a datetime → None."""
    if not text:
        return None
    try:
        return parse_datetime(text)
    except ConversionError:
        return None


def parse_date(text: str) -> date:
    """HubSpot date text ("YYYY-MM-DD", epoch ms at midnight UTC, or ISO datetime) → date."""
    from_ms = _epoch_ms(text)
    if from_ms is not None:
        return from_ms.date()
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return parse_datetime(value).date()
    except (ValueError, ConversionError):
        raise ConversionError(f"{text!r} is not a date") from None


def format_datetime(value: datetime) -> str:
    """Aware (or naive = UTC) datetime → ISO UTC with milliseconds and Z, the year always
    four digits (0001-01-01T00:00:00.000Z): HubSpot refuses an unpadded year."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return f"{value.year:04d}-" + value.strftime("%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


NUMERIC_INTEGER_DIGITS = 131072   # PostgreSQL numeric: digits before the decimal point
NUMERIC_SCALE = 16383             # and after it


def fits_numeric(number: Decimal) -> bool:
    """Whether PostgreSQL's numeric type can hold ``number`` (HubSpot stores numbers such
    as 1e1000000 that no column can)."""
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int), "finite numbers only"
    return number.adjusted() < NUMERIC_INTEGER_DIGITS and -exponent <= NUMERIC_SCALE


def _clip(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[:length] + "…"


def format_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ConversionError(f"HubSpot numbers cannot be {value}", sqlstate="22023")
    text = format(value, "f")
    return text


def to_python(text: str | None, hubspot_type: str | None, field_type: str | None = None) -> Any:
    """One HubSpot property value → the Python value of its column."""
    if text is None or text == "":
        return None
    if hubspot_type == "number":
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            raise ConversionError(f"{text!r} is not a number") from None
        if not number.is_finite():
            raise ConversionError(f"{text!r} is not a number") from None
        if not fits_numeric(number):
            raise ConversionError(f"{_clip(text)!r} is beyond PostgreSQL's numeric range") from None
        return number
    if hubspot_type == "date":
        return parse_date(text)
    if hubspot_type == "datetime":
        return parse_datetime(text)
    if hubspot_type == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise ConversionError(f"{text!r} is not a boolean")
    if hubspot_type == "enumeration" and field_type == "checkbox":
        items = [item for item in text.split(";") if item != ""]
        return items or None
    return text


def to_hubspot(value: Any, hubspot_type: str | None, field_type: str | None = None) -> str:
    """A Python (SQL) value → the string HubSpot accepts; None → "" (clears the value)."""
    if value is None:
        return ""
    if hubspot_type == "number":
        if isinstance(value, bool):
            raise ConversionError("a boolean is not a number", sqlstate="22023")
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ConversionError(f"HubSpot numbers cannot be {value}", sqlstate="22023")
            return format_decimal(Decimal(repr(value)))
        try:
            return format_decimal(Decimal(str(value).strip()))
        except InvalidOperation:
            raise ConversionError(f"invalid number {value!r}") from None
    if hubspot_type == "date":
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()
        elif isinstance(value, str):
            value = parse_date(value)
        if not isinstance(value, date):
            raise ConversionError(f"invalid date {value!r}")
        return value.isoformat()
    if hubspot_type == "datetime":
        if isinstance(value, str):
            value = parse_datetime(value)
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        if not isinstance(value, datetime):
            raise ConversionError(f"invalid timestamp {value!r}")
        return format_datetime(value)
    if hubspot_type == "bool":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "t", "f"):
            return "true" if value.strip().lower() in ("true", "t") else "false"
        raise ConversionError(f"invalid boolean {value!r}")
    if hubspot_type == "enumeration" and field_type == "checkbox":
        return _multi_select(value)
    return value if isinstance(value, str) else str(value)


def _multi_select(value: Any) -> str:
    """The exact set of options, ';'-joined: empty strings dropped, duplicates once, so the
    text never starts with ';' (which HubSpot would treat as "append to the current set")."""
    items = [value] if isinstance(value, str) else list(value)
    chosen: list[str] = []
    for item in items:
        if item is None:
            raise ConversionError("a multi-select value cannot contain NULL", sqlstate="22004",
                                  hint="Remove the NULL element (array_remove(value, NULL)).")
        text = str(item)
        if ";" in text:
            raise ConversionError(f"option value {item!r} contains ';'", sqlstate="22023",
                                  hint="Multi-select values are joined with ';', so an option cannot contain it.")
        if text != "" and text not in chosen:
            chosen.append(text)
    return ";".join(chosen)


def column_value(column: ColumnSpec, record: HubSpotObject) -> Any:
    if column.kind == "id":
        return record.id
    if column.kind == "property":
        return to_python(record.properties.get(column.property_name or column.name), column.hubspot_type,
                         column.field_type)
    if column.name == "created_at":
        return parse_datetime(record.created_at) if record.created_at else None
    if column.name == "updated_at":
        return parse_datetime(record.updated_at) if record.updated_at else None
    if column.name == "archived":
        return record.archived
    return None


def as_stored(table: TableSpec, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as HubSpot stores it once written: each property value sent and read back
    (datetimes cut to milliseconds, multi-select options once); other columns as given."""
    stored = dict(row)
    for name, value in row.items():
        if value is None or not table.has_column(name) or table.column(name).kind != "property":
            continue
        column = table.column(name)
        try:
            stored[name] = to_python(to_hubspot(value, column.hubspot_type, column.field_type),
                                     column.hubspot_type, column.field_type)
        except ConversionError:
            pass  # not sendable: the write itself reports it
    return stored


def row_to_properties(table: TableSpec, values: Mapping[str, Any]) -> dict[str, str]:
    """Column values of an INSERT/UPDATE → HubSpot ``properties``; refuses read-only columns."""
    properties: dict[str, str] = {}
    for name, value in values.items():
        if not table.has_column(name):
            raise ConversionError(f'column "{name}" does not exist in {table.name}', sqlstate="42703")
        column = table.column(name)
        if column.kind != "property" or not column.writable:
            if column.kind in ("id", "envelope", "sync") and value is None:
                continue
            raise ReadOnlyColumnError(
                f'column "{name}" of {table.name} cannot be written',
                detail=f'HubSpot property "{column.property_name or name}" is read-only.'
                if column.kind == "property" else
                f'HubSpot property "{column.property_name or name}" was deleted.' if column.kind == "deleted" else
                f'"{name}" is set by HubSpot or the cache.')
        try:
            properties[column.property_name or name] = to_hubspot(value, column.hubspot_type, column.field_type)
        except ConversionError as error:
            error.message = f'column "{name}" of {table.name}: {error.message}'
            error.args = (error.message,)
            raise
    return properties
