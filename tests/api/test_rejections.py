"""HubSpot's per-property rejections said in one line (the property, the value, the
reason), with the options or the other rejections in the detail, for every validation
category HubSpot has; bodies as the simulator and HubSpot send them."""

from __future__ import annotations

import pytest

from hubspot_fdw.api import errors
from hubspot_fdw.api.rejections import one_line, rejections
from hubspot_fdw.simulator import errors as sim_errors
from hubspot_fdw.simulator.properties import opts
from hubspot_fdw.simulator.validation import _invalid_option, _p

CORRELATION = "c0ffee00-0000-4000-8000-000000000001"


class _Prop:
    name = "lifecyclestage"
    options = opts("subscriber:Subscriber", "lead:Lead", "customer:Customer")


def _error(*problems: dict) -> errors.HubSpotError:
    body = dict(sim_errors.property_errors(list(problems), 123).body)
    return errors.error_from_body(400, {**body, "correlationId": CORRELATION})


def test_invalid_option_in_one_line_with_the_options_and_correlation_id() -> None:
    error = one_line(_error(_invalid_option(_Prop(), "custmer")), "contacts")
    assert error.message == "HubSpot rejected contacts.lifecyclestage: 'custmer' is not one of its options"
    assert str(error) == error.message and "\n" not in error.message
    assert error.detail.startswith("Valid values of lifecyclestage: subscriber (Subscriber), lead (Lead), "
                                   "customer (Customer).")
    assert f"correlation id {CORRELATION}" in error.detail and "VALIDATION_ERROR" in error.detail
    assert error.sqlstate == "23514" and error.hint
    assert len(error.message) + len(error.detail) < 300


CATEGORIES = [
    (_p("email", "INVALID_EMAIL", "Email address example.lcom is invalid"),
     "contacts.email: 'example.lcom' is not a valid e-mail address"),
    (_p("closedate", "INVALID_DATE", "2024-01-01T10:00:00Z is not at midnight UTC; date properties only hold dates."),
     "contacts.closedate: '2024-01-01T10:00:00Z' is not a date"),
    (_p("num_employees", "INVALID_INTEGER", "1.5 was not a valid integer."),
     "contacts.num_employees: '1.5' is not a whole number"),
    (_p("num_employees", "INVALID_LONG", "abc was not a valid long."),
     "contacts.num_employees: 'abc' is not a whole number"),
    (_p("amount", "INVALID_DECIMAL", "lots was not a valid number."), "contacts.amount: 'lots' is not a valid number"),
    (_p("hs_ok", "INVALID_BOOLEAN", "maybe is not a valid boolean (true or false)."),
     "contacts.hs_ok: 'maybe' is not a boolean (true or false)"),
    (_p("lastmodifieddate", "INVALID_DATETIME", "yesterday is not a valid datetime."),
     "contacts.lastmodifieddate: 'yesterday' is not a valid date and time"),
    (_p("createdate", "READ_ONLY_VALUE", '"createdate" is a calculated property; its value cannot be set.'),
     "contacts.createdate: it is read-only in HubSpot"),
    (_p("description", "PROPERTY_DOESNT_EXIST", 'Property "description" does not exist'),
     "contacts.description: HubSpot has no such property"),
    (_p("notes", "INVALID_STRING_LENGTH", "Value for notes is longer than 65536."),
     "contacts.notes: the value is too long"),
    (_p("odd", "SOMETHING_NEW", "Odd is wrong\nin two lines."), "contacts.odd: Odd is wrong in two lines"),
]


@pytest.mark.parametrize("problem,expected", CATEGORIES, ids=[c[0]["error"] for c in CATEGORIES])
def test_every_category_in_one_line(problem: dict, expected: str) -> None:
    error = one_line(_error(problem), "contacts")
    assert error.message.startswith("HubSpot rejected " + expected), error.message
    assert "\n" not in error.message and "[" not in error.message
    assert f"correlation id {CORRELATION}" in error.detail


def test_several_properties_the_others_in_the_detail() -> None:
    error = one_line(_error(_p("email", "INVALID_EMAIL", "Email address x is invalid"),
                            _invalid_option(_Prop(), "custmer")), "contacts")
    assert error.message == "HubSpot rejected contacts.email: 'x' is not a valid e-mail address"
    assert error.detail.startswith("Also rejected: contacts.lifecyclestage: 'custmer' is not one of its options. "
                                   "Valid values of lifecyclestage: ")


def test_the_recorded_real_bodies() -> None:
    """HubSpot's own captures: the message alone (no errors[]), and message plus errors[]."""
    only_message = errors.error_from_body(400, {
        "status": "error", "category": "VALIDATION_ERROR", "correlationId": CORRELATION,
        "message": "Property values were not valid: [{\"isValid\":false,\"message\":\"Email address example.lcom "
                   "is invalid\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]"})
    assert one_line(only_message, "contacts").message == \
        "HubSpot rejected contacts.email: 'example.lcom' is not a valid e-mail address"
    both = errors.error_from_body(400, {
        "status": "error", "category": "VALIDATION_ERROR", "correlationId": CORRELATION,
        "message": "Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"description\\\" "
                   "does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"description\"}]",
        "errors": [{"message": "Property \"description\" does not exist", "code": "PROPERTY_DOESNT_EXIST",
                    "context": {"propertyName": ["description"]}}]})
    assert [r.property for r in rejections(both)] == ["description"]
    assert one_line(both, "contacts").message == "HubSpot rejected contacts.description: HubSpot has no such property"
    assert both.sqlstate == "22023"


def test_other_errors_and_a_second_pass_are_left_alone() -> None:
    other = errors.error_from_body(400, {"category": "VALIDATION_ERROR", "message": "too many filters"})
    assert one_line(other, "contacts").message == "too many filters"
    error = one_line(_error(_invalid_option(_Prop(), "custmer")), "contacts")
    before = (error.message, error.detail)
    assert (one_line(error, "contacts").message, error.detail) == before
    assert rejections(error)[0].value == "custmer"  # still readable after the rewrite (label hints)


def test_a_long_value_is_cut_and_quotes_doubled() -> None:
    error = one_line(_error(_p("email", "INVALID_EMAIL", "Email address " + "o'" * 100 + " is invalid")), "contacts")
    assert "o''o''" in error.message and error.message.endswith("…' is not a valid e-mail address")


def test_options_hubspot_left_out_are_asked_for() -> None:
    """A stage property lists no options (externalOptions): when the rejection carries none,
    the caller's lookup names them; a rejection that lists them is taken as it is."""
    class Stage:
        name = "dealstage"
        options: list = []
    asked: list[str] = []

    def known(prop: str) -> list[tuple[str, str]]:
        asked.append(prop)
        return [("closedwon", "Closed Won"), ("closedlost", "Closed Lost")]

    error = one_line(_error(_invalid_option(Stage(), "won")), "deals", known)
    assert error.message == "HubSpot rejected deals.dealstage: 'won' is not one of its options"
    assert error.detail.startswith("Valid values of dealstage: closedwon (Closed Won), closedlost (Closed Lost).")
    assert asked == ["dealstage"]
    listed = one_line(_error(_invalid_option(_Prop(), "custmer")), "contacts", known)
    assert listed.detail.startswith("Valid values of lifecyclestage: subscriber") and asked == ["dealstage"]

    def failing(prop: str) -> list[tuple[str, str]]:
        raise errors.HubSpotError("pipelines refused")
    refused = one_line(_error(_invalid_option(Stage(), "won")), "deals", failing)
    assert refused.message.endswith("'won' is not one of its options") and "Valid values" not in refused.detail
