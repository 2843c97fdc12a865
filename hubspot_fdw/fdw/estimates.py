"""Row estimates for planning a scan, from what this database already knows.

Planning never asks HubSpot unless the option ``use_remote_estimate`` is on: a BI tool
that opens a connection per query would otherwise pay one count request per table on
every connection, out of the portal's daily API budget. The size of a table is taken,
in this order, from

1. its cache table's statistics (``pg_class.reltuples``, or a count of a small table
   never analyzed), when the cache table exists; while the backfill is unfinished the
   cache holds only part of the table, so the materializer's recorded total wins if larger;
   an empty cache table whose backfill has not finished knows nothing and is skipped;
2. the HubSpot total the materializer recorded when it started the backfill
   (``hubspot_fdw.sync_state.backfill_total``), if there is one;
3. a fixed default per table kind (``DEFAULT_ESTIMATES``).

With ``use_remote_estimate`` an object table's size is HubSpot's total instead (one
1-record search, kept ``ESTIMATE_TTL`` seconds per table and backend).

Deliberately not here: how conditions narrow an estimate and the costs (wrapper.py), the
read mode (readmode.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.cache import qualified_table
from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.fdw.options import FdwOptions
from hubspot_fdw.fdw.sql import local_runner, run

ESTIMATE_TTL = 300.0        # seconds a HubSpot total stays valid for planning
DEFAULT_ESTIMATES = {"object": 1000, "owners": 100, "pipelines": 10, "pipeline_stages": 50,
                     "association": 1000, "history": 5000}
FALLBACK_ESTIMATE = 1000    # a kind not in DEFAULT_ESTIMATES
COUNT_BELOW_PAGES = 1000    # a cache table never analyzed is counted when it is this small


@dataclass(frozen=True)
class SyncRecord:
    """What ``hubspot_fdw.sync_state`` says about a table's size."""

    backfill_done: bool
    backfill_total: int | None


def default_rows(kind: str) -> int:
    return DEFAULT_ESTIMATES.get(kind, FALLBACK_ESTIMATE)


def cache_rows(options: FdwOptions, table: str) -> int | None:
    """Rows of the cache table ``<cache schema>.<table>``, or None when it does not exist or
    the foreign table's owner (whose rights this runs with) may not read it: looked up in
    the catalog, which needs no USAGE on the cache schema."""
    rows = run(options, "SELECT c.reltuples::bigint AS n, c.relpages AS p FROM pg_catalog.pg_class c "
                        "JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace "
                        "WHERE s.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') "
                        "AND pg_catalog.has_schema_privilege(s.oid, 'USAGE') "
                        "AND pg_catalog.has_table_privilege(c.oid, 'SELECT')",
               [options.cache_schema, table])
    if not rows:
        return None
    n, pages = int(rows[0]["n"]), int(rows[0]["p"])
    if n >= 0:
        return n
    if pages > COUNT_BELOW_PAGES:
        return pages * 50
    counted = run(options, f"SELECT count(*) AS n FROM {qualified_table(options.cache_schema, table)}")
    return int(counted[0]["n"])


def sync_record(options: FdwOptions, table: str) -> SyncRecord | None:
    """The table's sync state (for the table's server, else its cache schema), or None."""
    readable = run(options, "SELECT pg_catalog.has_table_privilege(t, 'SELECT') AS ok "
                            "FROM pg_catalog.to_regclass('hubspot_fdw.sync_state') t WHERE t IS NOT NULL")
    if not readable or readable[0]["ok"] not in (True, "t", "true"):
        return None     # no sync state here, or not for the table's owner (a role's own table)
    key, value = ("server_name", options.server) if options.server else ("cache_schema", options.cache_schema)
    rows = run(options, "SELECT bool_or(backfill_done) AS done, max(backfill_total) AS total, count(*) AS n "
                        f"FROM hubspot_fdw.sync_state WHERE {key} = $1 AND table_name = $2", [value, table])
    if not rows or int(rows[0]["n"]) == 0:
        return None
    total = rows[0]["total"]
    return SyncRecord(rows[0]["done"] in (True, "t", "true"), None if total is None else int(total))


def local_rows(options: FdwOptions, table: TableSpec) -> int:
    """The table's size from local knowledge only (see the file header for the order)."""
    if local_runner(options) is None:       # Multicorn2 without cache_dsn: nothing local to read
        return default_rows(table.kind)
    cached = cache_rows(options, table.name)
    record = sync_record(options, table.name)
    done = record is not None and record.backfill_done
    total = record.backfill_total if record is not None else None
    if cached is not None and (done or cached > 0):
        return max(cached, 1) if done else max(cached, total or 0)
    if total is not None:
        return max(total, 1)
    return default_rows(table.kind)


class RemoteTotal:
    """HubSpot's total of one object table, asked at most once per ``ESTIMATE_TTL``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: tuple[float, int] | None = None

    def rows(self, client: HubSpotClient, api_path: str) -> int:
        now = self._clock()
        if self._seen is None or now - self._seen[0] > ESTIMATE_TTL:
            self._seen = (now, client.count(api_path))
        return max(self._seen[1], 1)
