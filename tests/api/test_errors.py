"""Error mapping (status/category → class, SQLSTATE, detail, hint) and token redaction."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from hubspot_fdw.api import errors
from hubspot_fdw.api.budget import BudgetConfig, RateBudget

from .helpers import BASE, TOKEN, make_client

CONTACTS = f"{BASE}/crm/v3/objects/contacts"

CASES = [
    (400, {"status": "error", "category": "VALIDATION_ERROR",
           "message": "Property values were not valid: [{\"isValid\":false,\"message\":\"Email address example.lcom is invalid\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]"},
     errors.HubSpotPropertyValueError, "23514"),
    (400, {"status": "error", "category": "VALIDATION_ERROR",
           "message": "Property values were not valid: [{\"error\":\"PROPERTY_DOESNT_EXIST\"}]",
           "errors": [{"message": "Property \"x\" does not exist", "code": "PROPERTY_DOESNT_EXIST"}]},
     errors.HubSpotValidationError, "22023"),
    (400, {"status": "error", "category": "VALIDATION_ERROR", "message": "too many filters"},
     errors.HubSpotValidationError, "22023"),
    (409, {"status": "error", "category": "CONFLICT", "message": "Contact already exists. Existing ID: 512159482605"},
     errors.HubSpotConflictError, "23505"),
    (404, {"status": "error", "message": "resource not found"}, errors.HubSpotNotFoundError, "P0002"),
    (401, {"status": "error", "category": "INVALID_AUTHENTICATION", "message": "Authentication credentials not found."},
     errors.HubSpotAuthenticationError, "28000"),
    (403, {"status": "error", "category": "MISSING_SCOPES", "message": "This app hasn't been granted all required scopes"},
     errors.HubSpotPermissionError, "42501"),
    (418, {"status": "error", "message": "odd"}, errors.HubSpotError, "58000"),
]


@pytest.mark.parametrize("status,body,cls,sqlstate", CASES)
@responses.activate
def test_error_mapping(status, body, cls, sqlstate) -> None:
    body = {**body, "correlationId": "c0ffee00-0000-4000-8000-000000000001"}
    responses.get(f"{CONTACTS}/1", status=status, json=body)
    with pytest.raises(errors.HubSpotError) as info:
        make_client().get_object("contacts", "1")
    exc = info.value
    assert type(exc) is cls
    assert exc.sqlstate == sqlstate and exc.status == status
    assert exc.correlation_id == "c0ffee00-0000-4000-8000-000000000001"
    assert exc.message == body["message"]
    assert exc.detail and "correlation id c0ffee00" in exc.detail or isinstance(exc, errors.HubSpotConflictError)
    assert exc.category == body.get("category")


def test_conflict_carries_existing_id() -> None:
    exc = errors.error_from_body(409, {"message": "Contact already exists. Existing ID: 512159482605",
                                       "category": "CONFLICT"})
    assert isinstance(exc, errors.HubSpotConflictError)
    assert exc.existing_id == "512159482605" and "512159482605" in exc.detail and exc.hint


def test_unique_value_400_is_conflict() -> None:
    exc = errors.error_from_body(400, {"category": "VALIDATION_ERROR", "message": (
        "Cannot set PropertyValueCoordinates{portalId=1, objectTypeId=0-1, propertyName=email, value=x@y.com} "
        "on 552148386511. 552239500007 already has that value.")})
    assert isinstance(exc, errors.HubSpotConflictError) and exc.existing_id == "552239500007"
    assert exc.sqlstate == "23505"


def test_every_error_has_the_host_attributes() -> None:
    for cls in [errors.HubSpotError, *[c for c in vars(errors).values()
                                       if isinstance(c, type) and issubclass(c, errors.HubSpotError)]]:
        exc = cls("m")
        assert isinstance(exc.sqlstate, str) and len(exc.sqlstate) == 5
        assert hasattr(exc, "detail") and hasattr(exc, "hint")


@responses.activate
def test_non_json_error_body() -> None:
    responses.get(f"{CONTACTS}/1", status=502, body="<html>Bad gateway</html>")
    with pytest.raises(errors.HubSpotUnavailableError) as info:
        make_client(max_attempts=1).get_object("contacts", "1")
    assert "Bad gateway" in info.value.message


@responses.activate
def test_token_never_appears(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # A (hypothetical) server echoing the token in its error body must not leak it either.
    responses.get(f"{CONTACTS}/1", status=401, json={"status": "error", "message": f"bad token {TOKEN}",
                                                     "category": "INVALID_AUTHENTICATION"})
    responses.get(f"{CONTACTS}/2", body=requests.ConnectionError(f"failure with {TOKEN}"))
    client = make_client(max_attempts=1)
    texts = [repr(client), str(client), repr(client.transport)]
    for object_id in ("1", "2"):
        with pytest.raises(errors.HubSpotError) as info:
            client.get_object("contacts", object_id)
        texts += [str(info.value), repr(info.value), str(info.value.detail), str(info.value.hint),
                  str(info.value.__cause__), str(info.value.__context__)]
    texts += [r.getMessage() for r in caplog.records]
    budget = RateBudget.for_portal(BASE, TOKEN, BudgetConfig(directory="/nonexistent/x"), shared=False)
    texts += [repr(budget), budget.key]
    assert all(TOKEN not in text for text in texts)
    assert "[REDACTED]" in texts[0]
    # the token is still sent, in the header only
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in responses.calls[0].request.url
