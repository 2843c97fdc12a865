"""The sync's plan: when each table is polled, and what the plan costs per day.

- Adaptive intervals: a table is polled again after ``quiet_factor`` times the time
  since its last change, within [``poll_interval``, ``max_poll_interval``]: a table that
  changed a minute ago is polled every few seconds, one quiet for ten minutes or more
  every ``max_poll_interval`` (idle tables cost ~86,400 / max_poll_interval calls a
  day each).
- The daily share: the sync may spend ``daily_share`` of the portal's daily limit
  (HubSpot's ``X-HubSpot-RateLimit-Daily``; ``assumed_daily_limit`` until it is seen).
  A token bucket refills at that share spread over the day (capacity: an hour of it,
  so bursts of activity are served fast and paid back by quiet time); when it is
  half empty, intervals are stretched to what the share sustains, and a poll that
  would overdraw it waits. Calls already spent today (from ``sync_budget``) count, and
  never exceed the share.
- One day, one share for everything: backfills, polls, deletion checks, sweeps and
  metadata all count in ``spent_today`` and none may start a call that would take it
  past the share (nor past what HubSpot's ``X-HubSpot-RateLimit-Daily-Remaining`` says
  is left today). Backfills are not paced by the bucket, only by the day: they may use
  the share less a reserve kept for the live work of tables already backfilled
  (``live_reserve``: a quarter of the share, or the live plan's projected calls per day
  if more, at most half of the share); the reserve is held only as far as live work has
  not spent it yet, and while a backfill runs the bucket spreads that reserve (not the
  whole share) over the day, so polls go on until midnight. A backfill that reaches
  its part waits for the next budget day.
- Projection: calls per day at the current intervals, as the share paces them (never
  above ``allowed_per_day``: a plan that would cost more has its intervals stretched),
  per table and in total; beside it the steady state, every polled table quiet (polled
  every ``max_poll_interval``), where a plan settles once changes stop.

Deliberately not here: running polls (engine.py, objects.py), counting HTTP calls
(the transport's call count, api/calls.py), the per-10 s budget (api/budget.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from hubspot_fdw.materializer.config import SyncConfig

DAY = 86_400.0
BUCKET_SECONDS = 3600.0
LIVE_RESERVE_MIN = 0.25  # of the share, kept for live work while a backfill runs ...
LIVE_RESERVE_MAX = 0.50  # ... at most this, even when the live plan projects more


@dataclass
class TablePlan:
    interval: float
    next_at: float
    calls_per_poll: float = 1.0
    changed_at: float | None = None

    def per_day(self) -> float:
        return DAY / max(self.interval, 1e-3) * self.calls_per_poll


@dataclass
class Planner:
    config: SyncConfig
    now: float
    daily_limit: float | None = None
    spent_today: int = 0
    backfill_spent: int = 0            # the part of spent_today that backfills spent
    hubspot_remaining: int | None = None  # today's Daily-Remaining, less our calls since
    backfilling: bool = False          # a table's backfill is not done: polls are paced to the reserve
    tables: dict[str, TablePlan] = field(default_factory=dict)
    fixed_per_day: dict[str, float] = field(default_factory=dict)  # sweeps, reconciliations

    def __post_init__(self) -> None:
        self.tokens = min(self.capacity, max(0.0, self.allowed_per_day - self.spent_today))
        self._filled_at = self.now

    # -- the daily share ---------------------------------------------------------------
    @property
    def limit(self) -> float:
        return self.daily_limit or float(self.config.assumed_daily_limit)

    @property
    def allowed_per_day(self) -> float:
        return self.limit * self.config.daily_share

    @property
    def paced_per_day(self) -> float:
        """What the bucket spreads over a day: the share, or while a backfill runs the live reserve."""
        return self.live_reserve() if self.backfilling else self.allowed_per_day

    @property
    def capacity(self) -> float:
        return max(10.0, self.paced_per_day * BUCKET_SECONDS / DAY)

    @property
    def rate(self) -> float:
        """Calls per second the bucket refills (the paced calls, less the capacity, over a day)."""
        return max(self.paced_per_day - self.capacity, self.paced_per_day * 0.5) / DAY

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self._filled_at) * self.rate)
        self._filled_at = now

    def spend(self, calls: int, *, backfill: bool = False, bucket: bool = True) -> None:
        """Count calls made today; polls (``bucket``) also draw from the bucket."""
        if bucket:
            self.tokens -= calls
        self.spent_today += calls
        if backfill:
            self.backfill_spent += calls
        if self.hubspot_remaining is not None:
            self.hubspot_remaining = max(0, self.hubspot_remaining - calls)

    def new_day(self) -> None:
        self.spent_today = 0
        self.backfill_spent = 0
        self.hubspot_remaining = None

    def left_today(self) -> float:
        """Calls the sync may still make today: the share's rest, within HubSpot's own count."""
        left = self.allowed_per_day - self.spent_today
        if self.hubspot_remaining is not None:
            left = min(left, self.hubspot_remaining)
        return left

    def live_reserve(self) -> float:
        """Calls a day kept for polls, deletion checks and sweeps while a backfill runs."""
        share = self.allowed_per_day
        return min(LIVE_RESERVE_MAX * share, max(LIVE_RESERVE_MIN * share, self.projected_live()))

    def held_for_live(self) -> float:
        """The part of the reserve that live work has not spent yet today."""
        return max(0.0, self.live_reserve() - (self.spent_today - self.backfill_spent))

    def backfill_left(self) -> float:
        """Calls backfills may still make today."""
        return self.left_today() - self.held_for_live()

    def backfill_affordable(self, cost: float = 1.0) -> bool:
        return self.backfill_left() >= cost

    def live_affordable(self, cost: float = 1.0) -> bool:
        """Live work other than polls (sweeps, deletion listings, metadata): the day's rest."""
        return self.left_today() >= cost

    def affordable(self, now: float, cost: float = 1.0) -> bool:
        self.refill(now)
        return self.tokens >= cost and self.left_today() >= cost

    def wait_for_tokens(self, now: float, cost: float = 1.0) -> float:
        """Seconds until the bucket holds ``cost`` calls."""
        self.refill(now)
        return max(0.0, (cost - self.tokens) / self.rate) if self.rate > 0 else DAY

    # -- intervals ----------------------------------------------------------------------
    def table(self, name: str, now: float) -> TablePlan:
        plan = self.tables.get(name)
        if plan is None:
            plan = self.tables[name] = TablePlan(self.config.poll_interval, now)
        return plan

    def clamp_intervals(self) -> None:
        """A lowered ``max_poll_interval`` (a reload) applies at once, not after the old interval."""
        longest = self.config.max_poll_interval
        for plan in self.tables.values():
            if plan.interval > longest:
                plan.next_at = min(plan.next_at, plan.next_at - plan.interval + longest)
                plan.interval = longest

    def polled(self, name: str, now: float, changed: int, calls: int) -> TablePlan:
        """Record one poll: shrink the interval on changes, stretch it when quiet."""
        plan = self.table(name, now)
        plan.calls_per_poll = 0.8 * plan.calls_per_poll + 0.2 * max(1, calls)
        if changed or plan.changed_at is None:
            plan.changed_at = now
        quiet = now - plan.changed_at
        plan.interval = min(self.config.max_poll_interval,
                            max(self.config.poll_interval, quiet * self.config.quiet_factor))
        if self.tokens < self.capacity / 2:  # the burst allowance is spent: pace to the share
            plan.interval = max(plan.interval, self._floor())
        plan.next_at = now + plan.interval
        return plan

    def _floor(self) -> float:
        """The shortest interval the daily share sustains for every polled table at once."""
        n = max(1, len(self.tables))
        per_poll = sum(p.calls_per_poll for p in self.tables.values()) / n if self.tables else 1.0
        budget = self.rate * DAY - sum(self.fixed_per_day.values())
        if budget <= 0:
            return self.config.max_poll_interval
        return min(self.config.max_poll_interval, DAY * n * per_poll / budget)

    def projected_live(self) -> float:
        return sum(p.per_day() for p in self.tables.values()) + sum(self.fixed_per_day.values())

    def projected_per_day(self) -> int:
        """Calls a day at the current intervals, as paced: never above the allowed share."""
        return int(round(min(self.projected_live(), self.allowed_per_day)))

    def pace_factor(self) -> float:
        """How far the share scales the current intervals' cost down (1: it affords them)."""
        live = self.projected_live()
        return 1.0 if live <= self.allowed_per_day or live <= 0 else self.allowed_per_day / live

    def steady_per_table(self, name: str) -> float:
        """Calls a day of one polled table once it is quiet (polled every ``max_poll_interval``)."""
        plan = self.tables.get(name)
        return DAY / max(self.config.max_poll_interval, 1e-3) * (plan.calls_per_poll if plan else 1.0)

    def steady_per_day(self, polled: Iterable[str]) -> int:
        """Calls a day once every polled table is quiet, fixed costs included, within the share."""
        total = sum(self.steady_per_table(n) for n in polled) + sum(self.fixed_per_day.values())
        return int(round(min(total, self.allowed_per_day)))
