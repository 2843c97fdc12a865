"""The daily share's split and the budget day, without a database: the backfill may use
the share less the live reserve (a quarter, or the live projection, at most half),
polls keep their reserve, HubSpot's remaining count caps everything, and the day runs
from midnight in the portal's time zone (UTC when it is unknown)."""

from __future__ import annotations

from datetime import datetime, timezone

from hubspot_fdw.materializer.budgetday import for_zone
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.planner import Planner


def _planner(limit: float = 10_000) -> Planner:
    return Planner(SyncConfig(daily_share=0.1), now=0.0, daily_limit=limit)  # a share of 1,000 a day


def test_the_backfill_gets_the_share_less_the_live_reserve() -> None:
    p = _planner()
    assert p.live_reserve() == 250                      # a quarter when live work projects less
    p.spend(750, backfill=True, bucket=False)
    assert not p.backfill_affordable(1) and p.live_affordable(250) and not p.live_affordable(251)
    p.spend(100, bucket=True)                           # polls spend from their reserve ...
    assert p.held_for_live() == 150 and p.left_today() == 150
    assert not p.backfill_affordable(1)                 # ... which the backfill never takes
    p.spend(150)
    assert not p.live_affordable(1)                     # the whole share: nothing more today
    p.new_day()
    assert p.backfill_affordable(750) and not p.backfill_affordable(751)


def test_live_work_already_above_the_reserve_leaves_the_backfill_the_rest() -> None:
    p = _planner()
    p.spend(400)                                        # a busy morning of polls
    assert p.backfill_left() == 600                     # the reserve is spent, not held again
    p.fixed_per_day = {"sweeps": 5_000.0}               # the live plan projects more than the share
    assert p.live_reserve() == 500                      # at most half of the share is reserved


def test_hubspot_remaining_caps_the_day() -> None:
    p = _planner()
    p.hubspot_remaining = 40                            # other apps used most of the portal's limit
    assert p.left_today() == 40 and p.backfill_left() < 0 and p.live_affordable(40)
    p.spend(40)
    assert not p.live_affordable(1)


def test_while_a_backfill_runs_polls_are_paced_to_the_reserve() -> None:
    p = _planner()
    full = p.rate
    p.backfilling = True
    assert p.rate < full and p.live_reserve() / 2 <= p.rate * 86_400 <= p.live_reserve()  # spread over the day


def test_the_day_starts_at_the_portals_midnight() -> None:
    tokyo, eastern = for_zone("Asia/Tokyo"), for_zone("US/Eastern")
    moment = datetime(2026, 12, 1, 16, 30, tzinfo=timezone.utc)   # 01:30 in Tokyo, 11:30 in New York
    assert str(tokyo.day(moment)) == "2026-12-02" and str(eastern.day(moment)) == "2026-12-01"
    # a minute after the portal's midnight (clocks differ a little from HubSpot's)
    assert tokyo.next_reset(moment) == datetime(2026, 12, 2, 15, 1, tzinfo=timezone.utc)
    assert eastern.next_reset(moment) == datetime(2026, 12, 2, 5, 1, tzinfo=timezone.utc)
    assert "00:01 JST (portal time zone Asia/Tokyo)" in tokyo.describe(tokyo.next_reset(moment))


def test_an_unknown_zone_falls_back_to_utc_and_says_so(caplog) -> None:
    day = for_zone("Mars/Olympus_Mons")
    assert day.zone_name == "UTC" and not day.from_portal
    assert "budget day is UTC" in caplog.text
    assert "the portal's time zone is unknown" in day.describe(datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert for_zone(None).zone_name == "UTC"
