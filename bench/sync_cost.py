"""What the sync costs a portal per day, and how fast changes arrive within that cost.
Prints figures and their targets; not a test.

A simulated Starter portal (100 requests / 10 s, 250,000 / day) with 5,000 contacts,
1,000 companies and 1,500 deals; a database that imported
``LIMIT TO (contacts, companies, deals, associations_company_contact,
associations_contact_deal)``; the materializer's daemon loop (default settings) run
in this process on a virtual clock: whenever the sync sleeps, time (and the
simulator's record clock) jumps forward at once, so an idle hour takes seconds.
Every HubSpot call is counted from the simulator's request log.

Figures: idle calls per day (projected from a simulated idle hour), change-to-cache
latency while active and after an idle hour, association add / remove latency,
archive / merge / GDPR-delete latency (in virtual seconds), with the targets.

Then a large backfill (``--large-contacts``, default 20,000 contacts, 2,000 companies,
3,000 deals, the same five tables) on a portal whose daily limit is shrunk
(``--large-daily-limit``, default 1,500: a share of 150 calls a day) so that the
backfill needs more calls than a day's share, as a portal of many millions of records
would on a real limit: calls on each portal day against the share, the days the
backfill takes, and the polls of the tables already backfilled on those days.

    PG_BIN=... /opt/hubspot_fdw/venv/bin/python bench/sync_cost.py [--idle-hours 1] [--samples 9]
        [--large-contacts 20000] [--large-daily-limit 1500] [--skip-large]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Callable

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hubspot_fdw.api.budget import BudgetConfig  # noqa: E402
from hubspot_fdw.api.client import HubSpotClient  # noqa: E402
from hubspot_fdw.cache.runner import PsycopgRunner  # noqa: E402
from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres  # noqa: E402
from hubspot_fdw.materializer import clock  # noqa: E402
from hubspot_fdw.materializer.config import SyncConfig  # noqa: E402
from hubspot_fdw.materializer.engine import Materializer  # noqa: E402
from hubspot_fdw.materializer.imported import imported_tables  # noqa: E402
from hubspot_fdw.simulator.process import SimulatorProcess, start_simulator  # noqa: E402

TABLES = ["contacts", "companies", "deals", "associations_company_contact", "associations_contact_deal"]
ZERO = dict(tickets=0, products=0, line_items=0, quotes=0, calls=0, emails=0, meetings=0, notes=0, tasks=0,
            communications=0, postal_mail=0, cars=0, service_requests=0)
EDIT = {"contacts": "firstname", "companies": "name", "deals": "dealname"}
TIME_SCALE = 0.1  # rate windows 10x shorter in real time (the virtual clock runs far faster)


class World:
    """The simulator, the database and the sync, on one virtual clock."""

    def __init__(self, sim: SimulatorProcess, dsn: str, config: SyncConfig | None = None) -> None:
        self.sim = sim
        self.vclock = clock.VirtualClock(on_advance=clock.InMilliseconds(
            lambda ms: sim.admin("POST", "/clock", {"advance_ms": ms})))
        clock.use(self.vclock)
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        budget = BudgetConfig(standard_window=10.0 * TIME_SCALE, search_window=1.0 * TIME_SCALE,
                              directory=tempfile.mkdtemp(prefix="bench-budget-"))
        self.client = HubSpotClient(sim.base_url, sim.token, budget=budget)
        sync_conn = psycopg2.connect(dsn)
        runner = PsycopgRunner(sync_conn)
        names = imported_tables(runner, "hubspot")
        sync_conn.commit()
        self.m = Materializer(self.client, runner, "hubspot", "hubspot_cache", tables=names,
                              config=config or SyncConfig())
        self.tables = names

    def now(self) -> float:
        return self.vclock.monotonic()

    def step(self) -> float:
        return self.m.run_step()

    def idle(self, seconds: float) -> None:
        """Let the sync run with no changes for ``seconds`` of virtual time."""
        end = self.now() + seconds
        while self.now() < end:
            wait = self.step()
            self.vclock.sleep(max(0.01, min(wait, end - self.now())), self.m.ctx.stop)

    def measure(self, change: Callable[[], Callable[[], bool]], offset: float = 0.0, limit: float = 900) -> float:
        """Run the sync until ``offset`` from now, make the change, run until its
        condition holds; returns the virtual seconds from change to cache."""
        if offset > 0:
            self.idle(offset)
        arrived = change()
        t0 = self.now()
        if os.environ.get("BENCH_DEBUG"):
            print(f"--- change at {t0:.1f}", file=sys.stderr)
        while not arrived():
            if self.now() - t0 > limit:
                return float("inf")
            wait = self.step()
            if arrived():
                break
            self.vclock.sleep(max(0.01, wait), self.m.ctx.stop)
        return self.now() - t0

    def one(self, sql: str, params: tuple = ()) -> object:
        self.cur.execute(sql, params)
        row = self.cur.fetchone()
        return row[0] if row else None

    def ids(self, table: str, n: int, offset: int = 0) -> list[str]:
        self.cur.execute(f'SELECT id FROM hubspot_cache."{table}" ORDER BY id LIMIT %s OFFSET %s', (n, offset))
        return [r[0] for r in self.cur.fetchall()]

    def calls_since(self, seq: int) -> int:
        return len([e for e in self.sim.requests(seq)])

    def last_seq(self) -> int:
        entries = self.sim.requests(0)
        return entries[-1]["seq"] if entries else 0


# -- the changes -----------------------------------------------------------------------------
def edit(w: World, table: str, record_id: str) -> Callable[[], Callable[[], bool]]:
    def change() -> Callable[[], bool]:
        value = f"bench-{random.randrange(1 << 40)}"
        w.sim.admin("PATCH", f"/objects/{table}/{record_id}", {"properties": {EDIT[table]: value}})
        return lambda: w.one(f'SELECT 1 FROM hubspot_cache."{table}" WHERE id = %s AND "{EDIT[table]}" = %s',
                             (record_id, value)) is not None
    return change


def associate(w: World, company: str, contact: str, add: bool) -> Callable[[], Callable[[], bool]]:
    def change() -> Callable[[], bool]:
        if add:
            w.client.create_association("companies", company, "contacts", contact)
        else:
            w.client.archive_association("companies", company, "contacts", contact)
        sql = ("SELECT 1 FROM hubspot_cache.associations_company_contact WHERE company_id = %s AND contact_id = %s")
        return lambda: (w.one(sql, (company, contact)) is not None) == add
    return change


def leave(w: World, record_id: str, reason: str, how: Callable[[], None]) -> Callable[[], Callable[[], bool]]:
    def change() -> Callable[[], bool]:
        how()
        return lambda: (w.one("SELECT 1 FROM hubspot_cache.contacts WHERE id = %s", (record_id,)) is None
                        and w.one("SELECT reason FROM hubspot_fdw.deleted_records WHERE table_name = 'contacts' "
                                  "AND record_id = %s", (record_id,)) == reason)
    return change


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def show(label: str, values: list[float], target: float) -> bool:
    m = median(values)
    ok = m <= target
    print(f"  {label:<44} median {m:7.1f} s  max {max(values):7.1f} s  (n={len(values)}; target <= {target:g} s) "
          f"{'OK' if ok else 'MISSED'}")
    return ok


def import_tables(dsn: str, sim: SimulatorProcess, tables: list[str] = TABLES) -> None:
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("CREATE EXTENSION hubspot_fdw")
        cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        cur.execute("CREATE SCHEMA crm")
        cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({', '.join(tables)}) FROM SERVER hubspot INTO crm")
    admin.close()


def large_backfill(a: argparse.Namespace) -> bool:
    """A backfill larger than the day's share: calls per portal day, days to finish."""
    zone = ZoneInfo("US/Eastern")  # the simulator's portal time zone (account details)
    companies, deals = max(1, a.large_contacts // 10), max(1, a.large_contacts * 3 // 20)
    with ThrowawayPostgres() as pg, start_simulator(
            seed=9, owners=5, contacts=a.large_contacts, companies=companies, deals=deals, index_lag_ms=0,
            time_scale=TIME_SCALE, burst_limit=100, daily_limit=a.large_daily_limit, search_limit=50,
            time_zone="US/Eastern", **ZERO) as sim:
        import_tables(pg.dsn, sim)
        config = SyncConfig()
        share = int(a.large_daily_limit * config.daily_share)
        seq = sim.admin("GET", "/requests?since=999999999")["last"]
        w = World(sim, pg.dsn, config)
        started, real0 = w.vclock.now(), time.monotonic()
        while any(not w.m.ctx.state(t).backfill_done for t in w.tables):
            if time.monotonic() - real0 > a.large_max_seconds:
                print(f"large backfill: not done after {a.large_max_seconds:g} s real; stopped")
                return False
            w.vclock.sleep(max(0.01, w.step()), w.m.ctx.stop)
        finished = w.vclock.now()
        log = sim.requests(seq)
        w.conn.close()
    day = lambda e: datetime.fromtimestamp(e["atMs"] / 1000, timezone.utc).astimezone(zone).date()  # noqa: E731
    per_day = Counter(day(e) for e in log)
    polls = Counter(day(e) for e in log if e["path"].endswith("/search"))
    pages = [e for e in log if e["method"] == "GET" and "/crm/v3/objects/" in e["path"]
             and e["query"].get("properties") != ["hs_object_id"] and "true" not in e["query"].get("archived", [])
             and e["path"].count("/") == 4]
    refetched = len(pages) - len({(e["path"], tuple(e["query"].get("after", []))) for e in pages})
    days = (finished - started).total_seconds() / 86_400
    refused = sum(1 for e in log if e["status"] == 429)
    print(f"\nlarge backfill: {a.large_contacts:,} contacts, {companies:,} companies, {deals:,} deals; daily limit "
          f"{a.large_daily_limit:,}, share {share:,} calls per portal day (US/Eastern)")
    print(f"  {'sync calls until the backfill was done':<44} {len(log):9,}       "
          f"({len(log) / share:.1f} x the day's share)")
    ok = max(per_day.values()) <= share and refused == 0 and refetched == 0
    backfill = Counter(day(e) for e in pages) + Counter(
        day(e) for e in log if e["path"].startswith("/crm/v4/associations/") and e["method"] == "POST")
    for d in sorted(per_day):
        print(f"  {'  calls on ' + d.isoformat():<44} {per_day[d]:9,}       (share {share:,}; "
              f"{per_day[d] / share:.0%}: {backfill[d]} backfill pages and batch reads, {polls[d]} polls, "
              f"{per_day[d] - backfill[d] - polls[d]} other)")
    print(f"  {'days to finish (virtual)':<44} {days:9.2f}       ({len(per_day)} portal days)")
    print(f"  {'pages fetched twice / 429 answers':<44} {refetched:5} / {refused:<5}")
    print(f"  {'largest day vs the share':<44} {max(per_day.values()):9,}       (target <= {share:,}) "
          f"{'OK' if ok else 'MISSED'}")
    return ok


def run(a: argparse.Namespace) -> bool:
    random.seed(7)
    with ThrowawayPostgres() as pg, start_simulator(
            seed=5, owners=5, contacts=5000, companies=1000, deals=1500, index_lag_ms=a.index_lag_ms,
            time_scale=TIME_SCALE, burst_limit=100, daily_limit=250_000, **ZERO) as sim:
        import_tables(pg.dsn, sim)
        w = World(sim, pg.dsn)
        print(f"synced tables: {', '.join(w.tables)}  (imported: {len(TABLES)})")
        started, seq = time.monotonic(), w.last_seq()
        while any(not w.m.ctx.state(t).backfill_done for t in w.tables):
            w.step()
        print(f"backfill: {w.calls_since(seq)} calls, {time.monotonic() - started:.1f} s real")

        # active: changes every few seconds
        active, assoc, gone = [], [], {"archived": [], "merged": [], "gone": []}
        contacts = w.ids("contacts", 60)
        companies = w.ids("companies", 20)
        deals = w.ids("deals", 20)
        for i in range(a.samples):
            table = ("contacts", "companies", "deals")[i % 3]
            record = {"contacts": contacts, "companies": companies, "deals": deals}[table][i]
            active.append(w.measure(edit(w, table, record), offset=random.uniform(0.5, 3.0)))
        for i in range(4):
            pair = (companies[i], contacts[20 + i])
            assoc.append(w.measure(associate(w, *pair, add=True), offset=random.uniform(0.5, 3.0)))
            assoc.append(w.measure(associate(w, *pair, add=False), offset=random.uniform(0.5, 3.0)))
        for i in range(3):
            victim = contacts[30 + i]
            gone["archived"].append(w.measure(leave(w, victim, "archived", lambda v=victim: sim.admin(
                "POST", f"/objects/contacts/{v}/archive")), offset=random.uniform(0.5, 3.0)))
            loser = contacts[40 + i]
            gone["merged"].append(w.measure(leave(w, loser, "merged", lambda v=loser, p=contacts[50 + i]: sim.admin(
                "POST", "/objects/contacts/merge", {"primaryObjectId": p, "objectIdToMerge": v})),
                offset=random.uniform(0.5, 3.0)))
            doomed = contacts[45 + i]
            gone["gone"].append(w.measure(leave(w, doomed, "gone", lambda v=doomed: w.client.transport.request(
                "POST", "/crm/v3/objects/contacts/gdpr-delete", json_body={"objectId": v})),
                offset=random.uniform(0.5, 3.0)))

        # idle: one (or more) simulated hours without a change
        idle_seconds = 3600.0 * a.idle_hours
        w.idle(600)  # let intervals settle first (a table quiet for 10 minutes is polled every minute)
        seq, t0, real0 = w.last_seq(), w.now(), time.monotonic()
        w.idle(idle_seconds)
        idle_calls = w.calls_since(seq)
        per_day = idle_calls * 86_400 / (w.now() - t0)
        print(f"idle: {idle_calls} calls in {(w.now() - t0) / 60:.0f} simulated minutes "
              f"({time.monotonic() - real0:.1f} s real)")

        after_idle = []
        for i in range(a.idle_samples):
            table = ("contacts", "companies", "deals")[i % 3]
            record = {"contacts": contacts, "companies": companies, "deals": deals}[table][10 + i]
            after_idle.append(w.measure(edit(w, table, record), offset=random.uniform(0, 60)))
            w.idle(600)
        status = w.one("SELECT server_projected_calls_per_day FROM hubspot_fdw.sync_status LIMIT 1")
        allowed = w.one("SELECT server_calls_allowed_per_day FROM hubspot_fdw.sync_status LIMIT 1")

        print("\nresults (virtual seconds; the portal's daily limit is 250,000)")
        ok = per_day <= 5000
        print(f"  {'idle calls per day (projected)':<44} {per_day:9.0f}       (target <= 5,000; "
              f"{per_day / 2500:.2f}% of the daily limit) {'OK' if ok else 'MISSED'}")
        print(f"  {'planner projection (sync_status)':<44} {status!s:>9}       (allowed: {allowed} per day)")
        ok &= show("change -> cache, active", active, 10)
        ok &= show("change -> cache, after an idle hour", after_idle, 60)
        ok &= show("association added / removed -> cache", assoc, 300)
        bound = max(10.0, median(active))
        ok &= show("archived -> gone from the table", gone["archived"], bound)
        ok &= show("merged -> gone from the table", gone["merged"], bound)
        ok &= show("GDPR-deleted -> gone from the table", gone["gone"], bound)
        w.conn.close()
        return ok


def main() -> None:
    run_as_postgres()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--idle-hours", type=float, default=1.0)
    ap.add_argument("--samples", type=int, default=9, help="edits measured while active")
    ap.add_argument("--idle-samples", type=int, default=7, help="edits measured after idling")
    ap.add_argument("--index-lag-ms", type=int, default=2_000, help="simulated search index lag")
    ap.add_argument("--large-contacts", type=int, default=20_000, help="contacts of the large backfill")
    ap.add_argument("--large-daily-limit", type=int, default=1_500, help="its portal's daily limit")
    ap.add_argument("--large-max-seconds", type=float, default=600, help="real seconds before giving up")
    ap.add_argument("--skip-large", action="store_true", help="only the figures of the small portal")
    ap.add_argument("--only-large", action="store_true", help="only the large backfill")
    a = ap.parse_args()
    os.environ.setdefault("PGTZ", "UTC")
    if os.environ.get("BENCH_DEBUG"):
        import logging
        logging.basicConfig(level=logging.DEBUG, format="%(message)s")
        for name in ("urllib3", "hubspot_fdw.api"):
            logging.getLogger(name).setLevel(logging.WARNING)
    ok = True
    if not a.only_large:
        ok &= run(a)
    if not a.skip_large:
        ok &= large_backfill(a)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
