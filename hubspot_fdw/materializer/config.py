"""Materializer settings (intervals, windows) as one dataclass.

Deliberately not here: server options / credentials (serverconf.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SyncConfig:
    poll_interval: float = 2.0            # seconds between incremental polls (daemon)
    lookback_ms: int = 30_000             # search window overlap for HubSpot's index lag
    index_lag_allowance_ms: int = 1_000   # synced_through = poll start minus this
    sweep_interval: float = 60.0          # archived listing (deletes) and association sweep
    reconcile_interval: float = 6 * 3600  # full id reconciliation (merges, GDPR deletes)
    metadata_interval: float = 300.0      # properties (new columns), owners, pipelines
    page_size: int = 100                  # list page size (HubSpot max 100)
    assoc_ids_per_step: int = 1_000       # ids per association batch read step
    write_batch: int = 100                # records per incremental checkpoint
    use_budget: bool = True
    # Backfill's share of the usable rate budget (the client's default is 0.5). The
    # materializer is one sequential process, so the share only matters against the FDW,
    # and a waiting interactive caller blocks backfill anyway (the budget's wait lease).
    backfill_share: float = 1.0
