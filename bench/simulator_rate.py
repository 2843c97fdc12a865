"""Measure the simulator's list throughput: requests/s of `GET /crm/v3/objects/contacts
?limit=100` pages in no-limit mode, over keep-alive connections from a few client
threads. Also measures seed materialization (records/s). Prints the figures; not a test.

    PYTHONPATH=. python bench/simulator_rate.py [--seconds 5] [--threads 4] [--processes 2] [--contacts 20000]

The client threads (one `requests` session and connection each, parsing every page)
are spread over `--processes` client processes: one Python process with `requests`
tops out near 700-800 pages/s on its own GIL, which would measure the client rather
than the simulator. `--processes 1` gives the single-process figure.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import threading
import time

import requests

from hubspot_fdw.simulator.config import DEFAULT_SIZES, SimulatorOptions
from hubspot_fdw.simulator.portal import Portal
from hubspot_fdw.simulator.process import start_simulator

READY_TIMEOUT_S = 60.0


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


def _threads_run(base_url: str, token: str, stop_at: float, threads: int, max_requests: int) -> int:
    """`threads` keep-alive clients paging through contacts until `stop_at` (monotonic);
    returns the number of pages fetched."""
    done = [0]
    lock = threading.Lock()

    def worker(n: int) -> None:
        s = requests.Session()
        s.trust_env = False       # no proxy/netrc lookups through os.environ on every request
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
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return done[0]


def _process_main(base_url: str, token: str, seconds: float, threads: int, max_requests: int,
                  ready: "mp.Queue", go: "mp.Event", out: "mp.Queue") -> None:
    ready.put(True)
    if not go.wait(READY_TIMEOUT_S):
        out.put((0, 0.0))
        return
    count = _threads_run(base_url, token, time.monotonic() + seconds, threads, max_requests)
    out.put((count, time.monotonic()))


def list_rate(base_url: str, token: str, seconds: float, threads: int, max_requests: int,
              processes: int = 1) -> float:
    """Pages/s from `threads` client threads spread over `processes` processes."""
    processes = max(1, min(processes, threads))
    if processes == 1:
        t0 = time.monotonic()
        count = _threads_run(base_url, token, t0 + seconds, threads, max_requests)
        return count / (time.monotonic() - t0)
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    shares = [threads // processes + (1 if i < threads % processes else 0) for i in range(processes)]
    procs = [ctx.Process(target=_process_main, daemon=True,
                         args=(base_url, token, seconds, n, max_requests * n // threads, ready, go, out))
             for n in shares]
    for p in procs:
        p.start()
    try:
        for _ in procs:                  # every client imported and waiting
            ready.get(timeout=READY_TIMEOUT_S)
        t0 = time.monotonic()
        go.set()
        results = [out.get(timeout=seconds + READY_TIMEOUT_S) for _ in procs]
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    end = max(t for _, t in results)
    return sum(c for c, _ in results) / (end - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--max-requests", type=int, default=20_000)
    a = ap.parse_args()
    build, rate = seed_rate(100_000)
    print(f"seed: portal with 100,000 contacts + 20,000 companies built in {build:.2f} s; "
          f"materializing contacts at {rate:,.0f} records/s")
    with start_simulator(contacts=a.contacts, no_limits=True) as sim:
        rps = list_rate(sim.base_url, sim.token, a.seconds, a.threads, a.max_requests, a.processes)
    procs = max(1, min(a.processes, a.threads))
    print(f"list: {rps:,.0f} requests/s of 100 records ({a.threads} client threads in {procs} "
          f"process{'es' if procs > 1 else ''}, {a.seconds:.0f} s, no limits)")


if __name__ == "__main__":
    main()
