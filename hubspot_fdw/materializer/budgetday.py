"""The sync's budget day: HubSpot resets a portal's daily API limit at midnight in the
portal's time zone (``timeZone`` of ``GET /account-info/v3/details``), so the sync's
"calls today" run from that midnight to the next; the sync's day turns ``SKEW`` seconds
after it, so that a clock a little ahead of HubSpot's never spends a new day's share
while HubSpot still counts the old day. A zone that is missing or unknown to
this machine's time zone database falls back to UTC, with a warning that says so.

Deliberately not here: how much may be spent in a day (planner.py), reading the
account details (portal.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

log = logging.getLogger("hubspot_fdw.materializer.budgetday")

SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class BudgetDay:
    zone_name: str = "UTC"
    from_portal: bool = False  # False: the portal's zone was not known; UTC is a guess
    zone: tzinfo = field(default=timezone.utc, repr=False, compare=False)

    def day(self, now: datetime) -> date:
        """The budget day at ``now`` (an aware datetime): the portal's date, turning SKEW after midnight."""
        return (now - SKEW).astimezone(self.zone).date()

    def next_reset(self, now: datetime) -> datetime:
        """When the next budget day starts: SKEW after the portal's next midnight (aware)."""
        midnight = datetime.combine(self.day(now) + timedelta(days=1), time(0), tzinfo=self.zone)
        return (midnight.astimezone(timezone.utc) + SKEW).astimezone(self.zone)  # normalised past a DST gap

    def describe(self, moment: datetime) -> str:
        """``moment`` in the portal's zone, for messages ("2026-12-03 00:00 JST, portal time zone Asia/Tokyo")."""
        local = moment.astimezone(self.zone)
        where = f"portal time zone {self.zone_name}" if self.from_portal else "UTC: the portal's time zone is unknown"
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or self.zone_name} ({where})"


def for_zone(name: str | None) -> BudgetDay:
    """The budget day of a portal whose account details gave ``name`` (None: not given)."""
    if not name:
        log.warning("HubSpot's account details give no time zone; the sync's budget day is UTC")
        return BudgetDay()
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        log.warning("the portal's time zone %r is unknown here (%s); the sync's budget day is UTC", name, exc)
        return BudgetDay()
    return BudgetDay(name, True, zone)
