"""The materializer: choose tables, create/evolve cache tables, run passes.

A pass over one table = finish its backfill (checkpointed per page), then one live step,
both its kind's strategy's (strategies/: objects poll, associations sweep when due,
owners/pipelines re-read when due, property history follows the object cache); the
engine never tests a table's kind, it asks the strategy chosen once per table. A
failing table is recorded in sync_state (phase ``failing``, last_error with its next
attempt) and the others go on; the daemon tries it again after a back-off that doubles
with each failure in a row (backoff.py). The daemon (``run_step`` / ``run_forever``)
polls each polled table (objects) when the planner says it is due and the daily
share affords it; ``run_once`` runs every table once (every backfill first, then the
live steps, so no backfill waits for another table's poll). Before any pass the cache
schema's portal stamp is checked (portal.py), which also gives the portal's time zone:
the budget day (budgetday.py) runs from the portal's midnight, when HubSpot resets its
daily counter. Every call of the sync counts against the day's share (planner.py):
backfill pages, polls, sweep chunks and deletion listings ask first (spending.py), and
a backfill that the day cannot afford waits, at its cursor, for the next budget day. In
the daemon a backfill gives way to due polls every ``backfill_slice`` seconds.

Deliberately not here: what each kind of table does (strategies/), the command line
(cli.py), SQL entry points (sql_api.py).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Iterable, Mapping, Sequence

from hubspot_fdw.api.budget import Priority
from hubspot_fdw.api.calls import Tally
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.models import PropertyDefinition
from hubspot_fdw.api.recording import RecordingClient
from hubspot_fdw.cache.runner import SqlRunner
from hubspot_fdw.catalog.build import Catalog, build_catalog
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.fdw import drift
from hubspot_fdw.fdw.options import is_true
from hubspot_fdw.materializer import backoff, clock, portal, strategies
from hubspot_fdw.materializer.budgetday import for_zone
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.context import Context, now_utc
from hubspot_fdw.materializer.errors import describe
from hubspot_fdw.materializer.imported import served_tables
from hubspot_fdw.materializer.planner import DAY, Planner
from hubspot_fdw.materializer.progress import Progress
from hubspot_fdw.materializer.report import Summary
from hubspot_fdw.materializer.spending import Spending
from hubspot_fdw.materializer.state import SyncState, record_plan, record_server_calls, server_budget
from hubspot_fdw.materializer.store import CacheStore
from hubspot_fdw.materializer.strategies import Strategy

log = logging.getLogger("hubspot_fdw.materializer.engine")


def select_tables(catalog: Catalog, names: Iterable[str] | None) -> dict[str, TableSpec]:
    if names is None:
        chosen = list(catalog.tables.values())
    else:
        wanted = [n.strip() for n in names if n.strip()]
        unknown = [n for n in wanted if n not in catalog.tables]
        if unknown:
            raise HubSpotFdwError(f"unknown table(s): {', '.join(unknown)}", sqlstate="42P01",
                                  hint="Valid tables: " + ", ".join(catalog.tables))
        chosen = [catalog.tables[n] for n in wanted]
    chosen.sort(key=lambda s: (strategies.for_spec(s).order, s.name))
    return {s.name: s for s in chosen}


def catalog_types(names: Iterable[str] | None) -> list[str] | None:
    """Object types whose properties a run needs (each table's strategy says which)."""
    return strategies.catalog_types(names)


class Materializer:
    def __init__(self, client: HubSpotClient, runner: SqlRunner, server: str, schema: str, *,
                 tables: Iterable[str] | None = None, config: SyncConfig | None = None,
                 catalog: Catalog | None = None, progress: Progress | None = None,
                 stop: threading.Event | None = None, reraise: bool = False) -> None:
        self.config = config or SyncConfig()
        # default: exactly the foreign tables imported for the server that this sync may serve
        # (imported.py); one it cannot serve or resolve is skipped and reported (skipped)
        self.skipped: dict[str, str] = {}
        if tables is not None:
            names = list(tables)
        else:
            served = served_tables(runner, server)
            names, self.skipped = served.names, dict(served.skipped)
        calls = Tally(client.transport.calls)   # the transport counts; nothing is hooked
        # properties the catalog listed just now: the first refresh follows them (no call)
        self._listed: Mapping[str, Sequence[PropertyDefinition]] | None = None
        if catalog is None:
            schemas = client.list_schemas()
            if tables is None:
                names = self._resolvable(names, Registry.from_schemas(schemas))
            listings = RecordingClient(client)
            catalog = build_catalog(listings, only=catalog_types(names), schemas=schemas)  # type: ignore[arg-type]
            self._listed = listings.properties
        if tables is None:
            for name in [n for n in names if n not in catalog.tables]:
                names.remove(name)
                self.skipped[name] = f"not synced: no HubSpot table is named {name!r}"
        self.reraise = reraise
        self.ctx = Context(
            client_backfill=client.with_priority(Priority.BACKFILL),
            client_live=client.with_priority(Priority.INCREMENTAL),
            runner=runner, store=CacheStore(runner, server, schema), server=server, schema=schema,
            config=self.config, catalog=catalog, specs=select_tables(catalog, names),
            progress=progress or Progress("off"), calls=calls, stop=stop or threading.Event())
        self._metadata_at: float | None = None
        self._portal_checked = False
        self.spending = Spending(self.ctx)  # the day's budget: counting, the gate, waits shown
        # each table's strategy, chosen once (its kind does not change when its columns do)
        self.strategies: dict[str, Strategy] = {n: strategies.for_spec(s) for n, s in self.specs.items()}
        self._changed: dict[str, int] = {}  # records the last live step of a polled table changed
        self._last_calls = 0
        self._columns_seen: dict[str, set[str]] = {}  # cache columns after the last property refresh
        self._summary_at: float | None = None

    def record_calls(self) -> None:
        """Count the calls made so far (the catalog) in sync_budget now, as the checkpoints
        do, so that they survive a restart; the planner reads them back from there."""
        ctx = self.ctx
        calls = ctx.calls.take()
        if calls and self.spending.planner is None:
            record_server_calls(ctx.runner, ctx.server, calls, self.spending.budget_day.day(now_utc()),
                                ctx.calls.daily_limit, ctx.calls.daily_remaining, self.config.daily_share,
                                ctx.budget_zone())
            self.spending.accounted = ctx.calls.total
        else:
            ctx.calls_pending += calls

    def _resolvable(self, names: list[str], registry: Registry) -> list[str]:
        """The names whose object types the portal has; the others go to ``skipped``."""
        kept = []
        for name in names:
            try:
                for type_name in catalog_types([name]) or []:
                    registry.get(type_name)
                kept.append(name)
            except KeyError as exc:
                self.skipped[name] = (f"not synced: {exc.args[0]}; check the table and object_type options "
                                      "of its foreign table")
        return kept

    def _report_skipped(self) -> None:
        """Each skipped table on its own sync_status row (failing, with the reason), once."""
        for name, reason in self.skipped.items():
            state = self.ctx.state(name)
            if state.phase == "failing" and state.last_error == reason:
                continue
            state.phase = "failing"
            state.last_error = reason
            state.last_error_at = now_utc()
            log.warning("%s: %s", name, reason)
            self.ctx.checkpoint(state)

    @property
    def planner(self) -> Planner | None:
        return self.spending.planner

    @property
    def specs(self) -> dict[str, TableSpec]:
        return self.ctx.specs

    def prepare(self) -> None:
        """Check the cache's portal stamp (once), create or evolve every synced cache table."""
        if not self._portal_checked:
            details = portal.check(self.ctx.runner, self.ctx.server, self.ctx.schema, self.ctx.client_live)
            self.spending.budget_day = for_zone(details.time_zone)
            self._portal_checked = True
            self._report_skipped()
        for spec in self.specs.values():
            self.ctx.store.ensure(spec)
        self.ctx.runner.commit()

    def _cache_columns(self, spec: TableSpec) -> set[str]:
        from hubspot_fdw.cache import existing_columns_sql
        return {r["column_name"] for r in self.ctx.runner.execute(existing_columns_sql(),
                                                                   [self.ctx.schema, spec.name])}

    def _drifted(self) -> bool:
        """True when a cache table gained columns since the last property refresh (IMPORT
        added a property). Columns of properties deleted in HubSpot stay (ddl.py) and are
        no drift: comparing with the refresh's own view keeps them from asking again."""
        for spec in self.specs.values():
            if (self.strategies[spec.name].follows_properties
                    and self._cache_columns(spec) - self._columns_seen.get(spec.name, set())):
                return True
        return False

    @property
    def _add_new_columns(self) -> bool:
        """The server option add_new_columns (default on)."""
        rows = self.ctx.runner.execute("SELECT srvoptions FROM pg_catalog.pg_foreign_server WHERE srvname = $1",
                                       [self.ctx.server])
        options = dict(o.partition("=")[::2] for o in (rows[0]["srvoptions"] or [])) if rows else {}
        return is_true(options.get("add_new_columns"), default=True)

    def refresh_properties(self, listed: Mapping[str, Sequence[PropertyDefinition]] | None = None) -> None:
        """New HubSpot properties become new columns of the cache table (no resync: values
        arrive as records change) and, with add_new_columns, of the foreign tables.
        ``listed``: properties already listed (by API path), followed without a call."""
        follow = self._add_new_columns
        for name, spec in list(self.specs.items()):
            strategy = self.strategies[name]
            refreshed = strategy.refreshed(self.ctx, spec, listed) if strategy.follows_properties else None
            if refreshed is None:
                continue
            new, props = refreshed.spec, refreshed.properties
            if new.column_names != spec.column_names:
                added = self.ctx.store.ensure(new)
                self.specs[name] = new
                if added:
                    log.info("%s: new column(s) %s", name, ", ".join(added))
            if follow:  # the foreign tables follow, from the same listing
                drift.follow(self.ctx.runner, self.ctx.server, new, props)
            self._columns_seen[name] = self._cache_columns(self.specs[name])
        self.ctx.runner.commit()

    # -- one table ----------------------------------------------------------------------
    def run_table(self, name: str, live: bool = True) -> SyncState:
        """One pass (``live`` False: the backfill only; a table backfilled before is left as is)."""
        spec = self.specs[name]
        ctx = self.ctx
        state = ctx.state(name)
        started = now_utc()
        state.last_poll_at = started
        try:
            complete = self._pass(spec, state, live)
            if complete:
                state.phase = "live"
                state.consecutive_failures = 0
                state.last_success_at = started
                state.synced_through = started - timedelta(milliseconds=self.config.index_lag_allowance_ms)
                state.records_stored = ctx.store.count(spec)
            ctx.checkpoint(state)
        except (HubSpotFdwError, OSError) as exc:
            self._failed(name, exc)
        except Exception as exc:  # the daemon's supervision boundary: record, go on
            log.exception("%s: unexpected error", name)
            self._failed(name, exc)
        return ctx.state(name)

    def _failed(self, name: str, exc: BaseException) -> None:
        if self.reraise:
            raise exc
        ctx = self.ctx
        rollback = getattr(ctx.runner, "rollback", None)
        if rollback:
            rollback()
        state = ctx.state(name)
        state.phase = "failing"
        state.consecutive_failures += 1
        state.last_error_at = now_utc()
        retry = backoff.retry_at(state.consecutive_failures, state.last_error_at)
        state.last_error = (describe(exc)[:1800]
                            + backoff.describe(state.consecutive_failures, retry or state.last_error_at))
        state.last_poll_at = now_utc()
        log.warning("%s: pass failed (%s)", name, state.last_error)
        ctx.checkpoint(state)

    def _pass(self, spec: TableSpec, state: SyncState, live: bool = True) -> bool:
        """The backfill until done, then (in the same pass if the strategy says so and
        ``live``) a live step; False when the pass did not get to its end."""
        strategy = self.strategies[spec.name]
        if not state.backfill_done:
            if not strategy.backfill(self.ctx, spec, state):
                return False
            if not strategy.live_after_backfill:
                return True
        if not live:
            return False
        changed = strategy.live(self.ctx, spec, state, self.planner)
        if changed is None:
            return False
        self._changed[spec.name] = changed
        return True

    # -- costs ---------------------------------------------------------------------------
    def _fixed_costs(self) -> dict[str, float]:
        """Calls a day of each table's live work besides polls, and of the property listings."""
        costs = {name: self.strategies[name].daily_cost(self.ctx, spec, self.planner)
                 for name, spec in self.specs.items()}
        costs["(properties)"] = self._property_listings() * DAY / max(1.0, self.config.metadata_interval)
        return costs

    def _property_listings(self) -> int:
        """Calls of one property refresh: one listing per table whose columns follow properties."""
        return sum(1 for name in self.specs if self.strategies[name].follows_properties)

    # -- many tables --------------------------------------------------------------------
    def _refresh_properties_if_due(self) -> None:
        now = clock.CLOCK.monotonic()
        if self._listed is not None:  # the catalog listed them at start: follow those, no calls
            listed, self._listed = self._listed, None
            self._metadata_at = now
            try:
                self.refresh_properties(listed)
            except HubSpotFdwError as exc:
                log.warning("property refresh failed: %s", exc)
            return
        if (self._metadata_at is None or now - self._metadata_at >= self.config.metadata_interval
                or self._drifted()):
            if not self.spending.may_spend(self._property_listings(), False):
                return  # today's share is spent: the next budget day refreshes them
            self._metadata_at = now
            try:
                self.refresh_properties()
            except HubSpotFdwError as exc:
                log.warning("property refresh failed: %s", exc)

    def run_once(self) -> dict[str, SyncState]:
        self.prepare()
        self._plan()
        self._refresh_properties_if_due()
        # every backfill first, then the live steps: a table's poll would otherwise wait in
        # the search pool the backfills keep busy while the next table's backfill could run
        results = {}
        for name in [n for n in self.specs if not self.ctx.state(n).backfill_done]:
            if self.ctx.stop.is_set():
                break
            results[name] = self._run_counted(name, live=False)
        for name in list(self.specs):
            if self.ctx.stop.is_set():
                break
            done = results.get(name)
            if done is None or (done.backfill_done and self.strategies[name].live_after_backfill):
                results[name] = self._run_counted(name)
        self.spending.account()
        self._record_plan()
        self.ctx.runner.commit()
        return results

    # -- the day's budget ----------------------------------------------------------------
    def _plan(self) -> Planner:
        spending = self.spending
        today = spending.budget_day.day(now_utc())
        if spending.planner is None:
            self._day = today
            spent, limit = server_budget(self.ctx.runner, self.ctx.server, today)
            self.ctx.runner.commit()
            # calls made before (the catalog, the portal check) are counted at the next account()
            spending.planner = Planner(self.config, clock.CLOCK.monotonic(), daily_limit=limit, spent_today=spent)
        elif today != self._day:
            spending.account()
            self._day = today
            spending.planner.new_day()
            spending.waiting_until = None
        return spending.planner

    def _run_counted(self, name: str, bucket: bool = False, live: bool = True) -> SyncState:
        """One table's pass with its calls counted (backfill or live) and a backfill's wait shown."""
        state = self.ctx.state(name)
        self.spending.account()
        self.spending.backfill = not state.backfill_done
        state = self.run_table(name, live)
        calls = self.spending.account(bucket)
        self.spending.note_wait(state)
        self._last_calls = calls
        return state

    def run_step(self) -> float:
        """Run every table that is due (and affordable); returns seconds until the next is due."""
        self.prepare()
        planner = self._plan()
        self._refresh_properties_if_due()
        self.spending.account()
        ctx = self.ctx
        planner.backfilling = any(not ctx.state(n).backfill_done for n in self.specs)
        planner.clamp_intervals()
        backing_off: dict[str, float] = {}  # failing tables: seconds until their next attempt
        for name in list(self.specs):
            if ctx.stop.is_set():
                break
            now = clock.CLOCK.monotonic()
            state = ctx.state(name)
            wait = self._backoff_left(state)
            if wait > 0:
                backing_off[name] = wait
                continue
            polling = self.strategies[name].polled and state.backfill_done
            if polling:
                plan = planner.table(name, now)
                if plan.next_at > now or not planner.affordable(now, plan.calls_per_poll):
                    continue
            elif state.backfill_done and not planner.live_affordable(1):
                continue
            self._changed.pop(name, None)
            self.spending.slice_until = None if state.backfill_done else now + self.config.backfill_slice
            try:
                state = self._run_counted(name, bucket=polling)
            finally:
                self.spending.slice_until = None
            calls = self._last_calls
            if not planner.tables:  # the first step (backfills): sync_status shows a cost from the start
                self._record_plan()
                ctx.runner.commit()
            if polling:
                changed = self._changed.get(name, 0)
                plan = planner.polled(name, clock.CLOCK.monotonic(), changed, calls)
                log.debug("%s: polled, %d changed, %d call(s); next in %.1f s (tokens %.0f)", name,
                          changed, calls, plan.interval, planner.tokens)
                ctx.runner.execute("UPDATE hubspot_fdw.sync_state SET poll_interval = $3, projected_per_day = $4 "
                                   "WHERE server_name = $1 AND table_name = $2",
                                   [ctx.server, name, plan.interval, int(plan.per_day() * planner.pace_factor())])
        self._record_plan()
        ctx.runner.commit()
        now = clock.CLOCK.monotonic()
        until_reset = self.spending.seconds_to_next_day()
        waits = [self.config.max_poll_interval]
        for name, plan in planner.tables.items():
            wait = plan.next_at - now
            if planner.tokens < plan.calls_per_poll:
                wait = max(wait, planner.wait_for_tokens(now, plan.calls_per_poll))
            if planner.left_today() < plan.calls_per_poll:  # the day's share is spent
                wait = max(wait, until_reset)
            waits.append(max(wait, backing_off.get(name, 0.0)))
        waits.extend(backing_off.values())
        if any(not ctx.state(n).backfill_done for n in self.specs if n not in backing_off):
            if self.spending.waiting_until is None:
                waits.append(0.0)
            else:  # out of today's budget: the next budget day (or a raised share) lets it go on
                waits.append(until_reset)
        return max(0.0, min(waits))

    def _polled_tables(self) -> list[str]:
        return [n for n in self.specs if self.strategies[n].polled]

    def _record_plan(self) -> None:
        """The server's cost in sync_budget: paced projection, allowed share, steady state. After a
        single pass (no poll timed yet) the projection is the steady state, and so are the
        per-table figures not set by a poll."""
        planner, ctx = self.planner, self.ctx
        if planner is None:
            return
        planner.fixed_per_day = self._fixed_costs()
        projected, steady = self._projection(planner)
        if not planner.tables:
            for name in self._polled_tables():
                ctx.runner.execute("UPDATE hubspot_fdw.sync_state SET projected_per_day = $3 "
                                   "WHERE server_name = $1 AND table_name = $2 AND backfill_done",
                                   [ctx.server, name, int(planner.steady_per_table(name))])
        record_plan(ctx.runner, ctx.server, projected, int(planner.allowed_per_day), steady,
                    self.config.daily_share)

    def _projection(self, planner: Planner) -> tuple[int, int]:
        """(paced calls per day, steady-state calls per day); before any poll, both the steady state."""
        steady = planner.steady_per_day(self._polled_tables())
        return (planner.projected_per_day() if planner.tables else steady), steady

    def summary(self) -> Summary | None:
        """The server's state in one line's worth (calls today, cost, tables, lag)."""
        planner = self.planner
        if planner is None:
            return None
        projected, steady = self._projection(planner)
        return Summary(self.ctx.server, planner.spent_today, int(planner.allowed_per_day), projected, steady,
                       [self.ctx.state(n) for n in self.specs], now_utc())

    def _log_summary_if_due(self) -> None:
        every = self.config.summary_interval
        now = clock.CLOCK.monotonic()
        if every <= 0 or (self._summary_at is not None and now - self._summary_at < every):
            return
        self._summary_at = now
        summary = self.summary()
        self.ctx.runner.commit()
        if summary is not None:
            log.info("%s", summary.line())

    def _backoff_left(self, state: SyncState) -> float:
        """Seconds a failing table still waits before its next attempt (backoff.py)."""
        if state.phase != "failing":
            return 0.0
        retry = backoff.retry_at(state.consecutive_failures, state.last_error_at)
        return 0.0 if retry is None else max(0.0, (retry - now_utc()).total_seconds())

    def run_forever(self, max_seconds: float | None = None) -> None:
        deadline = None if max_seconds is None else clock.CLOCK.monotonic() + max_seconds
        while not self.ctx.stop.is_set():
            wait = self.run_step()
            self._log_summary_if_due()
            if deadline is not None and clock.CLOCK.monotonic() >= deadline:
                return
            wait = min(wait, self.config.max_poll_interval)
            if self.config.summary_interval > 0 and self._summary_at is not None:  # wake for the next summary
                wait = min(wait, max(0.0, self._summary_at + self.config.summary_interval - clock.CLOCK.monotonic()))
            clock.CLOCK.sleep(wait, self.ctx.stop)
