"""Fixtures: the simulator as a real process (process.start_simulator) and an HTTP
session carrying its bearer token. One shared simulator per session for read-mostly
tests; tests that need a pristine portal call `fresh` (admin reset)."""

from __future__ import annotations

import pytest
import requests

from hubspot_fdw.simulator.process import SimulatorProcess, start_simulator

SIZES = dict(contacts=300, companies=60, deals=80, tickets=40, products=10, line_items=60, quotes=5,
             calls=20, emails=20, meetings=20, notes=20, tasks=20, communications=10, postal_mail=5,
             cars=20, service_requests=20)


class Api:
    """Thin client: `api.get("/crm/v3/objects/contacts", params=…)` → requests.Response."""

    def __init__(self, sim: SimulatorProcess) -> None:
        self.sim = sim
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {sim.token}"

    def __getattr__(self, method: str):
        def call(path: str, **kw):
            return self.s.request(method.upper(), self.sim.base_url + path, timeout=30, **kw)
        return call


@pytest.fixture(scope="session")
def sim():
    with start_simulator(seed=7, no_limits=True, **SIZES) as s:
        yield s


@pytest.fixture
def api(sim) -> Api:
    return Api(sim)


@pytest.fixture
def fresh(sim) -> SimulatorProcess:
    """The shared simulator reset to its seeded state (log, faults, windows cleared)."""
    sim.reset()
    return sim
