"""One HTTP request to HubSpot, done right: budget slot, timeouts, the retry rule
(``retry.decide`` for every outcome), rate-limit headers fed back to the budget, the
count of calls (``calls``), and failures turned into ``HubSpotError``.

Every endpoint module calls ``Transport.request``; nothing else sends HTTP.

Deliberately not here: endpoint paths and payloads (objects.py, search.py, ...),
paging. The token lives only in this object's private attribute and in the
Authorization header of outgoing requests; it is never logged, never put in an
exception, and ``repr`` hides it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote

import requests
import urllib3.exceptions

from hubspot_fdw import __version__
from hubspot_fdw.api.budget import Pool, Priority, RateBudget
from hubspot_fdw.api.errors import (
    HubSpotConnectionError,
    HubSpotError,
    HubSpotProtocolError,
    HubSpotRateLimitError,
    HubSpotTimeoutError,
    HubSpotUnavailableError,
    HubSpotWriteUncertainError,
    error_from_response,
    redact,
)
from hubspot_fdw.api.calls import CallCount
from hubspot_fdw.api.retry import Action, Decision, Failure, RetryPolicy, decide, parse_retry_after
from hubspot_fdw.api.session import Timeouts, shared_session
from hubspot_fdw.api.token import check_token

log = logging.getLogger("hubspot_fdw.api.transport")

USER_AGENT = f"hubspot_fdw/{__version__}"


@dataclass(frozen=True)
class Response:
    """A successful answer: HTTP status, parsed JSON body (None when empty), headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


def path_segment(value: str | int) -> str:
    """Percent-encode one path segment (ids may be emails with ``idProperty``)."""
    return quote(str(value), safe="")


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server (connect failed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError,
                               urllib3.exceptions.NameResolutionError,
                               urllib3.exceptions.ConnectTimeoutError))


class Transport:
    """Sends requests to one HubSpot base URL with one token."""

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        budget: RateBudget | None = None,
        priority: Priority = Priority.INTERACTIVE,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not access_token:
            raise ValueError("an access token is required")
        check_token(access_token)
        self.base_url = base_url.rstrip("/")
        self.__token = access_token
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.budget = budget
        self.priority = priority
        self._session = session
        self._sleep = sleep
        self.calls = CallCount()  # every HTTP answer; shared with with_priority copies

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, access_token='[REDACTED]')"

    def with_priority(self, priority: Priority) -> "Transport":
        other = object.__new__(Transport)
        other.__dict__.update(self.__dict__)
        other.priority = priority
        return other

    @property
    def session(self) -> requests.Session:
        return self._session or shared_session(self.base_url)

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The full URL a request would use (to measure its length)."""
        prepared = requests.Request("GET", self.base_url + path, params=params).prepare()
        return str(prepared.url)

    def _fail(self, exc: HubSpotError) -> HubSpotError:
        exc.message = redact(exc.message, self.__token)
        exc.args = (exc.message,)
        if exc.detail:
            exc.detail = redact(exc.detail, self.__token)
        return exc

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        pool: Pool = Pool.STANDARD,
        idempotent: bool | None = None,
        priority: Priority | None = None,
        write: bool = False,
    ) -> Response:
        """Send one logical request (retrying as ``retry.decide`` says) and return the answer.

        ``idempotent`` defaults to True for everything but POST; pass True for POSTs that
        only read (search, batch read) or set values (batch update, archive). ``write``
        marks a request that changes HubSpot (a request that is not idempotent is always
        one): when its outcome cannot be known (no answer, an unreadable 2xx, a 5xx other
        than 503) the failure is ``HubSpotWriteUncertainError``, because the change may
        have been applied."""
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        write = write or not idempotent
        priority = self.priority if priority is None else priority
        url = self.base_url + path
        headers = {
            "Authorization": f"Bearer {self.__token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

        def decision(attempt: int, **outcome: Any) -> Decision:
            return decide(self.retry, method=method, write=write, idempotent=idempotent, attempt=attempt,
                          **outcome)

        attempt = 0
        while True:
            attempt += 1
            ticket = self.budget.acquire(pool, priority) if self.budget else None
            started = time.monotonic()
            failure: requests.RequestException | None = None
            try:
                raw = self.session.request(
                    method, url, params=params, json=json_body, headers=headers,
                    timeout=self.timeouts.as_tuple(), allow_redirects=False,
                )
                content = raw.content  # read fully here so truncation is caught below
            except requests.RequestException as exc:
                failure = exc
            if failure is not None:
                # Handled outside the except block so that the requests exception (which
                # references the prepared request and its headers) is not chained.
                if ticket is not None:
                    self.budget.complete(pool, ticket)
                name = type(failure).__name__
                kind = Failure.NEVER_SENT if _never_sent(failure) else Failure.LOST
                step = decision(attempt, failure=kind)
                if step.action is not Action.RETRY:
                    raise self._transport_error(failure, step, method, path) from None
                failure = None
                log.info("%s %s failed (%s); retry %d in %.2f s", method, path, name, attempt, step.delay)
                self._sleep(step.delay)
                continue
            elapsed = (time.monotonic() - started) * 1000
            self.calls.answered(raw.headers)
            if self.budget is not None and ticket is not None:
                self.budget.complete(pool, ticket)
                self.budget.observe(pool, raw.headers)
            log.debug("%s %s -> %d in %.0f ms", method, path, raw.status_code, elapsed)
            status = raw.status_code
            if 200 <= status < 300:
                try:
                    return Response(status, json.loads(content) if content.strip() else None, raw.headers)
                except ValueError:
                    pass
                step = decision(attempt, failure=Failure.UNREADABLE)
                if step.action is Action.UNCERTAIN:
                    raise self._fail(HubSpotWriteUncertainError(
                        f"HubSpot accepted {method} {path} (HTTP {status}) but its answer was unreadable",
                        status=status, applied=True, detail="The body of the answer is cut off or not JSON.")) from None
                if step.action is Action.FAIL:
                    raise self._fail(HubSpotProtocolError(
                        f"HubSpot answered {method} {path} with a body that is not JSON",
                        status=status)) from None
                self._sleep(step.delay)
                continue
            error = self._fail(error_from_response(status, content, raw.headers))
            if status == 429 and self.budget is not None:
                self.budget.penalize(pool, parse_retry_after(raw.headers.get("Retry-After")))
            daily = status == 429 and (error.policy_name or "").upper() == "DAILY"
            step = decision(attempt, status=status, headers=raw.headers, daily_limit=daily)
            if step.action is Action.UNCERTAIN:
                raise self._fail(HubSpotWriteUncertainError(
                    f"HubSpot answered {method} {path} with HTTP {status}; the write may have been applied",
                    status=status, category=error.category, correlation_id=error.correlation_id,
                    detail=error.message))
            if step.action is Action.FAIL:
                raise error
            log.info("%s %s -> %d; retry %d in %.2f s", method, path, status, attempt, step.delay)
            self._sleep(step.delay)

    def _transport_error(self, exc: requests.RequestException, step: Decision, method: str,
                         path: str) -> HubSpotError:
        """The error for a request that got no answer and will not be retried."""
        name = type(exc).__name__
        if step.action is Action.UNCERTAIN:
            return self._fail(HubSpotWriteUncertainError(
                f"no answer from HubSpot for {method} {path} ({name}); the write may have been applied"))
        if isinstance(exc, requests.Timeout):
            return self._fail(HubSpotTimeoutError(f"HubSpot did not answer {method} {path} in time ({name})"))
        if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                            requests.exceptions.ContentDecodingError)):
            return self._fail(HubSpotProtocolError(f"HubSpot's answer to {method} {path} was cut off ({name})"))
        return self._fail(HubSpotConnectionError(f"could not reach HubSpot at {self.base_url} ({name})"))


__all__ = [
    "Response", "Transport", "path_segment", "HubSpotRateLimitError", "HubSpotUnavailableError",
]
