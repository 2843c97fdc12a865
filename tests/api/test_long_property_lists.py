"""Long property lists against HubSpot's URL limit (the simulator's 414): the client reads
them by POST batch read, whether its own length estimate says the GET URL is too long or
HubSpot's 414 says so, and the records come back complete."""

from __future__ import annotations

import pytest

from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.simulator.process import start_simulator

SIZES = dict(contacts=30, companies=5, deals=150, tickets=0, products=0, line_items=0, quotes=0, calls=0,
             emails=0, meetings=0, notes=0, tasks=0, communications=0, postal_mail=0, cars=0, service_requests=0)


@pytest.fixture(scope="module")
def sim():
    with start_simulator(seed=3, no_limits=True, profile="realistic", **SIZES) as s:
        yield s


def _deal_properties(client: HubSpotClient) -> list[str]:
    return [p.name for p in client.list_properties("deals")]


@pytest.mark.parametrize("max_url_length", [4000, 1_000_000])   # our estimate / HubSpot's 414 decides
def test_all_deal_properties_by_post(sim, max_url_length):
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False, max_url_length=max_url_length)
    names = _deal_properties(client)
    assert len(names) >= 850
    sim.clear_requests()
    records = list(client.iter_objects("deals", properties=names))
    assert len(records) == 150 and all(set(r.properties) >= set(names) for r in records)
    one = client.get_object("deals", records[0].id, properties=names)
    assert one.properties == records[0].properties
    log = sim.requests()
    assert all(e["status"] < 500 for e in log)
    assert any(e["path"].endswith("/batch/read") for e in log)
    assert sum(1 for e in log if e["status"] == 414) == (0 if max_url_length == 4000 else 3)
