"""The materializer inside a PostgreSQL background worker: ``run(server)``, called by
src/worker.c in a worker connected as the role that called ``hubspot_fdw.start_sync``.

The loop: while the server is marked (``hubspot_fdw.sync_servers``) and this worker holds
the server's lease, run the engine's step over the tables imported for the server
(``Materializer.run_step``: the tables that are due, one transaction per step, committed
through ``_hubspot_fdw_worker``), report it, sleep until the engine's next table is due
(at most ``hubspot_fdw.sync_max_poll_interval``). An error outside the engine's own per-table recording
is reported (``sync_workers.last_error``) and the loop goes on after a back-off that
doubles with each failure in a row (backoff.py), kept in ``hubspot_fdw.sync_worker_backoff``
so that a restarted worker waits too: every start counts as a failure until a pass
succeeds, so even a worker killed from outside cannot loop on restarts. SIGTERM
arrives as ``QueryCanceled`` (a BaseException: nothing here catches it). Returns why it
stopped; the C side then exits with code 0 (the postmaster does not restart it).
Deliberately not here: the sync logic (engine.py), signals and transactions (worker.c).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hubspot_fdw.api.budget import BudgetConfig
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.cache.runner import BackendRunner, SqlRunner
from hubspot_fdw.fdw.options import is_true
from hubspot_fdw.materializer import backoff
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.engine import Materializer
from hubspot_fdw.materializer.errors import describe
from hubspot_fdw.materializer.imported import imported_tables
from hubspot_fdw.materializer.lease import claim
from hubspot_fdw.materializer.serverconf import ServerConfig, read_server

log = logging.getLogger("hubspot_fdw.materializer.worker")

RETRY_SECONDS = 5.0  # pause after an error or while another process holds the lease


def _host() -> Any:
    import _hubspot_fdw_worker  # type: ignore[import-not-found]  # exists only in a sync worker
    return _hubspot_fdw_worker


class WorkerRunner(BackendRunner):
    """SPI in the worker's own transactions: commit/rollback end one and begin the next."""

    def commit(self) -> None:
        _host().commit()

    def rollback(self) -> None:
        _host().rollback()


@dataclass(frozen=True)
class WorkerSettings:
    """The hubspot_fdw.sync_* GUCs (pg_reload_conf() changes them)."""
    poll_interval: float
    max_poll_interval: float
    daily_share: float
    backfill_share: float

    def apply(self, config: SyncConfig) -> None:
        """Settings the engine reads on every step (its planner shares the config)."""
        config.poll_interval = self.poll_interval
        config.max_poll_interval = max(self.poll_interval, self.max_poll_interval)
        config.daily_share = self.daily_share


def read_settings(runner: SqlRunner) -> WorkerSettings:
    row = runner.execute("SELECT current_setting('hubspot_fdw.sync_poll_interval')::float8 AS poll, "
                         "current_setting('hubspot_fdw.sync_max_poll_interval')::float8 AS max_poll, "
                         "current_setting('hubspot_fdw.sync_daily_share')::float8 AS daily, "
                         "current_setting('hubspot_fdw.sync_backfill_share')::float8 AS share")[0]
    return WorkerSettings(float(row["poll"]), float(row["max_poll"]), float(row["daily"]), float(row["share"]))


def extension_present(runner: SqlRunner) -> bool:
    rows = runner.execute("SELECT to_regproc('hubspot_fdw._sync_worker_report') IS NOT NULL AS present")
    return bool(rows[0]["present"])


def report(runner: SqlRunner, server: str, passed: bool = False, error: str | None = None) -> bool:
    """Record this worker's state; False when the server is no longer marked."""
    rows = runner.execute("SELECT hubspot_fdw._sync_worker_report($1, $2, $3) AS marked",
                          [server, "true" if passed else "false", error])
    return bool(rows[0]["marked"])


def conf_key(conf: ServerConfig, tables: list[str]) -> tuple:
    """What the engine is built from: a change (token, URL, schema, imported tables) rebuilds it."""
    return conf.api_url, conf.access_token, conf.cache_schema, tuple(sorted(conf.options.items())), tuple(tables)


def build(runner: SqlRunner, conf: ServerConfig, settings: WorkerSettings) -> Materializer:
    use_budget = is_true(conf.options.get("use_budget"), default=True)
    defaults = BudgetConfig()
    budget = BudgetConfig(shares=(defaults.shares[0], defaults.shares[1], settings.backfill_share))
    client = HubSpotClient(conf.api_url, conf.access_token, use_budget=use_budget, budget=budget)
    config = SyncConfig(use_budget=use_budget, backfill_share=settings.backfill_share)
    settings.apply(config)
    # tables=None: exactly the foreign tables imported for the server
    return Materializer(client, runner, conf.server, conf.cache_schema, config=config)


class PostgresLogHandler(logging.Handler):
    """The materializer's warnings and errors as WARNINGs in the server log."""

    def __init__(self, server: str) -> None:
        super().__init__(logging.WARNING)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        from hubspot_fdw.host.log import WARNING, log_to_postgres
        try:
            log_to_postgres(f"hubspot_fdw sync of server \"{self.server}\": {record.getMessage()}", WARNING)
        except Exception:  # logging must never stop the sync
            pass


class _Idle(Exception):
    """Nothing to do this turn (today's share is spent); not a failure."""


def share_spent(runner: SqlRunner, server: str) -> bool:
    """Has the sync of ``server`` spent today's share (hubspot_fdw.sync_budget), as recorded
    by every worker before this one?"""
    rows = runner.execute(
        "SELECT b.calls_today >= b.allowed_per_day AS spent FROM hubspot_fdw.sync_budget b "
        "WHERE b.server_name = $1 AND b.allowed_per_day IS NOT NULL "
        "AND b.calls_day = hubspot_fdw._budget_today(b.budget_zone)", [server])
    return bool(rows and rows[0]["spent"])


def record_backoff(runner: SqlRunner, server: str, failures: int | None,
                   why: str | None = None) -> tuple[int, datetime | None]:
    """The server's worker back-off before this call (failures in a row, when it may try
    again); then records ``failures`` (None: unchanged) and its wait (backoff.py)."""
    if not runner.execute("SELECT to_regproc('hubspot_fdw._sync_worker_backoff') IS NOT NULL AS present")[0]["present"]:
        return 0, None  # the extension's schema predates the back-off
    seconds = backoff.delay(failures or 0)
    row = runner.execute("SELECT failures, retry_at FROM hubspot_fdw._sync_worker_backoff($1, $2, $3, $4)",
                         [server, None if failures is None else str(failures), repr(seconds), why])[0]
    return int(row["failures"] or 0), row["retry_at"]


def _wait_until(host: Any, runner: SqlRunner, server: str, retry: datetime | None, failures: int) -> None:
    """Before a start spends any call: wait out the back-off a previous worker left."""
    while retry is not None:
        left = (retry - datetime.now(timezone.utc)).total_seconds()
        if left <= 0:
            return
        report(runner, server, error=f"waiting: the sync worker failed {failures} time(s) in a row; "
                                     f"it tries again at {retry.strftime('%Y-%m-%d %H:%M:%S UTC')}")
        host.wait(min(left, 60.0))


def run(server: str) -> str:
    package_log = logging.getLogger("hubspot_fdw")
    package_log.addHandler(PostgresLogHandler(server))
    package_log.propagate = False
    runner = WorkerRunner()
    host = _host()
    settings = read_settings(runner)
    failures = 0
    counted = False
    engine: Materializer | None = None
    built_from: tuple = ()
    while True:
        delay = settings.poll_interval
        try:
            if not extension_present(runner):
                return "the extension was dropped"
            if not report(runner, server):
                return "the server is no longer marked for syncing"
            holder = claim(runner, server)
            runner.commit()
            if holder is not None:
                if holder.kind == "worker":
                    return f"the server is synced by {holder.description}"
                report(runner, server, error=f"waiting: server \"{server}\" is being synced by {holder.description}")
                delay = max(delay, RETRY_SECONDS)
            else:
                if not counted:
                    # this worker syncs the server: its start counts as a failure until a pass
                    # succeeds, so a worker that keeps dying (whatever kills it) waits longer at
                    # each start, and spends nothing meanwhile
                    counted = True
                    previous, retry = record_backoff(runner, server, None)
                    failures = previous + 1
                    record_backoff(runner, server, failures, "started; no pass has succeeded yet")
                    runner.commit()
                    _wait_until(host, runner, server, retry, previous)
                conf = read_server(runner, server)  # the token is read inside the database, every pass
                tables = imported_tables(runner, server)
                if engine is None or conf_key(conf, tables) != built_from:
                    engine = None
                    if is_true(conf.options.get("use_budget"), default=True) and share_spent(runner, server):
                        # building the engine reads the catalog: calls today's share no longer has
                        report(runner, server, error="waiting: today's API share of the sync is spent; "
                                                     "it goes on when the budget day turns")
                        delay = max(delay, settings.max_poll_interval)
                        raise _Idle()
                    engine = build(runner, conf, settings)
                    built_from = conf_key(conf, tables)
                    engine.record_calls()  # the catalog's calls count now, even if the worker dies next
                    runner.commit()
                settings.apply(engine.config)
                # the engine's own step: every table that is due; it says when the next one is
                delay = min(engine.run_step(), engine.config.max_poll_interval)
                report(runner, server, passed=True)
                if failures:
                    failures = 0
                    record_backoff(runner, server, 0)
        except _Idle:
            pass
        except Exception as exc:  # the worker's supervision boundary: record, back off, go on
            engine = None
            failures += 1
            delay = max(delay, RETRY_SECONDS, backoff.delay(failures))
            _recover(runner, server, exc, failures, delay)
        try:
            reloaded = host.wait(delay)
        except Exception as exc:  # the commit before the sleep failed: the step's work is rolled back
            engine, reloaded = None, False
            failures += 1
            _recover(runner, server, exc, failures, backoff.delay(failures))
        if reloaded:
            new = read_settings(runner)
            if engine is not None and new.backfill_share != settings.backfill_share:
                engine = None  # the client's budget shares are fixed at construction
            settings = new


def _recover(runner: SqlRunner, server: str, exc: BaseException, failures: int, delay: float) -> None:
    """After an error: roll back, log it, record it and the back-off; never raises."""
    reason = describe(exc)
    retry = datetime.now(timezone.utc) + timedelta(seconds=delay)
    try:
        runner.rollback()
        log.warning("%s", reason)
        record_backoff(runner, server, failures, reason[:500])
        report(runner, server, error=reason[:1800] + backoff.describe(failures, retry))
        runner.commit()
    except Exception as again:  # the database refuses too: the next loop tries again
        log.warning("could not record the error (%s)", describe(again))
