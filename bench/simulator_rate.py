"""Measure the simulator's list throughput: requests/s of `GET /crm/v3/objects/contacts
?limit=100` pages in no-limit mode, over keep-alive connections from a few client
threads. Also measures seed materialization (records/s). Prints the figures; not a test.

    PYTHONPATH=. python bench/simulator_rate.py [--seconds 5] [--threads 4] [--contacts 20000]
"""

from __future__ import annotations

import argparse
import threading
import time

import requests

from hubspot_fdw.simulator.config import DEFAULT_SIZES, SimulatorOptions
from hubspot_fdw.simulator.portal import Portal
from hubspot_fdw.simulator.process import start_simulator


def seed_rate(contacts: int) -> tuple[float, float]:
    sizes = dict(DEFAULT_SIZES, contacts=contacts, companies=contacts // 5)
    t0 = time.perf_counter()
    portal = Portal(SimulatorOptions(sizes=sizes))
    build = time.perf_counter() - t0
    store = portal.stores["0-1"]
    t0 = time.perf_counter()
    for i in range(contacts):
        store.raw(store.base + i)
    return build, contacts / (time.perf_counter() - t0)


def list_rate(base_url: str, token: str, seconds: float, threads: int, max_requests: int) -> float:
    done = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        after = None
        count = 0
        while time.monotonic() < stop_at and count < max_requests // threads:
            params = {"limit": 100, "properties": "email,firstname,lastname,lifecyclestage"}
            if after:
                params["after"] = after
            r = s.get(f"{base_url}/crm/v3/objects/contacts", params=params, timeout=10)
            r.raise_for_status()
            body = r.json()
            assert len(body["results"]) > 0
            after = (body.get("paging") or {}).get("next", {}).get("after")
            count += 1
        with lock:
            done[0] += count

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return done[0] / (time.monotonic() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--max-requests", type=int, default=20_000)
    a = ap.parse_args()
    build, rate = seed_rate(100_000)
    print(f"seed: portal with 100,000 contacts + 20,000 companies built in {build:.2f} s; "
          f"materializing contacts at {rate:,.0f} records/s")
    with start_simulator(contacts=a.contacts, no_limits=True) as sim:
        rps = list_rate(sim.base_url, sim.token, a.seconds, a.threads, a.max_requests)
    print(f"list: {rps:,.0f} requests/s of 100 records ({a.threads} client threads, {a.seconds:.0f} s, no limits)")


if __name__ == "__main__":
    main()
