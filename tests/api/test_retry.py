"""The one retry rule: what is retried, how long it waits, and that writes never duplicate."""

from __future__ import annotations

import pytest
import requests
import responses
import urllib3.exceptions

from hubspot_fdw.api import errors
from hubspot_fdw.api.retry import Action, Failure, RetryPolicy, decide, parse_retry_after

from .helpers import BASE, make_client, record

CONTACTS = f"{BASE}/crm/v3/objects/contacts"


def refused() -> requests.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, CONTACTS, reason))


@responses.activate
def test_429_then_success_honours_retry_after() -> None:
    responses.get(f"{CONTACTS}/1", status=429, headers={"Retry-After": "3"},
                  json={"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                        "policyName": "TEN_SECONDLY_ROLLING", "errorType": "RATE_LIMIT"})
    responses.get(f"{CONTACTS}/1", json=record(1))
    sleeps: list[float] = []
    assert make_client(sleeps).get_object("contacts", "1").id == "1"
    assert sleeps == [3.0]


@responses.activate
def test_5xx_backoff_is_exponential_and_capped() -> None:
    for _ in range(5):
        responses.get(f"{CONTACTS}/1", status=503, json={"status": "error", "message": "unavailable"})
    sleeps: list[float] = []
    with pytest.raises(errors.HubSpotUnavailableError) as info:
        make_client(sleeps, max_attempts=5).get_object("contacts", "1")
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    assert info.value.sqlstate == "08006" and info.value.status == 503
    assert len(responses.calls) == 5


def test_backoff_caps_at_max_delay() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5, jitter=lambda upper: upper)
    assert [policy.backoff(n) for n in range(1, 7)] == [1, 2, 4, 5, 5, 5]
    jittered = RetryPolicy(base_delay=1, max_delay=5)
    assert all(0 <= jittered.backoff(4) <= 5 for _ in range(50))


def test_parse_retry_after() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("nonsense") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@responses.activate
def test_daily_limit_is_not_retried() -> None:
    responses.get(f"{CONTACTS}/1", status=429, json={"status": "error", "message": "You have reached your daily limit.",
                                                     "errorType": "RATE_LIMIT", "policyName": "DAILY"})
    with pytest.raises(errors.HubSpotRateLimitError) as info:
        make_client().get_object("contacts", "1")
    assert len(responses.calls) == 1
    assert info.value.sqlstate.startswith("53") and info.value.policy_name == "DAILY"


@responses.activate
def test_rate_limit_after_retries_is_53xxx() -> None:
    for _ in range(4):
        responses.get(f"{CONTACTS}/1", status=429, json={"status": "error", "message": "slow down",
                                                         "policyName": "TEN_SECONDLY_ROLLING"})
    sleeps: list[float] = []
    with pytest.raises(errors.HubSpotRateLimitError) as info:
        make_client(sleeps).get_object("contacts", "1")
    assert info.value.sqlstate == "53400" and len(responses.calls) == 4
    assert all(s >= 1.0 for s in sleeps)  # a 429 waits at least rate_limit_delay


@responses.activate
def test_create_read_timeout_is_never_retried() -> None:
    responses.post(CONTACTS, body=requests.ReadTimeout("read timed out"))
    responses.post(CONTACTS, json=record(9), status=201)
    with pytest.raises(errors.HubSpotWriteUncertainError) as info:
        make_client().create_object("contacts", {"email": "a@b.example"})
    assert len(responses.calls) == 1
    assert info.value.sqlstate == "08007"


@responses.activate
def test_create_reset_after_send_is_never_retried() -> None:
    reset = requests.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))
    responses.post(CONTACTS, body=reset)
    responses.post(CONTACTS, json=record(9), status=201)
    with pytest.raises(errors.HubSpotWriteUncertainError):
        make_client().create_object("contacts", {"email": "a@b.example"})
    assert len(responses.calls) == 1


@responses.activate
def test_create_500_is_not_retried() -> None:
    responses.post(CONTACTS, status=500, json={"status": "error", "message": "internal error"})
    responses.post(CONTACTS, json=record(9), status=201)
    with pytest.raises(errors.HubSpotWriteUncertainError) as info:
        make_client().create_object("contacts", {"email": "a@b.example"})
    assert len(responses.calls) == 1 and info.value.status == 500


@responses.activate
def test_create_is_retried_when_certainly_not_applied() -> None:
    responses.post(CONTACTS, body=refused())
    responses.post(CONTACTS, status=429, json={"status": "error", "message": "slow", "policyName": "TEN_SECONDLY_ROLLING"})
    responses.post(CONTACTS, status=503, json={"status": "error", "message": "unavailable"})
    responses.post(CONTACTS, json=record(9, email="a@b.example"), status=201)
    created = make_client().create_object("contacts", {"email": "a@b.example"})
    assert created.id == "9" and len(responses.calls) == 4


@responses.activate
def test_reads_retry_timeouts_and_resets() -> None:
    responses.get(f"{CONTACTS}/1", body=requests.ReadTimeout("slow"))
    responses.get(f"{CONTACTS}/1", body=requests.ConnectionError("reset"))
    responses.get(f"{CONTACTS}/1", json=record(1))
    assert make_client().get_object("contacts", "1").id == "1"
    assert len(responses.calls) == 3


@responses.activate
def test_unreachable_after_retries_is_08xxx() -> None:
    for _ in range(4):
        responses.get(f"{CONTACTS}/1", body=refused())
    with pytest.raises(errors.HubSpotConnectionError) as info:
        make_client().get_object("contacts", "1")
    assert info.value.sqlstate == "08001"


@responses.activate
def test_timeout_after_retries_is_08006() -> None:
    for _ in range(4):
        responses.get(f"{CONTACTS}/1", body=requests.ReadTimeout("slow"))
    with pytest.raises(errors.HubSpotTimeoutError) as info:
        make_client().get_object("contacts", "1")
    assert info.value.sqlstate == "08006"


@responses.activate
def test_truncated_read_body_is_retried_then_protocol_error() -> None:
    for _ in range(4):
        responses.get(f"{CONTACTS}/1", body='{"id": "1", "prop')
    with pytest.raises(errors.HubSpotProtocolError) as info:
        make_client().get_object("contacts", "1")
    assert info.value.sqlstate == "08P01" and len(responses.calls) == 4


@responses.activate
def test_truncated_create_body_is_uncertain_not_retried() -> None:
    responses.post(CONTACTS, body='{"id": "9", "prop', status=201)
    with pytest.raises(errors.HubSpotWriteUncertainError):
        make_client().create_object("contacts", {"firstname": "x"})
    assert len(responses.calls) == 1


@responses.activate
def test_update_is_retried_but_append_update_is_not() -> None:
    responses.patch(f"{CONTACTS}/1", body=requests.ReadTimeout("slow"))
    responses.patch(f"{CONTACTS}/1", json=record(1))
    assert make_client().update_object("contacts", "1", {"firstname": "x"}).id == "1"
    responses.patch(f"{CONTACTS}/2", body=requests.ReadTimeout("slow"))
    with pytest.raises(errors.HubSpotWriteUncertainError):
        make_client().update_object("contacts", "2", {"tags": ";a;b"})


@responses.activate
def test_4xx_is_not_retried() -> None:
    responses.get(f"{CONTACTS}/1", status=404, json={"status": "error", "message": "resource not found"})
    with pytest.raises(errors.HubSpotNotFoundError):
        make_client().get_object("contacts", "1")
    assert len(responses.calls) == 1


# -- the one decision: retry after N, fail, or uncertain ------------------------------------------
POLICY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=8.0, jitter=lambda upper: upper)
RETRY, FAIL, UNCERTAIN = Action.RETRY, Action.FAIL, Action.UNCERTAIN


@pytest.mark.parametrize("method, write, idempotent, attempt, outcome, expected", [
    # reads
    ("GET", False, True, 1, {"status": 500}, (RETRY, 0.5)),
    ("GET", False, True, 3, {"status": 500}, (FAIL, 0)),
    ("GET", False, True, 1, {"status": 404}, (FAIL, 0)),
    ("GET", False, True, 1, {"status": 429, "daily_limit": True}, (FAIL, 0)),
    ("GET", False, True, 2, {"status": 429, "headers": {"Retry-After": "3"}}, (RETRY, 3.0)),
    ("GET", False, True, 1, {"failure": Failure.LOST}, (RETRY, 0.5)),
    ("GET", False, True, 3, {"failure": Failure.LOST}, (FAIL, 0)),
    ("GET", False, True, 2, {"failure": Failure.UNREADABLE}, (RETRY, 1.0)),
    ("GET", False, True, 3, {"failure": Failure.UNREADABLE}, (FAIL, 0)),
    ("GET", True, True, 3, {"status": 500}, (FAIL, 0)),           # a GET changes nothing
    ("POST", False, True, 3, {"failure": Failure.UNREADABLE}, (FAIL, 0)),   # search, batch read
    # a create (not idempotent)
    ("POST", True, False, 1, {"failure": Failure.NEVER_SENT}, (RETRY, 0.5)),
    ("POST", True, False, 3, {"failure": Failure.NEVER_SENT}, (FAIL, 0)),
    ("POST", True, False, 1, {"failure": Failure.LOST}, (UNCERTAIN, 0)),
    ("POST", True, False, 1, {"failure": Failure.UNREADABLE}, (UNCERTAIN, 0)),
    ("POST", True, False, 1, {"status": 500}, (UNCERTAIN, 0)),
    ("POST", True, False, 1, {"status": 503}, (RETRY, 0.5)),
    ("POST", True, False, 3, {"status": 503}, (FAIL, 0)),
    ("POST", True, False, 1, {"status": 429}, (RETRY, 1.0)),
    ("POST", True, False, 1, {"status": 429, "daily_limit": True}, (FAIL, 0)),
    ("POST", True, False, 1, {"status": 400}, (FAIL, 0)),
    # a batch update or archive (sets values: idempotent)
    ("POST", True, True, 1, {"failure": Failure.LOST}, (RETRY, 0.5)),
    ("POST", True, True, 3, {"failure": Failure.LOST}, (UNCERTAIN, 0)),
    ("POST", True, True, 1, {"failure": Failure.UNREADABLE}, (UNCERTAIN, 0)),
    ("POST", True, True, 1, {"status": 502}, (RETRY, 0.5)),
    ("POST", True, True, 3, {"status": 502}, (UNCERTAIN, 0)),
    ("POST", True, True, 3, {"status": 503}, (FAIL, 0)),
    ("POST", True, True, 1, {"status": 404}, (FAIL, 0)),
])
def test_decision_table(method, write, idempotent, attempt, outcome, expected) -> None:
    decision = decide(POLICY, method=method, write=write, idempotent=idempotent, attempt=attempt, **outcome)
    assert (decision.action, decision.delay) == expected


def test_decision_needs_an_outcome() -> None:
    with pytest.raises(ValueError):
        decide(POLICY, method="GET", write=False, idempotent=True, attempt=1)


@responses.activate
def test_truncated_200_to_a_batch_update_is_uncertain_and_applied() -> None:
    responses.post(f"{CONTACTS}/batch/update", body='{"status": "COMPLETE", "results": [{"id": "1", "prop',
                   status=200)
    with pytest.raises(errors.HubSpotWriteUncertainError) as info:
        make_client().batch_update("contacts", [("1", {"firstname": "x"})])
    assert len(responses.calls) == 1            # never re-sent
    assert info.value.sqlstate == "08007" and info.value.applied and info.value.status == 200


@responses.activate
def test_batch_update_5xx_after_retries_is_uncertain() -> None:
    for _ in range(4):
        responses.post(f"{CONTACTS}/batch/update", status=502, json={"status": "error", "message": "bad gateway"})
    with pytest.raises(errors.HubSpotWriteUncertainError) as info:
        make_client().batch_update("contacts", [("1", {"firstname": "x"})])
    assert len(responses.calls) == 4 and not info.value.applied


@responses.activate
def test_calls_are_counted_by_the_transport_not_by_session_hooks() -> None:
    responses.get(f"{CONTACTS}/1", status=503, json={"status": "error", "message": "unavailable"})
    responses.get(f"{CONTACTS}/1", json=record(1), headers={"X-HubSpot-RateLimit-Daily": "250000",
                                                             "X-HubSpot-RateLimit-Daily-Remaining": "249000"})
    client = make_client()
    hooks = list(client.transport.session.hooks["response"])
    client.get_object("contacts", "1")
    calls = client.transport.calls
    assert calls.total == 2 and calls.daily_limit == 250000 and calls.daily_remaining == 249000
    assert client.with_priority(client.transport.priority).transport.calls is calls
    assert client.transport.session.hooks["response"] == hooks == []
