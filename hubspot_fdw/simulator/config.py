"""Simulator options: one dataclass shared by the CLI, process.py and the server.

Does not parse flags (cli.py) and does not apply them (portal.py, server.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_TOKEN = "pat-na1-simulator-token"
DEFAULT_PORTAL_ID = 8765432

# object type name → seeded record count (CLI flag names replace "_" with "-")
DEFAULT_SIZES: dict[str, int] = {
    "contacts": 1000, "companies": 200, "deals": 300, "tickets": 200, "products": 50,
    "line_items": 400, "quotes": 20, "calls": 100, "emails": 100, "meetings": 100,
    "notes": 100, "tasks": 100, "communications": 50, "postal_mail": 20,
    "cars": 100, "service_requests": 100,
    "leads": 20, "services": 10, "appointments": 10, "courses": 10, "listings": 10, "invoices": 20,
    "orders": 20, "carts": 10, "subscriptions": 10, "feedback_submissions": 20, "goal_targets": 10,
}


@dataclass
class FaultOptions:
    """Fault injection; every decision is drawn from `seed` and the request number."""

    seed: int = 0
    latency_ms: int = 0               # added to every faulted-path response
    latency_jitter_ms: int = 0        # + uniform 0..jitter
    error_rate: float = 0.0           # share of requests answered 500/502/503/504
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    reset_rate: float = 0.0           # share whose connection is reset mid-response
    truncate_rate: float = 0.0        # share whose JSON body is cut short
    storm_rate: float = 0.0           # share answered 429 (a "429 storm" when high)
    stale_search_ms: int = 0          # extra search index lag
    path_contains: str = ""           # only requests whose path contains this
    methods: tuple[str, ...] = ()     # only these methods (empty: all)
    max_faults: int = -1              # stop after this many injected faults (-1: no cap)


@dataclass
class SimulatorOptions:
    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    sizes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    owners: int = 12
    token: str = DEFAULT_TOKEN
    portal_id: int = DEFAULT_PORTAL_ID
    time_scale: float = 1.0           # multiplies rate-limit windows (0.1 = ten times shorter)
    no_limits: bool = False
    burst_max: int = 190              # per 10-second rolling window (Pro/Enterprise private app)
    daily_max: int = 625_000
    daily_headers: bool = True        # False: no X-HubSpot-RateLimit-Daily* (an OAuth app's calls)
    time_zone: str = "US/Eastern"     # the portal's; the daily budget resets at its midnight
    search_per_second: int = 5
    index_lag_ms: int = 0             # writes reach search after this many ms
    search_max_groups: int = 5
    search_max_filters_per_group: int = 6
    search_max_filters: int = 18
    log_size: int = 50_000
    max_url_length: int = 16_384      # longer request targets get 414 (HubSpot's edge limit)
    profile: str = "default"          # "default" or "realistic" (profiles.py)
    faults: FaultOptions = field(default_factory=FaultOptions)
