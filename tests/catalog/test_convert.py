"""Conversions HubSpot string ↔ Python for every property type (with property-based round trips)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from hubspot_fdw.api.models import HubSpotObject, PropertyDefinition
from hubspot_fdw.catalog.columns import object_table
from hubspot_fdw.catalog.convert import (
    ConversionError,
    ReadOnlyColumnError,
    as_stored,
    row_to_properties,
    to_hubspot,
    to_python,
)
from hubspot_fdw.catalog.odd_values import column_values, record_to_row, summary
from hubspot_fdw.catalog.registry import Registry

UTC = timezone.utc


@pytest.mark.parametrize("text,kind,field,expected", [
    ("17", "number", "number", Decimal("17")),
    ("60000.00", "number", "number", Decimal("60000.00")),
    ("0.200000000000000011102230246251565404236316680908203125", "number", "number",
     Decimal("0.200000000000000011102230246251565404236316680908203125")),
    ("2024-01-31", "date", "date", date(2024, 1, 31)),
    ("1572480000000", "date", "date", date(2019, 10, 31)),
    ("2024-01-31T00:00:00Z", "date", "date", date(2024, 1, 31)),
    ("2024-11-01T16:26:21.410Z", "datetime", "date", datetime(2024, 11, 1, 16, 26, 21, 410000, UTC)),
    ("2025-08-10T00:00:00Z", "datetime", "date", datetime(2025, 8, 10, tzinfo=UTC)),
    ("2025-08-10T02:00:00+02:00", "datetime", "date", datetime(2025, 8, 10, tzinfo=UTC)),
    ("1704067200000", "datetime", "date", datetime(2024, 1, 1, tzinfo=UTC)),
    ("true", "bool", "booleancheckbox", True),
    ("False", "bool", "booleancheckbox", False),
    ("chocolate;strawberry", "enumeration", "checkbox", ["chocolate", "strawberry"]),
    ("chocolate", "enumeration", "checkbox", ["chocolate"]),
    ("True", "enumeration", "booleancheckbox", "True"),
    ("closedwon", "enumeration", "select", "closedwon"),
    ("hello", "string", "text", "hello"),
    ("+1 555", "phone_number", "phonenumber", "+1 555"),
    ("", "string", "text", None),
    ("", "number", "number", None),
    ("", "enumeration", "checkbox", None),
    (None, "datetime", "date", None),
])
def test_to_python(text, kind, field, expected) -> None:
    value = to_python(text, kind, field)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("value,kind,field,expected", [
    (Decimal("60000.00"), "number", "number", "60000.00"),
    (Decimal("1E+3"), "number", "number", "1000"),
    (0.1, "number", "number", "0.1"),
    (42, "number", "number", "42"),
    (date(2024, 1, 31), "date", "date", "2024-01-31"),
    (datetime(2024, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))), "date", "date", "2024-02-01"),
    (datetime(2024, 11, 1, 16, 26, 21, 410000, UTC), "datetime", "date", "2024-11-01T16:26:21.410Z"),
    (datetime(2024, 11, 1, 18, 26, 21, tzinfo=timezone(timedelta(hours=2))), "datetime", "date",
     "2024-11-01T16:26:21.000Z"),
    (datetime(2024, 11, 1, 16, 26, 21), "datetime", "date", "2024-11-01T16:26:21.000Z"),
    ("2024-11-01T16:26:21Z", "datetime", "date", "2024-11-01T16:26:21.000Z"),
    (True, "bool", "booleancheckbox", "true"),
    (["a", "b"], "enumeration", "checkbox", "a;b"),
    ([], "enumeration", "checkbox", ""),
    (None, "string", "text", ""),
    ("x", "string", "text", "x"),
])
def test_to_hubspot(value, kind, field, expected) -> None:
    assert to_hubspot(value, kind, field) == expected


@pytest.mark.parametrize("value,kind,field", [
    (float("nan"), "number", "number"), (Decimal("Infinity"), "number", "number"), ("abc", "number", "number"),
    (True, "number", "number"), (["a;b"], "enumeration", "checkbox"), ("maybe", "bool", "booleancheckbox"),
    ("2024-13-01", "date", "date"), (3, "datetime", "date"),
])
def test_invalid_values(value, kind, field) -> None:
    with pytest.raises(ConversionError) as info:
        to_hubspot(value, kind, field)
    assert info.value.sqlstate in ("22P02", "22023")


def test_invalid_incoming() -> None:
    with pytest.raises(ConversionError):
        to_python("yes", "bool", "booleancheckbox")
    with pytest.raises(ConversionError):
        to_python("not a number", "number", "number")


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_number_round_trip_is_exact(value: Decimal) -> None:
    assert to_python(to_hubspot(value, "number"), "number") == value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_uses_shortest_repr(value: float) -> None:
    assert float(to_hubspot(value, "number")) == value


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_datetime_round_trip_ms(value: datetime) -> None:
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert to_python(to_hubspot(value, "datetime"), "datetime") == value


@given(st.dates(min_value=date(1971, 1, 1)))
def test_date_round_trip(value: date) -> None:
    assert to_python(to_hubspot(value, "date"), "date") == value


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=";", blacklist_categories=("Cs",)), min_size=1),
                min_size=1))
def test_multiselect_round_trip(items: list[str]) -> None:
    # a multi-select holds a set: each option once, in first-seen order
    assert to_python(to_hubspot(items, "enumeration", "checkbox"), "enumeration", "checkbox") == \
        list(dict.fromkeys(items))


def test_multiselect_is_the_exact_set_never_an_append() -> None:
    assert to_hubspot(["", "navigation", "navigation"], "enumeration", "checkbox") == "navigation"
    assert to_hubspot([], "enumeration", "checkbox") == ""
    with pytest.raises(ConversionError) as info:
        to_hubspot(["awd", None], "enumeration", "checkbox")
    assert info.value.sqlstate == "22004"


@given(st.booleans())
def test_bool_round_trip(value: bool) -> None:
    assert to_python(to_hubspot(value, "bool"), "bool") is value


def _contacts_table():
    props = [PropertyDefinition("email", "Email", "string", "text"),
             PropertyDefinition("amount", "Amount", "number", "number"),
             PropertyDefinition("num_notes", "Notes", "number", "number", calculated=True, read_only_value=True),
             PropertyDefinition("id", "Id (portal property)", "string", "text")]
    return object_table(Registry.standard().get("contacts"), props)


def test_record_to_row_and_back() -> None:
    table = _contacts_table()
    record = HubSpotObject("12", {"email": "a@b.example", "amount": "1.50", "num_notes": "", "id": "custom"},
                           "2024-01-01T00:00:00Z", "2024-01-02T00:00:00.250Z", False)
    row = record_to_row(table, record)
    assert row["id"] == "12" and row["prop_id"] == "custom" and row["amount"] == Decimal("1.50")
    assert row["num_notes"] is None and row["archived"] is False
    assert row["updated_at"] == datetime(2024, 1, 2, 0, 0, 0, 250000, UTC)
    assert row["_sync_hash"] is None
    assert row_to_properties(table, {"email": "b@c.example", "amount": Decimal("2"), "prop_id": "x"}) == {
        "email": "b@c.example", "amount": "2", "id": "x"}
    with pytest.raises(ReadOnlyColumnError) as info:
        row_to_properties(table, {"num_notes": Decimal("3")})
    assert info.value.sqlstate == "428C9" and info.value.hint
    with pytest.raises(ReadOnlyColumnError):
        row_to_properties(table, {"created_at": datetime.now(UTC)})
    assert row_to_properties(table, {"id": None, "email": None}) == {"email": ""}
    with pytest.raises(ConversionError) as missing:
        row_to_properties(table, {"nope": 1})
    assert missing.value.sqlstate == "42703"


@pytest.mark.parametrize("value,expected", [
    (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),
    (datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "0999-12-31T23:59:59.999Z"),
    (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "9999-12-31T23:59:59.000Z"),
])
def test_datetimes_sent_with_four_digit_years(value, expected) -> None:
    assert to_hubspot(value, "datetime", "date") == expected
    assert to_python(expected, "datetime", "date") == value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert to_hubspot(value.date(), "date", "date") == expected[:10]


def test_type_words_and_sqlstate() -> None:
    with pytest.raises(ConversionError) as info:
        to_python("yesterday", "date", "date")
    assert info.value.message == "'yesterday' is not a date" and info.value.sqlstate == "22023"
    with pytest.raises(ConversionError) as info:
        to_python("soon", "datetime", "date")
    assert info.value.message == "'soon' is not a datetime"
    with pytest.raises(ConversionError) as info:
        to_python("lots", "number", "number")
    assert info.value.message == "'lots' is not a number"


def test_odd_values_never_raise() -> None:
    props = [PropertyDefinition("firstname", "First", "string", "text"),
             PropertyDefinition("annualrevenue", "Revenue", "number", "number"),
             PropertyDefinition("date_of_birth", "Born", "date", "date")]
    table = object_table(Registry.standard().get("contacts"), props)
    record = HubSpotObject("7", {"firstname": "nul\u0000api", "annualrevenue": "lots",
                                 "date_of_birth": "yesterday"}, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False)
    values, odd = column_values(table, record)
    assert values["firstname"] == "nulapi" and values["annualrevenue"] is None and values["date_of_birth"] is None
    by_column = {o.column: o for o in odd}
    assert by_column["firstname"].kept and by_column["firstname"].raw_value == "nul\\u0000api"
    assert by_column["annualrevenue"].error == "'lots' is not a number" and not by_column["annualrevenue"].kept
    assert by_column["date_of_birth"].error == "'yesterday' is not a date"
    message, detail = summary("contacts", odd)
    assert "record(s) 7" in message and "annualrevenue, date_of_birth, firstname" in message
    assert "record 7 column date_of_birth: 'yesterday' is not a date, read as NULL" in detail
    error = by_column["date_of_birth"].as_error()
    assert error.sqlstate == "22023" and "record 7" in error.message and "date_of_birth" in error.message
    assert record_to_row(table, record, ["firstname"]) == {"firstname": "nulapi"}


def test_as_stored_cuts_to_milliseconds() -> None:
    props = [PropertyDefinition("email", "Email", "string", "text"),
             PropertyDefinition("closedate", "Close", "datetime", "date")]
    table = object_table(Registry.standard().get("deals"), props)
    row = {"id": "1", "closedate": datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "email": "a@b.example"}
    assert as_stored(table, row) == {"id": "1", "email": "a@b.example",
                                     "closedate": datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)}


def test_write_conversion_errors_name_the_column() -> None:
    table = _contacts_table()
    with pytest.raises(ConversionError) as info:
        row_to_properties(table, {"amount": "lots"})
    assert info.value.message == "column \"amount\" of contacts: invalid number 'lots'"
    assert info.value.sqlstate == "22023"
