"""Shared helpers for the client unit tests (no network: ``responses`` only)."""

from __future__ import annotations

from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.retry import RetryPolicy
from hubspot_fdw.api.transport import Transport

BASE = "https://hubspot.test"
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def make_client(sleeps: list[float] | None = None, *, max_attempts: int = 4, budget=None,
                max_url_length: int = 4000) -> HubSpotClient:
    sleeps = sleeps if sleeps is not None else []
    transport = Transport(BASE, TOKEN, retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.5, max_delay=8.0,
                                                         jitter=lambda upper: upper),
                          budget=budget, sleep=sleeps.append)
    return HubSpotClient(transport=transport, max_url_length=max_url_length)


def record(i: int | str, **props: str | None) -> dict:
    return {"id": str(i), "properties": {"hs_object_id": str(i), **props},
            "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-02T00:00:00.500Z", "archived": False}
