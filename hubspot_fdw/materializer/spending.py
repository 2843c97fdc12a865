"""Who spends the day's budget: counts the sync's calls into the planner (as backfill or
live work), answers the gate asked before each backfill page, poll, sweep chunk and
deletion listing (``Context.may_spend``), and shows a backfill that waits for the
budget in ``sync_state.last_error`` ("waiting: …", with the time it resumes).

Deliberately not here: the share's arithmetic (planner.py), the budget day
(budgetday.py), scheduling the tables (engine.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from hubspot_fdw.materializer import clock
from hubspot_fdw.materializer.budgetday import BudgetDay
from hubspot_fdw.materializer.context import Context, now_utc
from hubspot_fdw.materializer.planner import Planner
from hubspot_fdw.materializer.state import SyncState

log = logging.getLogger("hubspot_fdw.materializer.spending")

WAITING = "waiting:"  # sync_state.last_error of a backfill that waits for the daily budget


class Spending:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.planner: Planner | None = None
        self.budget_day = BudgetDay()
        self.accounted = 0                       # ctx.calls.total already counted in the planner
        self.backfill = False                    # whom the calls since then belong to
        self.slice_until: float | None = None    # the daemon's backfill gives way to polls at this time
        self.waiting_until: datetime | None = None  # a backfill waits for this budget day
        ctx.today = lambda: self.budget_day.day(now_utc())
        ctx.budget_zone = lambda: self.budget_day.zone_name if self.budget_day.from_portal else "UTC"
        ctx.may_spend = self.may_spend

    def account(self, bucket: bool = False) -> int:
        """Move the calls made since the last time into the planner; returns them."""
        planner, counter = self.planner, self.ctx.calls
        calls = counter.total - self.accounted
        self.accounted = counter.total
        if planner is None or calls <= 0:
            return max(0, calls)
        planner.spend(calls, backfill=self.backfill, bucket=bucket)
        if counter.daily_limit:
            planner.daily_limit = float(counter.daily_limit)
        if counter.daily_remaining is not None and counter.remaining_seen is not None:
            # HubSpot's own count of what is left today (all the portal's apps), less our calls since
            planner.hubspot_remaining = max(0, counter.daily_remaining - (counter.total - counter.remaining_seen))
        return calls

    def may_spend(self, calls: float, backfill: bool) -> bool:
        """The gate: may ``calls`` more calls start now (as backfill or live work)?"""
        planner = self.planner
        if planner is None:
            return True
        self.account()
        self.backfill = backfill
        if not backfill:
            return planner.live_affordable(calls)
        if self.slice_until is not None and clock.CLOCK.monotonic() >= self.slice_until:
            return False  # the daemon's turn for polls; the backfill goes on next step
        if not planner.backfill_affordable(calls):
            self.waiting_until = self.budget_day.next_reset(now_utc())
            return False
        self.waiting_until = None
        return True

    def seconds_to_next_day(self) -> float:
        return max(0.0, (self.budget_day.next_reset(now_utc()) - now_utc()).total_seconds())

    def note_wait(self, state: SyncState) -> None:
        """Show (or clear) in sync_state that the table's backfill waits for the daily budget."""
        waiting = not state.backfill_done and self.waiting_until is not None and state.phase != "failing"
        noted = (state.last_error or "").startswith(WAITING)
        if waiting and self.planner is not None and self.waiting_until is not None:
            planner = self.planner
            hubspot = ("" if planner.hubspot_remaining is None else
                       f", HubSpot counts {planner.hubspot_remaining:,} left for the whole portal")
            message = (f"{WAITING} today's API budget is used ({planner.spent_today:,} of "
                       f"{planner.allowed_per_day:,.0f} calls{hubspot}, {planner.held_for_live():,.0f} kept for "
                       f"polls); the backfill resumes at {self.budget_day.describe(self.waiting_until)}")
            if state.last_error != message:
                if not noted:
                    log.info("%s: backfill paused at its cursor: %s", state.table_name, message[len(WAITING) + 1:])
                state.last_error, state.last_error_at = message, now_utc()
                self.ctx.checkpoint(state)
        elif noted and (state.backfill_done or self.waiting_until is None):
            log.info("%s: backfill resumed", state.table_name)
            state.last_error = None
            self.ctx.checkpoint(state)
