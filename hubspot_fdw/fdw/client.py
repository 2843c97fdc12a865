"""One HubSpot client per (api_url, token, settings) per backend process.

The client owns retries, the rate budget and paging; the wrapper only picks
the settings from its options. The cache key holds a digest of the token, never
the token itself, so nothing here can print it.

Deliberately not here: requests (hubspot_fdw.api), options parsing (options.py).
"""

from __future__ import annotations

import hashlib

from hubspot_fdw.api import HubSpotClient, RetryPolicy, Timeouts
from hubspot_fdw.fdw.errors import FdwError
from hubspot_fdw.fdw.options import FdwOptions

_clients: dict[tuple[str, str, int, int, bool], HubSpotClient] = {}


def client_for(options: FdwOptions) -> HubSpotClient:
    if not options.access_token:
        raise FdwError("no HubSpot access token for this user", sqlstate="28000",
                       hint="CREATE USER MAPPING FOR CURRENT_USER SERVER ... OPTIONS (access_token '...').")
    digest = hashlib.sha256(options.access_token.encode()).hexdigest()
    key = (options.api_url, digest, options.timeout, options.max_retries, options.use_budget)
    client = _clients.get(key)
    if client is None:
        client = HubSpotClient(options.api_url, options.access_token,
                               timeouts=Timeouts(connect=min(5.0, float(options.timeout)),
                                                 read=float(options.timeout)),
                               retry=RetryPolicy(max_attempts=options.max_retries + 1),
                               use_budget=options.use_budget)
        _clients[key] = client
    return client
