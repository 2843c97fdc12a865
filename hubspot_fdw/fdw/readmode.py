"""Which path a scan takes: the session GUC ``hubspot_fdw.read_mode`` (unless
``default``), else the table/server option; ``auto`` means the cache once the
materializer has finished this table's backfill (``hubspot_fdw.sync_state``),
live before. The reason shown in EXPLAIN says which of these held: no cache connection
(upstream Multicorn2 without cache_dsn), no sync state (database not set up), backfill
not finished, cache table missing. Under upstream the session setting does not exist
(a SET there makes a placeholder), so it is never read there.

Deliberately not here: the scans themselves (live.py, cache_reads.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from hubspot_fdw.cache import qualified_table
from hubspot_fdw.fdw.options import READ_MODES, FdwOptions
from hubspot_fdw.fdw.sql import local_runner, run, table_exists
from hubspot_fdw.host.capabilities import HOST_AVAILABLE


@dataclass(frozen=True)
class ReadMode:
    mode: str       # cache | live
    reason: str     # shown in EXPLAIN


def session_setting() -> str | None:
    if not HOST_AVAILABLE:
        return None
    from hubspot_fdw.host.capabilities import execute_sql

    rows = execute_sql("SELECT current_setting('hubspot_fdw.read_mode', true) AS mode")
    mode = rows[0]["mode"] if rows else None
    return mode if mode in READ_MODES else None


def auto_blocker(options: FdwOptions, table: str) -> str | None:
    """Why ``auto`` cannot read the cache yet, or None when it can."""
    if local_runner(options) is None:
        return "no cache connection (option cache_dsn not set)"
    if not table_exists(options, "hubspot_fdw.sync_state"):
        return "no sync state in this database (hubspot-fdw setup)"
    if not backfill_done(options, table):
        return "backfill not finished"
    if not table_exists(options, qualified_table(options.cache_schema, table)):
        return "cache table missing"
    return None


def backfill_done(options: FdwOptions, table: str) -> bool:
    if options.server:
        rows = run(options, "SELECT bool_or(backfill_done) AS done FROM hubspot_fdw.sync_state "
                            "WHERE server_name = $1 AND table_name = $2", [options.server, table])
    else:
        rows = run(options, "SELECT bool_or(backfill_done) AS done FROM hubspot_fdw.sync_state "
                            "WHERE cache_schema = $1 AND table_name = $2", [options.cache_schema, table])
    done = rows[0]["done"] if rows else None
    return done in (True, "t", "true")


def resolve(options: FdwOptions, table: str) -> ReadMode:
    setting = session_setting()
    mode, source = (setting, "hubspot_fdw.read_mode") if setting else (options.read_mode, "option read_mode")
    if mode != "auto":
        return ReadMode(mode, f"{source} = {mode}")
    blocker = auto_blocker(options, table)
    if blocker is None:
        return ReadMode("cache", f"{source} = auto, backfill finished")
    return ReadMode("live", f"{source} = auto, {blocker}")
