"""Seeded dates are relative to today: "deals closing this quarter" finds rows in a
freshly seeded portal, no record was modified in the future, and records spread over
the past (created before today)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from hubspot_fdw.simulator.clock import parse_iso
from hubspot_fdw.simulator.process import start_simulator


def quarter_bounds(now: datetime) -> tuple[int, int]:
    first_month = 3 * ((now.month - 1) // 3) + 1
    start = datetime(now.year, first_month, 1, tzinfo=timezone.utc)
    end = datetime(now.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1, tzinfo=timezone.utc)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def test_deals_close_this_quarter_and_nothing_is_in_the_future():
    with start_simulator(seed=7, no_limits=True, contacts=20, companies=5, deals=600) as sim:
        import requests

        deals, after = [], None
        while True:
            params = {"limit": 100, "properties": "closedate,hs_lastmodifieddate,createdate"}
            if after:
                params["after"] = after
            page = requests.get(f"{sim.base_url}/crm/v3/objects/deals", params=params,
                                headers={"Authorization": f"Bearer {sim.token}"}, timeout=30).json()
            deals += page["results"]
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if not after:
                break
    assert len(deals) == 600
    now_ms = int(time.time() * 1000)
    start, end = quarter_bounds(datetime.now(timezone.utc))
    closing = [d for d in deals if start <= parse_iso(d["properties"]["closedate"]) < end]
    assert len(closing) >= 10, len(closing)
    assert any(parse_iso(d["properties"]["closedate"]) > end for d in deals)     # the pipeline ahead
    assert any(parse_iso(d["properties"]["closedate"]) < start for d in deals)   # and closed history
    modified = [parse_iso(d["properties"]["hs_lastmodifieddate"]) for d in deals]
    assert max(modified) <= now_ms
    assert max(parse_iso(d["properties"]["createdate"]) for d in deals) > now_ms - 365 * 86_400_000
