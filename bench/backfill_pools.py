#!/usr/bin/env python3
"""Benchmark the backfill from two rate pools against one pool (not a test).

On a simulated portal (default: 20,000 contacts, 4,000 companies, 4,000 deals and the
contact–company associations) with HubSpot's default limits on (190 requests per 10 s,
5 searches per second), ``hubspot-fdw sync --once`` backfills the four tables once per
mode, each time into a fresh database from a fresh portal, with ``--backfill-pools``
both (the default), search (the fewest calls) and list (a one-pool backfill). Printed
per run: API calls (the simulator's request log) and calls per 1,000 records, wall time
against the one-pool bound (records / 100 / 19 per second), 429 answers, and the check
of every cached record against the simulator, id by id (same ids, same values).

    venv/bin/python bench/backfill_pools.py [--contacts 20000] [--companies 4000] [--deals 4000]
        [--time-scale 1.0] [--modes both,search,list]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import os
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
TABLES = OBJECTS + ["associations_company_contact"]


def check(sim, dsn: str) -> tuple[int, list[str]]:
    """(records checked, problems): every object record of the simulator in the cache
    with the same values, and no other; association pairs the same."""
    from hubspot_fdw.api import HubSpotClient
    from hubspot_fdw.cache import object_row
    from hubspot_fdw.catalog.build import build_catalog
    from hubspot_fdw.materializer.objects import properties_of

    sim.admin("PUT", "/limits", {"enabled": False})
    client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
    catalog = build_catalog(client, only=OBJECTS)
    problems: list[str] = []
    checked = 0
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        for name in OBJECTS:
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
        companies = [r.id for r in client.iter_objects("companies", properties=["hs_object_id"])]
        want_pairs = {(a.from_id, a.to_id) for a in client.batch_read_associations("companies", "contacts",
                                                                                    companies)}
        cur.execute("SELECT company_id, contact_id FROM hubspot_cache.associations_company_contact")
        have_pairs = set(cur.fetchall())
        if want_pairs != have_pairs:
            problems.append(f"associations: {len(want_pairs - have_pairs)} missing, "
                            f"{len(have_pairs - want_pairs)} extra")
    return checked, problems


def run(pg: ThrowawayPostgres, a: argparse.Namespace, budget_dir: str, mode: str) -> None:
    records = a.contacts + a.companies + a.deals
    bound = records / PAGE / (BURST_MAX / 10.0) * a.time_scale
    with portal(pg, a.time_scale, 0, contacts=a.contacts, companies=a.companies, deals=a.deals) as (sim, dsn):
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE SCHEMA hubspot")
            cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({', '.join(TABLES)}) FROM SERVER hubspot INTO hubspot")
        conn.close()
        sim.clear_requests()
        extra = ["--backfill-pools", mode]
        started = time.monotonic()
        proc = subprocess.Popen(sync_cmd(dsn, a.time_scale, "--once", "--tables", ",".join(TABLES), *extra),
                                env=sync_env(budget_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        rc, _ = wait_proc(proc, a.timeout)
        seconds = time.monotonic() - started
        made = sim.requests()
        if rc != 0:
            print(f"  [--backfill-pools {mode}] sync failed ({rc}): {proc.stderr.read().decode()[-1500:]}")
            return
        searches = sum(1 for r in made if r["path"].endswith("/search"))
        checked, problems = check(sim, dsn)
    calls = len(made)
    label = f"--backfill-pools {mode}"
    print(f"  [{label}] {records:,} records: {calls} calls ({searches} searches) = "
          f"{1000 * calls / records:.2f} per 1,000 records; {seconds:.1f} s = {seconds / bound:.2f} x the "
          f"one-pool bound ({bound:.1f} s); 429s: {sum(1 for r in made if r['status'] == 429)}; "
          f"checked {checked:,} records id by id: {'exact' if not problems else '; '.join(problems)}",
          flush=True)


def main() -> None:
    run_as_postgres()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--companies", type=int, default=4_000)
    ap.add_argument("--deals", type=int, default=4_000)
    ap.add_argument("--time-scale", type=float, default=1.0, help="simulator and budget window scale")
    ap.add_argument("--modes", default="both,search,list", help="comma-separated: both, search, list")
    ap.add_argument("--timeout", type=float, default=600.0, help="per-run limit, seconds")
    a = ap.parse_args()
    with ThrowawayPostgres() as pg, tempfile.TemporaryDirectory(prefix="bench-budget-") as budget_dir:
        os.chmod(budget_dir, 0o700)
        print(f"backfill of {', '.join(TABLES)}; HubSpot's default limits (time scale {a.time_scale:g})")
        for mode in a.modes.split(","):
            run(pg, a, budget_dir, mode)


if __name__ == "__main__":
    main()
