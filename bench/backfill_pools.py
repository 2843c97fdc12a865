#!/usr/bin/env python3
"""Benchmark the backfill from two rate pools against one pool (not a test).

On a simulated portal (default: 20,000 contacts, 4,000 companies, 4,000 deals and the
contact–company associations) with HubSpot's default limits on (190 requests per 10 s,
5 searches per second), ``hubspot-fdw sync --once`` backfills the four tables once per
mode, each time into a fresh database from a fresh portal, with ``--backfill-pools``
both (the default), search (the fewest calls) and list (a one-pool backfill). Printed
per run: API calls (the simulator's request log) and calls per 1,000 records, wall time
against the one-pool bound (records / 100 / 19 per second), 429 answers, and the check
of every cached record against the simulator, id by id (same ids, same values). ``--phases`` adds when each kind of call ran.

Before the runs it prints the frontier the limits allow, objects only: the fewest calls
a backfill can make within 0.8x the one-pool bound, and the shortest time at 6.5 calls
per 1,000 records, for HubSpot's limits and for the part the rate budget lets a backfill
use (95 %, whole requests: 18 list and 4 search pages a second). After them, one run
of the contacts alone with a small daily share (``--small-day`` calls, all of it the
sync's): the day cannot afford the fastest split, so the backfill leans to search pages.

The sync starts once the portal's rate windows are clear of the set-up's calls (IMPORT
FOREIGN SCHEMA), as for a user who imported the tables before.

    venv/bin/python bench/backfill_pools.py [--contacts 20000] [--companies 4000] [--deals 4000]
        [--time-scale 1.0] [--modes both,search,list] [--small-day 160] [--phases]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2  # noqa: E402

from sync import BURST_MAX, PAGE, portal, sync_cmd, sync_env, wait_proc  # noqa: E402
from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres  # noqa: E402

OBJECTS = ["contacts", "companies", "deals"]
SEARCH_PAGE = 200        # records per search page
GOAL_TIME = 0.8          # x the one-pool bound
GOAL_CALLS = 6.5         # calls per 1,000 records
PACE = {"standard": 18, "search": 4}  # requests a second the rate budget lets a backfill make
TABLES = OBJECTS + ["associations_company_contact"]


def check(sim, dsn: str, tables: list[str]) -> tuple[int, list[str]]:
    """(records checked, problems): every object record of the simulator in the cache
    with the same values, and no other; association pairs the same."""
    from hubspot_fdw.api import HubSpotClient
    from hubspot_fdw.cache import object_row
    from hubspot_fdw.catalog.build import build_catalog
    from hubspot_fdw.materializer.objects import properties_of

    sim.admin("PUT", "/limits", {"enabled": False})
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    objects = [t for t in OBJECTS if t in tables]
    catalog = build_catalog(client, only=objects)
    problems: list[str] = []
    checked = 0
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        for name in objects:
            spec = catalog.table(name)
            want = {r.key[0]: r.sync_hash for r in (object_row(spec, o) for o in client.iter_objects(
                spec.object_type.api_path, properties=properties_of(spec)))}
            cur.execute(f"SELECT id, _sync_hash FROM hubspot_cache.{name}")
            have = dict(cur.fetchall())
            missing, extra = set(want) - set(have), set(have) - set(want)
            differ = [i for i in want if i in have and want[i] != have[i]]
            checked += len(want)
            if missing or extra or differ:
                problems.append(f"{name}: {len(missing)} missing, {len(extra)} extra, {len(differ)} differ")
        if "associations_company_contact" not in tables:
            return checked, problems
        companies = [r.id for r in client.iter_objects("companies", properties=["hs_object_id"])]
        want_pairs = {(a.from_id, a.to_id) for a in client.batch_read_associations("companies", "contacts",
                                                                                    companies)}
        cur.execute("SELECT company_id, contact_id FROM hubspot_cache.associations_company_contact")
        have_pairs = set(cur.fetchall())
        if want_pairs != have_pairs:
            problems.append(f"associations: {len(want_pairs - have_pairs)} missing, "
                            f"{len(have_pairs - want_pairs)} extra")
    return checked, problems


def group(request: dict) -> tuple[str, str]:
    """(pool, what) of one logged request: list/search pages per table, associations, metadata."""
    path = request["path"]
    found = re.match(r"/crm/v3/objects/([^/]+)(/search)?$", path)
    if found and found.group(2):
        return "search", f"search {found.group(1)}"
    if found and request["method"] == "GET":
        return "standard", f"list {found.group(1)}"
    if "/associations/" in path:
        return "standard", "associations"
    return "standard", "metadata"


def phases(made: list[dict], started_ms: float) -> None:
    """When each kind of call ran (seconds since the sync started) and each pool's pace."""
    spans: dict[str, list[float]] = {}
    pools: dict[str, list[float]] = {"standard": [], "search": []}
    for request in made:
        at = (request["atMs"] - started_ms) / 1000.0
        pool, what = group(request)
        spans.setdefault(what, []).append(at)
        pools[pool].append(at)
    for what, times in spans.items():
        print(f"      {what:<22} {len(times):>4} calls  {min(times):6.2f} .. {max(times):6.2f} s")
    for pool, times in pools.items():
        if times:
            span = max(times) - min(times)
            print(f"      {pool} pool: {len(times)} calls from {min(times):.2f} to {max(times):.2f} s = "
                  f"{len(times) / max(span, 1e-9):.1f} a second (the backfill's part: {PACE[pool]:g})")


def frontier(records: int, bound: float, list_pages: float, search_pages: float) -> str:
    """The two goals against each other when ``x`` of the records come by search pages of
    200 (``search_pages`` a second) and the rest by list pages of 100 (``list_pages`` a
    second): calls = records/100 - x/200, time = max(x/200/search, (records-x)/100/list)."""
    def calls(x: float) -> float:
        return records / PAGE - x / SEARCH_PAGE

    def seconds(x: float) -> float:
        return max(x / SEARCH_PAGE / search_pages, (records - x) / PAGE / list_pages)

    fastest = records * SEARCH_PAGE * search_pages / (SEARCH_PAGE * search_pages + PAGE * list_pages)
    in_time = min(records, SEARCH_PAGE * search_pages * GOAL_TIME * bound)   # most search pages within 0.8x
    fits = records - in_time <= PAGE * list_pages * GOAL_TIME * bound
    cheap = max(fastest, SEARCH_PAGE * (records / PAGE - GOAL_CALLS * records / 1000))  # fewest search pages at 6.5
    return (f"fastest split {seconds(fastest):.1f} s = {seconds(fastest) / bound:.2f}x at "
            f"{1000 * calls(fastest) / records:.2f}/1,000; within {GOAL_TIME}x: at best "
            + (f"{1000 * calls(in_time) / records:.2f}/1,000" if fits else "impossible")
            + f"; at {GOAL_CALLS}/1,000: at best {seconds(cheap):.1f} s = {seconds(cheap) / bound:.2f}x")


def run(pg: ThrowawayPostgres, a: argparse.Namespace, budget_dir: str, mode: str, daily: int = 0,
        tables: list[str] = TABLES) -> None:
    records = sum(n for name, n in (("contacts", a.contacts), ("companies", a.companies), ("deals", a.deals))
                  if name in tables)
    bound = records / PAGE / (BURST_MAX / 10.0) * a.time_scale
    limits = {"daily_limit": daily} if daily else {}
    with portal(pg, a.time_scale, 0, contacts=a.contacts, companies=a.companies, deals=a.deals,
                **limits) as (sim, dsn):
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE SCHEMA hubspot")
            cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({', '.join(tables)}) FROM SERVER hubspot INTO hubspot")
        conn.close()
        time.sleep(10.0 * a.time_scale)   # the rate windows forget the set-up's calls
        sim.clear_requests()
        extra = ["--backfill-pools", mode] + (["--daily-share", "1.0"] if daily else [])
        started = time.monotonic()
        started_ms = time.time() * 1000
        proc = subprocess.Popen(sync_cmd(dsn, a.time_scale, "--once", "--tables", ",".join(tables), *extra),
                                env=sync_env(budget_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        rc, _ = wait_proc(proc, a.timeout)
        seconds = time.monotonic() - started
        made = sim.requests()
        if rc != 0:
            print(f"  [--backfill-pools {mode}] sync failed ({rc}): {proc.stderr.read().decode()[-1500:]}")
            return
        searches = sum(1 for r in made if r["path"].endswith("/search"))
        checked, problems = check(sim, dsn, tables)
    calls = len(made)
    label = f"--backfill-pools {mode}" + (f", {', '.join(tables)} only, a day of {daily} calls" if daily else "")
    print(f"  [{label}] {records:,} records: {calls} calls ({searches} searches) = "
          f"{1000 * calls / records:.2f} per 1,000 records; {seconds:.1f} s = {seconds / bound:.2f} x the "
          f"one-pool bound ({bound:.1f} s); 429s: {sum(1 for r in made if r['status'] == 429)}; "
          f"checked {checked:,} records id by id: {'exact' if not problems else '; '.join(problems)}",
          flush=True)
    if a.phases:
        phases(made, started_ms)


def main() -> None:
    run_as_postgres()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--companies", type=int, default=4_000)
    ap.add_argument("--deals", type=int, default=4_000)
    ap.add_argument("--time-scale", type=float, default=1.0, help="simulator and budget window scale")
    ap.add_argument("--modes", default="both,search,list", help="comma-separated: both, search, list")
    ap.add_argument("--small-day", type=int, default=160,
                    help="the portal's daily limit (all of it the sync's share) of the last run, contacts "
                         "only; 0: no such run")
    ap.add_argument("--phases", action="store_true", help="print when each kind of call ran")
    ap.add_argument("--timeout", type=float, default=600.0, help="per-run limit, seconds")
    a = ap.parse_args()
    with ThrowawayPostgres() as pg, tempfile.TemporaryDirectory(prefix="bench-budget-") as budget_dir:
        os.chmod(budget_dir, 0o700)
        records = a.contacts + a.companies + a.deals
        bound = records / PAGE / (BURST_MAX / 10.0) * a.time_scale
        print(f"backfill of {', '.join(TABLES)}; HubSpot's default limits (time scale {a.time_scale:g})")
        print(f"  possible, objects only, HubSpot's limits (19 list, 5 search pages/s): "
              f"{frontier(records, bound, BURST_MAX / 10.0 / a.time_scale, 5.0 / a.time_scale)}")
        print(f"  possible, objects only, the budget's usable part (18 list, 4 search pages/s): "
              f"{frontier(records, bound, PACE['standard'] / a.time_scale, PACE['search'] / a.time_scale)}")
        for mode in [m for m in a.modes.split(",") if m]:
            run(pg, a, budget_dir, mode)
        if a.small_day:
            run(pg, a, budget_dir, "both", a.small_day, ["contacts"])


if __name__ == "__main__":
    main()
