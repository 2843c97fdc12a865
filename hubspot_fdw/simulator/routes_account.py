"""Account info: ``GET /account-info/v3/details`` (the portal id, time zone, currency),
as HubSpot answers it; the sync stamps each cache with this portal id.

Does not model account usage endpoints (``/account-info/v3/api-usage/daily``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hubspot_fdw.simulator.routing import Request, Response, Router


def details(sim: Any, req: Request) -> Response:
    zone = sim.options.time_zone
    offset = datetime.fromtimestamp(sim.portal.clock.peek_ms() / 1000, ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    return Response(200, {
        "portalId": sim.portal.portal_id,
        "accountType": "STANDARD",
        "timeZone": zone,
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        "utcOffsetMilliseconds": minutes * 60_000,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    })


def register(router: Router) -> None:
    router.add("GET", "/account-info/v3/details", details)
