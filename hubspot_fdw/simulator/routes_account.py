"""Account info: ``GET /account-info/v3/details`` (the portal id, time zone, currency),
as HubSpot answers it; the sync stamps each cache with this portal id.

Does not model account usage endpoints (``/account-info/v3/api-usage/daily``).
"""

from __future__ import annotations

from typing import Any

from hubspot_fdw.simulator.routing import Request, Response, Router


def details(sim: Any, req: Request) -> Response:
    return Response(200, {
        "portalId": sim.portal.portal_id,
        "accountType": "STANDARD",
        "timeZone": "US/Eastern",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "-05:00",
        "utcOffsetMilliseconds": -18_000_000,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    })


def register(router: Router) -> None:
    router.add("GET", "/account-info/v3/details", details)
