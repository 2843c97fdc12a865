"""Several OS processes hammering the simulator through the shared budget stay under its
limits: no 429 at all in steady state (retries disabled so any 429 would surface).
The time scale is shrunk (10 s windows become 1 s) so the test runs in seconds."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from hubspot_fdw.api import errors
from hubspot_fdw.api.budget import BudgetConfig, Priority
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.retry import RetryPolicy

simulator = pytest.importorskip("hubspot_fdw.simulator.process")

SCALE = 0.1
BURST = 40            # per 10 s * SCALE = per second
SEARCH = 5            # per 1 s * SCALE = per 0.1 s


def _worker(base_url: str, token: str, directory: str | None, priority: int, seconds: float, queue) -> None:
    config = BudgetConfig(directory=directory, search_window=1.0 * SCALE, standard_window=10.0 * SCALE,
                          standard_max=BURST, headroom=0.1, max_wait=30) if directory else None
    client = HubSpotClient(base_url, token, budget=config, use_budget=directory is not None,
                           retry=RetryPolicy(max_attempts=1), priority=Priority(priority))
    counts = {"ok": 0, "429": 0, "search_ok": 0}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline and n < 5000:
        n += 1
        try:
            if n % 3 == 0:
                client.search_page("contacts", properties=["email"], limit=5)
                counts["search_ok"] += 1
            else:
                client.list_page("contacts", limit=5)
                counts["ok"] += 1
        except errors.HubSpotRateLimitError:
            counts["429"] += 1
    queue.put(counts)


def _run(sim, directory, seconds, processes=4):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(sim.base_url, sim.token, directory, i % 3, seconds, queue))
             for i in range(processes)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return {k: sum(r[k] for r in results) for k in results[0]}


@pytest.fixture(scope="module")
def sim():
    with simulator.start_simulator(seed=3, time_scale=SCALE, burst_limit=BURST, search_limit=SEARCH,
                                   contacts=50, companies=5, deals=5, tickets=5, line_items=5, cars=5,
                                   service_requests=5) as running:
        yield running


def test_without_budget_the_limits_bite(sim) -> None:
    totals = _run(sim, None, 1.5)
    assert totals["429"] > 0  # the scenario is meaningful: unpaced clients hit 429s
    time.sleep(1.5)  # let the windows roll before the next test


def test_shared_budget_no_429_in_steady_state(sim, tmp_path) -> None:
    seconds = 4.0
    totals = _run(sim, str(tmp_path / "budget"), seconds)
    assert totals["429"] == 0, totals
    # and the budget was used, not starved: close to the limits' throughput
    standard_bound = BURST / (10 * SCALE) * (seconds + 10 * SCALE)
    assert totals["ok"] > 0.4 * standard_bound, totals
    assert totals["search_ok"] > 0, totals
    assert totals["ok"] <= standard_bound, totals
