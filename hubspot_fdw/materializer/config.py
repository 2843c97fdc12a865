"""Materializer settings (intervals, windows) as one dataclass.

Deliberately not here: server options / credentials (serverconf.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SyncConfig:
    poll_interval: float = 2.0            # seconds between polls of a table that is changing
    max_poll_interval: float = 60.0       # ... of an idle table
    quiet_factor: float = 0.1             # interval = this x seconds since the table last changed
    daily_share: float = 0.10             # share of the portal's daily API limit the sync may spend
    assumed_daily_limit: int = 250_000    # until HubSpot's X-HubSpot-RateLimit-Daily is seen
    lookback_ms: int = 30_000             # search window overlap for HubSpot's index lag
    index_lag_allowance_ms: int = 1_000   # synced_through = poll start minus this
    sweep_interval: float = 3600.0        # association sweep (a safety net: changes bump both records)
    reconcile_interval: float = 24 * 3600  # full id diff (safety net: counts trigger it when needed)
    metadata_interval: float = 3600.0     # properties, owners, pipelines (IMPORT adds new columns)
    summary_interval: float = 60.0        # the daemon's one-line summary in its log (0: none)
    page_size: int = 100                  # list page size (HubSpot max 100)
    assoc_ids_per_step: int = 1_000       # ids per association batch read step
    write_batch: int = 100                # records per incremental checkpoint
    backfill_slice: float = 5.0           # the daemon's backfill yields to due polls after this many seconds
    use_budget: bool = True
    # Backfill's share of each 10-s window's usable rate budget: its speed, not its daily
    # amount (the daily share covers backfills too; planner.py). The client's default is 0.5. The
    # materializer is one sequential process, so the share only matters against the FDW,
    # and a waiting interactive caller blocks backfill anyway (the budget's wait lease).
    backfill_share: float = 1.0
    # Object backfills read list pages (standard pool) and search pages (search pool) at
    # once, from both ends of the id range (two_pool.py): "both"; or "list" / "search" only.
    backfill_pools: str = "both"
