"""Backfill of one object table from both of HubSpot's rate pools at once.

HubSpot counts list requests (100 records a page) in the standard pool and search
requests (200 a page) in a separate search pool. The table's id range is read from both
ends at the same time:

- the **list front** pages up from the lowest id (``backfill_after``, as a one-pool
  backfill does); it has stored every id up to ``list_top``;
- the **search front** reads down from the highest id: each request is a new search
  ``hs_object_id LT search_low AND hs_object_id GT list_top`` sorted by ``hs_object_id``
  descending, 200 records, so no query ever reaches HubSpot's 10,000-result cap (the
  window's bound moves with every page); it has stored every id from ``search_low`` up.

The fronts meet when ``list_top >= search_low - 1``, when the list's last page comes, or
when a search page holds fewer than 200 records (nothing is left between the fronts):
every id is then stored exactly once (a page's records already stored by the other front
are skipped). Each pool's pace is the budget's (api/budget.py): a front whose pool is
busy (live reads, polls, other processes) simply advances less, and the other one takes
more of the range; the backfill's priority leaves the live reads and polls their share
of each pool. The search front's first page is also the table's count (its ``total``):
a two-pool backfill spends no call on counting, and both fronts start at once; a table
of fewer than ``MIN_RECORDS`` goes on with list pages only after that page.

The daily share decides the split (``list_front_reads``, the rule's one home): the
list front reads while the day's share still affords finishing the table's rest by the
fastest split (both pools saturated at the pace the budget gives the backfill, ``Pace``);
when it does not, the list front pauses and the search front, at half the calls per
record, reads alone, until what is left fits the day again. A portal whose daily share
is the binding limit is thus read almost only by search pages: the most records a day.
The rule sees the table being backfilled; the tables after it get what the day has left.

Time between tables: the last ``TAIL`` seconds of a table (by the list front's pace) are
the list front's alone, so the poll that follows and the next table's first search page
find free slots in the search pool; a request still waiting for its slot when the fronts
meet is abandoned (it would only bring records already stored).
HTTP runs in two threads; storing, checkpointing and the budget's gate stay in the
caller's thread. The checkpoint (``backfill_after`` and the cursors ``list_top``,
``search_low``) is written with the rows of each page, so a stopped backfill resumes
where both fronts were. Records created or changed meanwhile are caught by the
incremental cursor, which starts at the backfill's start.

Deliberately not here: the one-pool backfill and polls (objects.py), the budget's
arithmetic (planner.py, api/budget.py).
"""

from __future__ import annotations

import math
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Sequence

from hubspot_fdw.api import Filter
from hubspot_fdw.api.budget import Pool, Priority
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.models import HubSpotObject, Page
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.materializer.context import Context, now_utc
from hubspot_fdw.materializer.state import SyncState

ID = "hs_object_id"
SEARCH_PAGE = 200
MIN_RECORDS = 2_000      # smaller tables: one pool (a search page would save little)
TAIL = 0.5               # seconds of list pages that end a table without the search front


@dataclass(frozen=True)
class Pace:
    """Pages a second the rate budget lets a backfill draw from each pool."""

    list_pages: float
    search_pages: float

    def list_share(self, page_size: int) -> float:
        """The part of the records the list front reads when both pools are saturated."""
        listed = self.list_pages * page_size
        return listed / max(1e-9, listed + self.search_pages * SEARCH_PAGE)

    def fastest_calls(self, records: int, page_size: int) -> int:
        """Calls that read ``records`` by the fastest split (both fronts at full pace)."""
        share = self.list_share(page_size)
        return math.ceil(records * share / page_size + records * (1 - share) / SEARCH_PAGE)


# HubSpot's default limits (190 requests per 10 s, 19 a second; 5 searches a second), less
# the budget's 5 % headroom: the pace without a shared budget
DEFAULT_PACE = Pace(list_pages=18.0, search_pages=4.0)


def pace(client: HubSpotClient) -> Pace:
    """Each pool's pace for a backfill: the usable part of the limits the budget knows
    (learned from HubSpot's headers), per second and within HubSpot's per-second cap."""
    budget = client.transport.budget
    if budget is None:
        return DEFAULT_PACE
    pools = budget.snapshot()["pools"]

    def per_second(pool: Pool) -> float:
        entry = pools[pool.value]
        window = float(entry["window"])
        rate = budget.usable(int(entry["max"]), Priority.BACKFILL) / window
        if entry.get("secondly"):
            rate = min(rate, budget.usable(int(entry["secondly"]), Priority.BACKFILL) / (window / 10.0))
        return rate

    return Pace(per_second(Pool.STANDARD), per_second(Pool.SEARCH))


def list_front_reads(ctx: Context, left: int, speed: Pace) -> bool:
    """The daily share's rule for the split: the list front reads while the day affords
    finishing the ``left`` records by the fastest split; else only the search front
    reads (200 records a call instead of 100), until the rest fits the day again."""
    return ctx.may_spend(max(1, speed.fastest_calls(left, ctx.config.page_size)), True)


@dataclass
class Fronts:
    """Where the two fronts stand (kept in ``state.cursors``)."""

    list_top: int | None = None
    search_low: int | None = None
    done: bool = False

    @classmethod
    def of(cls, state: SyncState) -> "Fronts":
        def number(key: str) -> int | None:
            value = state.cursors.get(key)
            return int(value) if value is not None else None
        return cls(number("list_top"), number("search_low"))

    def save(self, state: SyncState) -> None:
        for key, value in (("list_top", self.list_top), ("search_low", self.search_low)):
            if value is None:
                state.cursors.pop(key, None)
            else:
                state.cursors[key] = str(value)

    def met(self) -> bool:
        return self.done or (self.list_top is not None and self.search_low is not None
                             and self.list_top >= self.search_low - 1)

    def new(self, record: HubSpotObject) -> bool:
        """Whether neither front stored this record yet."""
        rid = int(record.id)
        return not ((self.list_top is not None and rid <= self.list_top)
                    or (self.search_low is not None and rid >= self.search_low))


def forget(state: SyncState) -> None:
    """Drop the fronts (a finished backfill, or a new one that starts from nothing)."""
    state.cursors.pop("list_top", None)
    state.cursors.pop("search_low", None)


def wanted(ctx: Context, state: SyncState) -> bool:
    """Whether this table's backfill runs here (else list pages only, objects.py)."""
    pools = ctx.config.backfill_pools
    return (pools == "search" or "search_low" in state.cursors
            or (pools == "both" and (state.backfill_total is None or state.backfill_total >= MIN_RECORDS)))


def count(ctx: Context, spec: TableSpec) -> int | None:
    """HubSpot's record count at a backfill's start: one call when only list pages are
    wanted; else None, and the search front's first page tells it (its ``total``; the
    backfill's start is checkpointed then) while the list front's first request runs."""
    assert spec.object_type is not None
    if ctx.config.backfill_pools == "list":
        return ctx.client_backfill.count(spec.object_type.api_path)
    return None


def backfill(ctx: Context, spec: TableSpec, state: SyncState, properties: Sequence[str],
             store: Callable[[Sequence[HubSpotObject]], None]) -> bool:
    """Backfill pages from both pools until done (True), stopped or out of budget (False)."""
    assert spec.object_type is not None
    if state.backfill_done:
        return True
    api = spec.object_type.api_path
    client = ctx.client_backfill
    fronts = Fronts.of(state)
    pending: dict[Future, str] = {}
    listing = ctx.config.backfill_pools != "search"
    searching = True
    speed = pace(client)

    def list_affordable() -> bool:
        return list_front_reads(ctx, max(0, (state.backfill_total or 0) - state.records_stored), speed)

    def search_request(low: int | None, top: int | None) -> tuple[Page, int]:
        group = [Filter(ID, "LT", str(low))] if low is not None else []
        group += [Filter(ID, "GT", str(top))] if top is not None else []
        return client.search_page(api, filter_groups=[group] if group else [], sorts=[(ID, "DESCENDING")],
                                  properties=properties, limit=SEARCH_PAGE)

    def tail() -> bool:
        """The list front alone reads the rest within ``TAIL`` seconds: the search pool is
        left free for the poll and the next table (a search page would wait for a slot
        and arrive after the list front)."""
        left = (state.backfill_total or 0) - state.records_stored
        return state.backfill_total is not None and left <= speed.list_pages * ctx.config.page_size * TAIL

    def finish() -> None:
        fronts.done = True
        state.finish_backfill(now_utc())
        forget(state)

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"backfill-{spec.name}")
    try:
        while True:
            go = not ctx.stop.is_set() and not fronts.met()
            reading = listing and list_affordable()
            list_next = go and reading and "list" not in pending.values()
            # the search's gate after the list's: its answer is what a backfill stopping here shows
            if (go and searching and "search" not in pending.values() and not (reading and tail())
                    and ctx.may_spend(1, True)):
                pending[pool.submit(search_request, fronts.search_low, fronts.list_top)] = "search"
            if list_next:
                pending[pool.submit(client.list_page, api, properties=list(properties),
                                    after=state.backfill_after, limit=ctx.config.page_size)] = "list"
            if not pending or fronts.met():
                # a request still waiting for its pool's slot when the fronts met would
                # only bring records already stored: the table goes on without it
                return state.backfill_done
            counting = [f for f, front in pending.items() if front == "search" and state.backfill_total is None]
            # until the count is known, the search front's first page is taken first (the list
            # front's first request runs meanwhile)
            wait(counting or pending, return_when=FIRST_COMPLETED)
            for future in sorted((f for f in pending if f.done()), key=lambda f: pending[f] != "search"):
                front = pending.pop(future)
                page, total = future.result() if front == "search" else (future.result(), None)
                if total is not None and state.backfill_total is None:   # the search front's first page
                    state.backfill_total = total
                    searching = ctx.config.backfill_pools == "search" or total >= MIN_RECORDS
                    ctx.checkpoint(state)          # the backfill's start, with its count
                    ctx.progress.start(spec.name, total, state.records_stored)
                if fronts.met():
                    continue                       # the other front finished meanwhile
                fresh = [r for r in page.results if fronts.new(r)]
                store(fresh)
                if front == "list":
                    state.backfill_after = page.after
                    if page.results:
                        fronts.list_top = max(int(r.id) for r in page.results)
                    if page.after is None:
                        finish()
                else:
                    if page.results:
                        fronts.search_low = min(int(r.id) for r in page.results)
                    if len(page.results) < SEARCH_PAGE:
                        finish()
                if fronts.met() and not state.backfill_done:
                    finish()
                fronts.save(state)
                ctx.checkpoint(state)
                ctx.progress.advance(len(fresh))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
