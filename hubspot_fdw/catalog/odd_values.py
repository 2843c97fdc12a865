"""A record's row that never fails: the one rule for values HubSpot holds that a column
cannot, shared by the cache (cache/rows.py), live reads (fdw/live.py) and RETURNING.

HubSpot stores values its own validation would refuse today. Each becomes an ``OddValue``:

- text with NUL characters (PostgreSQL text cannot hold NUL): the NULs are removed, the
  rest is kept (``kept`` is True);
- a value that does not convert to its column's type (``annualrevenue = 'lots'``,
  ``date_of_birth = 'yesterday'``): the column is NULL (``kept`` is False).

``raw_value`` is the value as HubSpot holds it, each NUL written as the six characters
``\\u0000`` (so it fits in a text column). The sync records odd values in
``hubspot_fdw.sync_errors``; a live read reports them in one WARNING per scan
(``summary``) or, with the option ``invalid_values 'error'``, fails (``as_error``).

Deliberately not here: converting one value (convert.py), writing sync_errors
(materializer/store.py), emitting the WARNING (fdw/wrapper.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubspot_fdw.api.models import HubSpotObject
from hubspot_fdw.catalog.columns import ColumnSpec, TableSpec
from hubspot_fdw.catalog.convert import ConversionError, column_value

NUL = "\x00"
NUL_SHOWN = "\\u0000"
LISTED = 10  # odd values named in one WARNING; the rest are counted


@dataclass(frozen=True)
class OddValue:
    """A HubSpot value stored without its NUL characters (kept) or as NULL (not kept)."""

    table: str
    record_id: str
    property: str        # HubSpot's property name (sync_errors.property)
    column: str
    raw_value: str | None
    error: str
    kept: bool

    def describe(self) -> str:
        if self.kept:
            return f"record {self.record_id} column {self.column}: NUL characters removed"
        return f"record {self.record_id} column {self.column}: {self.error}, read as NULL"

    def as_error(self) -> ConversionError:
        problem = "text with NUL characters" if self.kept else self.error
        return ConversionError(
            f"HubSpot record {self.record_id} of {self.table}, column {self.column}: {problem}",
            detail=f"HubSpot property \"{self.property}\" holds {self.raw_value!r}.",
            hint="With the option invalid_values 'null' (the default) such a value reads as NULL "
                 "(NUL characters removed from text) with a WARNING.")


def shown(raw: Any) -> str | None:
    """A raw value as text that fits a text column: NULs written as ``\\u0000``."""
    if raw is None:
        return None
    return str(raw).replace(NUL, NUL_SHOWN)


def without_nul(value: Any) -> tuple[Any, bool]:
    """(value without NUL characters, whether it had any); texts, lists of texts and
    JSON objects (a stage's metadata: jsonb cannot hold NUL either)."""
    if isinstance(value, str):
        return (value.replace(NUL, ""), True) if NUL in value else (value, False)
    if isinstance(value, list) and any(isinstance(v, str) and NUL in v for v in value):
        cleaned = [v.replace(NUL, "") if isinstance(v, str) else v for v in value]
        return [v for v in cleaned if v != ""] or None, True
    if isinstance(value, dict):
        cleaned_json = nul_free(value)
        return cleaned_json, cleaned_json != value
    return value, False


def nul_free(value: Any) -> Any:
    """``value`` (JSON-like: texts, lists, dicts, keys too) with every NUL character removed."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, (list, tuple)):
        return [nul_free(v) for v in value]
    if isinstance(value, dict):
        return {nul_free(k): nul_free(v) for k, v in value.items()}
    return value


def _raw(column: ColumnSpec, record: HubSpotObject) -> Any:
    if column.kind == "property":
        return record.properties.get(column.property_name or column.name)
    if column.kind == "id":
        return record.id
    return getattr(record, column.name, None)


def column_values(table: TableSpec, record: HubSpotObject,
                  columns: list[str] | None = None) -> tuple[dict[str, Any], list[OddValue]]:
    """The row (column → Python value) of a record and its odd values; never raises
    for a value HubSpot holds. Sync columns are left to the cache."""
    wanted = columns if columns is not None else [c.name for c in table.columns if c.kind != "sync"]
    values: dict[str, Any] = {}
    odd: list[OddValue] = []
    for name in wanted:
        if not table.has_column(name):
            continue
        column = table.column(name)
        prop = column.property_name or column.name
        try:
            value = column_value(column, record)
        except ConversionError as exc:
            values[name] = None
            odd.append(OddValue(table.name, str(record.id), prop, name, shown(_raw(column, record)),
                                str(getattr(exc, "message", exc)), kept=False))
            continue
        value, had_nul = without_nul(value)
        if had_nul:
            odd.append(OddValue(table.name, str(record.id), prop, name, shown(_raw(column, record)),
                                "text with NUL characters, stored without them", kept=True))
        values[name] = value
    return values, odd


def record_to_row(table: TableSpec, record: HubSpotObject, columns: list[str] | None = None,
                  odd: list[OddValue] | None = None) -> dict[str, Any]:
    """The row of a record (``columns``, default every data column); its odd values are
    appended to ``odd`` when given."""
    values, found = column_values(table, record, columns if columns is not None else table.column_names)
    if odd is not None:
        odd.extend(found)
    return values


def summary(table: str, odd: list[OddValue]) -> tuple[str, str]:
    """(message, detail) of the one WARNING a statement gives for its odd values."""
    records = sorted({o.record_id for o in odd}, key=lambda i: (len(i), i))
    columns = sorted({o.column for o in odd})
    message = (f"{table}: {len(odd)} HubSpot value(s) could not be shown as HubSpot holds them "
               f"(record(s) {', '.join(records[:LISTED])}{' …' if len(records) > LISTED else ''}; "
               f"column(s) {', '.join(columns)})")
    lines = [o.describe() for o in odd[:LISTED]]
    if len(odd) > LISTED:
        lines.append(f"and {len(odd) - LISTED} more")
    return message, "; ".join(lines) + "."
