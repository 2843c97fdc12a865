"""The daily share's rule for the two-pool split, without a database: the list front reads
while the day affords the table's rest by the fastest split (both pools at the budget's
pace), and pauses (search pages alone, half the calls per record) when it does not."""

from __future__ import annotations

from types import SimpleNamespace

from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.planner import Planner
from hubspot_fdw.materializer.two_pool import DEFAULT_PACE, Pace, list_front_reads


def test_the_fastest_split_follows_the_pools_pace() -> None:
    # HubSpot's default limits less the budget's headroom: 1,800 records a second by list
    # pages, 800 by search pages, so a little over two thirds of the records come by list
    assert round(DEFAULT_PACE.list_share(100), 3) == 0.692
    assert DEFAULT_PACE.fastest_calls(28_000, 100) == 237            # 8.5 calls per 1,000 records
    assert Pace(list_pages=18.0, search_pages=0.0).fastest_calls(28_000, 100) == 280   # list pages only
    assert Pace(list_pages=0.0, search_pages=4.0).fastest_calls(28_000, 100) == 140    # search pages only


def _ctx(share_calls: int, spent: int = 0) -> SimpleNamespace:
    planner = Planner(SyncConfig(daily_share=1.0), now=0.0, daily_limit=share_calls)
    planner.spend(spent, backfill=True, bucket=False)
    return SimpleNamespace(config=SyncConfig(), may_spend=lambda calls, backfill: planner.backfill_affordable(calls))


def test_a_day_that_affords_the_fastest_split_lets_the_list_front_read() -> None:
    # a day of 400 calls: 300 for backfills, the rest kept for polls; 20,000 records by the
    # fastest split take 170 calls
    assert list_front_reads(_ctx(400), 20_000, DEFAULT_PACE)


def test_a_day_that_does_not_leaves_the_rest_to_search_pages() -> None:
    # 150 calls left for backfills today: 20,000 records need 170 by the fastest split, 100
    # by search pages alone; the list front waits until search pages brought the rest within reach
    ctx = _ctx(400, spent=150)
    assert not list_front_reads(ctx, 20_000, DEFAULT_PACE)
    assert list_front_reads(ctx, 17_000, DEFAULT_PACE)              # 144 calls by the fastest split
