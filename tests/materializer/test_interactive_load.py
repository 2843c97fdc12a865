"""Under interactive load that fills the whole rate budget, the sync keeps polling: its
polls are never pushed out by more than two poll intervals (its reserved slice of each
window), and it never fails with 53400. Real processes, one shared budget directory,
the simulator's real limits on a shrunk time scale."""

from __future__ import annotations

import multiprocessing
import time

from hubspot_fdw.api.budget import BudgetConfig, Priority
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.cache.runner import PsycopgRunner
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.engine import Materializer
from tests.materializer.conftest import setup_server, start_sim

SCALE = 0.1  # windows: 10 s -> 1 s, search 1 s -> 0.1 s
POLL = 0.3


def _budget(directory: str) -> BudgetConfig:
    return BudgetConfig(directory=directory, standard_window=10.0 * SCALE, search_window=1.0 * SCALE,
                        standard_max=40, max_wait=30)


def _interactive(base_url: str, token: str, directory: str, until: float) -> None:
    client = HubSpotClient(base_url, token, budget=_budget(directory), priority=Priority.INTERACTIVE)
    while time.time() < until:
        client.search_page("companies", properties=["name"], limit=1)


def test_the_sync_keeps_polling_under_interactive_load(db, tmp_path) -> None:
    with start_sim(no_limits=False, time_scale=SCALE, burst_limit=40, search_limit=5) as sim:
        setup_server(db, sim, imported=["contacts"])
        directory = str(tmp_path / "budget")
        client = HubSpotClient(sim.base_url, sim.token, budget=_budget(directory))
        conn = db.connect(autocommit=False)
        config = SyncConfig(poll_interval=POLL, max_poll_interval=POLL, lookback_ms=5_000, sweep_interval=3600,
                            metadata_interval=3600)
        m = Materializer(client, PsycopgRunner(conn), "hubspot", "hubspot_cache", tables=["contacts"], config=config)
        while not m.ctx.state("contacts").backfill_done:
            m.run_step()
        ctx = multiprocessing.get_context("fork")
        until = time.time() + 8.0
        hammers = [ctx.Process(target=_interactive, args=(sim.base_url, sim.token, directory, until))
                   for _ in range(6)]
        for p in hammers:
            p.start()
        try:
            time.sleep(1.0)  # the load is on
            polls = []
            while time.time() < until - 0.5:
                m.run_step()
                polls.append(time.monotonic())
                time.sleep(max(0.0, polls[-1] + POLL - time.monotonic()))
        finally:
            for p in hammers:
                p.join(20)
        searches = [e for e in sim.requests(0) if e["path"].endswith("/search")]
        interactive = sum(1 for e in searches if "companies" in e["path"])
        assert interactive > 100  # the load really filled the search budget (5 per 0.1 s)
        assert m.ctx.state("contacts").phase == "live" and m.ctx.state("contacts").last_error is None
        gaps = [b - a for a, b in zip(polls, polls[1:])]
        assert len(polls) >= 10 and max(gaps) <= 3 * POLL, (len(polls), max(gaps))
        conn.close()
