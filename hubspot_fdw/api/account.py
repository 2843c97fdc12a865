"""Account info: ``GET /account-info/v3/details`` → the portal (hub) id and its settings.

The sync stamps each cache schema with this id (one cache per portal). Deliberately
not here: comparing stamps (materializer/portal.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from hubspot_fdw.api.errors import HubSpotProtocolError
from hubspot_fdw.api.transport import Transport


@dataclass(frozen=True)
class AccountDetails:
    portal_id: int
    time_zone: str | None
    account_type: str | None


def details(t: Transport) -> AccountDetails:
    body = t.request("GET", "/account-info/v3/details").body or {}
    portal = body.get("portalId")
    if not isinstance(portal, int) or isinstance(portal, bool):
        raise HubSpotProtocolError("HubSpot's account details carry no portalId")
    return AccountDetails(portal, body.get("timeZone"), body.get("accountType"))
