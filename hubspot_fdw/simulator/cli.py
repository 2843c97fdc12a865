"""`hubspot-fdw simulator`: run the local HubSpot until SIGTERM/SIGINT.

Prints `base_url=…`, `token=…`, `admin_url=…` and `pid=…` as the first stdout lines
(flushed), then serves. Does not implement the server (server.py).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click

from hubspot_fdw.simulator.config import DEFAULT_SIZES, DEFAULT_TOKEN, FaultOptions, SimulatorOptions
from hubspot_fdw.simulator.profiles import PROFILES


def _size_options(fn):
    for name, default in reversed(list(DEFAULT_SIZES.items())):
        fn = click.option(f"--{name.replace('_', '-')}", name, type=int, default=default,
                          show_default=True, help=f"Seeded {name}.")(fn)
    return fn


@click.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address (keep it local).")
@click.option("--port", type=int, default=8765, show_default=True, help="Port; 0 picks a free one.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the generated portal.")
@_size_options
@click.option("--owners", type=int, default=12, show_default=True)
@click.option("--token", default=DEFAULT_TOKEN, show_default=True, help="The valid bearer token.")
@click.option("--portal-id", type=int, default=8765432, show_default=True)
@click.option("--time-scale", type=float, default=1.0, show_default=True,
              help="Multiplies rate-limit windows (0.1 = ten times shorter).")
@click.option("--no-limits", is_flag=True, help="Disable rate limits (benchmarks).")
@click.option("--burst-limit", type=int, default=190, show_default=True, help="Requests per 10-second window.")
@click.option("--daily-limit", type=int, default=625_000, show_default=True, help="Requests per day.")
@click.option("--no-daily-headers", is_flag=True,
              help="Send no X-HubSpot-RateLimit-Daily headers (as HubSpot answers an OAuth app).")
@click.option("--time-zone", default="US/Eastern", show_default=True,
              help="The portal's time zone (account details); the daily limit resets at its midnight.")
@click.option("--search-limit", type=int, default=5, show_default=True, help="Search requests per second.")
@click.option("--index-lag-ms", type=int, default=0, show_default=True,
              help="Writes reach search after this many milliseconds.")
@click.option("--fault-seed", type=int, default=0, show_default=True)
@click.option("--fault-latency-ms", type=int, default=0, show_default=True,
              help="Milliseconds of delay added to each answer.")
@click.option("--fault-latency-jitter-ms", type=int, default=0, show_default=True,
              help="Up to this many milliseconds of random extra delay.")
@click.option("--fault-error-rate", type=float, default=0.0, show_default=True, help="Share of 500/502/503/504.")
@click.option("--fault-reset-rate", type=float, default=0.0, show_default=True, help="Share of connection resets.")
@click.option("--fault-truncate-rate", type=float, default=0.0, show_default=True, help="Share of truncated JSON bodies.")
@click.option("--fault-429-rate", "fault_storm_rate", type=float, default=0.0, show_default=True,
              help="Share of 429 answers (a storm when high).")
@click.option("--fault-stale-search-ms", type=int, default=0, show_default=True, help="Extra search index lag, milliseconds.")
@click.option("--fault-path", default="", help="Only fault requests whose path contains this.")
@click.option("--profile", type=click.Choice(PROFILES), default="default", show_default=True,
              help="Portal preset: realistic = hundreds of properties per object, more pipelines and labels.")
@click.option("--max-url-length", type=int, default=16_384, show_default=True,
              help="Longer request URLs are answered 414.")
@click.option("--log-size", type=int, default=50_000, show_default=True, help="Request log entries kept.")
@click.option("--verbose", is_flag=True, help="Log every request on stderr.")
def simulator(**kw) -> None:
    """Serve a simulated HubSpot portal on 127.0.0.1."""
    sizes = {name: kw.pop(name) for name in DEFAULT_SIZES}
    faults = FaultOptions(seed=kw.pop("fault_seed"), latency_ms=kw.pop("fault_latency_ms"),
                          latency_jitter_ms=kw.pop("fault_latency_jitter_ms"),
                          error_rate=kw.pop("fault_error_rate"), reset_rate=kw.pop("fault_reset_rate"),
                          truncate_rate=kw.pop("fault_truncate_rate"), storm_rate=kw.pop("fault_storm_rate"),
                          stale_search_ms=kw.pop("fault_stale_search_ms"), path_contains=kw.pop("fault_path"))
    logging.basicConfig(level=logging.DEBUG if kw.pop("verbose") else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    options = SimulatorOptions(
        host=kw["host"], port=kw["port"], seed=kw["seed"], sizes=sizes, owners=kw["owners"],
        token=kw["token"], portal_id=kw["portal_id"], time_scale=kw["time_scale"],
        no_limits=kw["no_limits"], burst_max=kw["burst_limit"], daily_max=kw["daily_limit"],
        daily_headers=not kw["no_daily_headers"],
        search_per_second=kw["search_limit"], time_zone=kw["time_zone"], index_lag_ms=kw["index_lag_ms"],
        log_size=kw["log_size"], max_url_length=kw["max_url_length"], profile=kw["profile"], faults=faults)
    run(options)


def run(options: SimulatorOptions) -> None:
    from hubspot_fdw.simulator.server import serve

    try:
        server, sim = serve(options)
    except OSError as error:  # a port in use, an address not on this machine: one line, no traceback
        from hubspot_fdw.clierrors import fail
        raise fail(f"cannot listen on {options.host}:{options.port}: {error.strerror or error}",
                   "pick another --port (0 picks a free one)") from None
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    import os
    sys.stdout.write(f"base_url={sim.base_url}\ntoken={options.token}\n"
                     f"admin_url={sim.base_url}/_sim\npid={os.getpid()}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
