"""``hubspot-fdw sync``: run the materializer as a daemon (or ``--once``) for a server.

Reads api_url / cache_schema from the server and access_token from the current user's
user mapping. The database: ``--dsn``, else ``HUBSPOT_FDW_DSN``, else libpq's defaults
and ``PG*`` variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSERVICE).
SIGTERM/SIGINT stop it cleanly after the current checkpoint.
Deliberately not here: sync logic (engine.py).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import click

from hubspot_fdw.api.budget import BudgetConfig
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.cache.runner import PsycopgRunner
from hubspot_fdw.clierrors import connect_error, fail
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.engine import Materializer
from hubspot_fdw.materializer.imported import budget_directory
from hubspot_fdw.materializer.lease import claim, daemon_application_name
from hubspot_fdw.materializer.progress import Progress
from hubspot_fdw.materializer.serverconf import read_server

log = logging.getLogger("hubspot_fdw.materializer.cli")


@click.command("sync")
@click.option("--dsn", envvar="HUBSPOT_FDW_DSN", default="", show_envvar=True,
              help="libpq connection string of the database (default: libpq's PGHOST, PGPORT, "
                   "PGDATABASE, PGUSER, ... variables)")
@click.option("--server", default="hubspot", show_default=True, help="foreign server name")
@click.option("--once", is_flag=True, help="one pass over every table, then exit")
@click.option("--tables", default=None,
              help="comma-separated tables (default: the foreign tables imported for the server)")
@click.option("--poll-interval", type=float, default=SyncConfig.poll_interval, show_default=True,
              help="seconds between polls of a table that is changing")
@click.option("--max-poll-interval", type=float, default=SyncConfig.max_poll_interval, show_default=True,
              help="seconds between polls of an idle table (intervals grow from --poll-interval)")
@click.option("--daily-share", type=float, default=SyncConfig.daily_share, show_default=True,
              help="share of the portal's daily API limit the sync may spend, backfills included "
                   "(the day starts at midnight in the portal's time zone)")
@click.option("--lookback-ms", type=int, default=SyncConfig.lookback_ms, show_default=True,
              help="milliseconds each poll looks back before the previous one (HubSpot's index lag)")
@click.option("--index-lag-ms", type=int, default=SyncConfig.index_lag_allowance_ms, show_default=True,
              help="milliseconds allowed for HubSpot's search index lag (synced_through = poll start - this)")
@click.option("--sweep-interval", type=float, default=SyncConfig.sweep_interval, show_default=True,
              help="seconds between association sweeps (a safety net; stretched to fit the daily share)")
@click.option("--reconcile-interval", type=float, default=SyncConfig.reconcile_interval, show_default=True,
              help="seconds between full id diffs (a safety net; a drop in HubSpot's record count triggers one at once)")
@click.option("--metadata-interval", type=float, default=SyncConfig.metadata_interval, show_default=True,
              help="seconds between property, owner and pipeline refreshes")
@click.option("--summary-interval", type=float, default=SyncConfig.summary_interval, show_default=True,
              help="seconds between the daemon's one-line summaries (calls today, cost, lag) in its log; 0: none")
@click.option("--no-budget", is_flag=True, help="do not pace with the shared rate budget (tests)")
@click.option("--budget-window-scale", type=float, default=1.0, show_default=True,
              help="multiply the budget's windows (for a simulator with a shrunk time scale)")
@click.option("--backfill-share", type=float, default=SyncConfig.backfill_share, show_default=True,
              help="share of each 10-second window's usable rate budget the backfill may fill: its speed, "
                   "not a daily amount (it still yields to waiting interactive callers)")
@click.option("--backfill-pools", type=click.Choice(["both", "list", "search"]), default="both", show_default=True,
              help="object backfills read list pages (100 records, standard rate pool) and search pages "
                   "(200 records, search pool) at once, or only one of them")
@click.option("--progress", type=click.Choice(["auto", "bar", "log", "off"]), default="auto", show_default=True)
@click.option("--max-seconds", type=float, default=None, help="stop the daemon after this many seconds")
@click.option("-v", "--verbose", count=True)
def sync(dsn: str, server: str, once: bool, tables: str | None, poll_interval: float, max_poll_interval: float,
         daily_share: float, lookback_ms: int,
         index_lag_ms: int, sweep_interval: float, reconcile_interval: float, metadata_interval: float,
         summary_interval: float, no_budget: bool, budget_window_scale: float, backfill_share: float, backfill_pools: str,
         progress: str, max_seconds: float | None,
         verbose: int) -> None:
    """Keep the cache tables of SERVER in step with HubSpot."""
    import psycopg2

    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        log.info("signal %d: stopping after the current checkpoint", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        conn = psycopg2.connect(dsn, application_name=daemon_application_name())
    except psycopg2.Error as error:
        raise connect_error(error) from None
    runner = PsycopgRunner(conn)
    try:
        conf = read_server(runner, server)
        conn.commit()
        holder = claim(runner, server)  # one sync per server: worker or daemon (lease.py)
        conn.commit()
        if holder is not None:
            raise click.ClickException(f'server "{server}" is being synced by {holder.description}')
        defaults = BudgetConfig()
        shares = (defaults.shares[0], defaults.shares[1], min(1.0, max(0.05, backfill_share)))
        budget = BudgetConfig(standard_window=10.0 * budget_window_scale,
                              search_window=1.0 * budget_window_scale, shares=shares,
                              directory=budget_directory(runner))
        conn.commit()
        client = HubSpotClient(conf.api_url, conf.access_token, use_budget=not no_budget, budget=budget)
        config = SyncConfig(poll_interval=poll_interval, max_poll_interval=max(poll_interval, max_poll_interval),
                            daily_share=min(1.0, max(0.001, daily_share)), lookback_ms=lookback_ms,
                            index_lag_allowance_ms=index_lag_ms, sweep_interval=sweep_interval,
                            reconcile_interval=reconcile_interval, metadata_interval=metadata_interval,
                            summary_interval=summary_interval, use_budget=not no_budget, backfill_share=backfill_share,
                            backfill_pools=backfill_pools)
        names = [t for t in tables.split(",") if t.strip()] if tables else None  # None: the imported tables
        try:
            materializer = Materializer(client, runner, server, conf.cache_schema, tables=names, config=config,
                                        progress=Progress(progress), stop=stop)
        except KeyError as exc:  # the catalog's lookup of a --tables name that is no HubSpot type
            raise fail(f"unknown table in --tables: {exc.args[0] if exc.args else exc}",
                       "use the table names IMPORT FOREIGN SCHEMA creates (contacts, deals, "
                       "associations_company_contact, ...)") from None
        conn.commit()
        if once:
            results = materializer.run_once()
            failing = [n for n, s in results.items() if s.phase == "failing"]
            summary = materializer.summary()
            if summary is not None:
                log.info("%s", summary.line())
            if failing:
                raise click.ClickException(f"failing: {', '.join(failing)}")
        else:
            materializer.run_forever(max_seconds)
        log.info("stopped")
    except HubSpotFdwError as exc:
        raise fail(str(getattr(exc, "message", exc)), getattr(exc, "hint", None)) from None
    except psycopg2.Error as exc:
        raise fail(f"PostgreSQL: {exc}") from None
    finally:
        conn.close()
