"""What property history tables cost the sync: the Starter portal of sync_cost.py
(100 requests / 10 s, 250,000 / day; 5,000 contacts, 1,000 companies, 1,500 deals)
with the five tables of sync_cost.py plus ``contacts_property_history``,
``companies_property_history`` and ``deals_property_history`` (default history
properties), the daemon loop on a virtual clock. Prints figures and their goals; not
a test.

Figures: calls of the backfill (all, and those reading history), idle calls per day
(projected from a simulated idle hour; goal: no history call while idle, so the same
as without history, and <= 5,000 in all), calls to bring the stage changes of 100
deals into deals_property_history (history reads and all calls), and the history
tables' calls of the day as sync_status shows them.

    PG_BIN=... /opt/hubspot_fdw/venv/bin/python bench/history_cost.py [--idle-hours 1]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import sync_cost  # noqa: E402
from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres  # noqa: E402
from hubspot_fdw.simulator.process import start_simulator  # noqa: E402

HISTORY = ["contacts_property_history", "companies_property_history", "deals_property_history"]
CHANGED = 100
STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
          "contractsent")


def reads_history(entry: dict[str, Any]) -> bool:
    body = entry.get("body")
    return "propertiesWithHistory" in (entry.get("query") or {}) or (
        isinstance(body, dict) and bool(body.get("propertiesWithHistory")))


def split(log: list[dict[str, Any]]) -> tuple[int, int]:
    """(all calls, calls reading history)."""
    return len(log), sum(1 for e in log if reads_history(e))


def run(a: argparse.Namespace) -> bool:
    with ThrowawayPostgres() as pg, start_simulator(
            seed=5, owners=5, contacts=5000, companies=1000, deals=1500, index_lag_ms=2_000,
            time_scale=sync_cost.TIME_SCALE, burst_limit=100, daily_limit=250_000, **sync_cost.ZERO) as sim:
        sync_cost.import_tables(pg.dsn, sim, sync_cost.TABLES + HISTORY)
        w = sync_cost.World(sim, pg.dsn)
        print(f"synced tables: {', '.join(w.tables)}")
        seq, real0 = w.last_seq(), time.monotonic()
        while any(not w.m.ctx.state(t).backfill_done for t in w.tables):
            w.vclock.sleep(max(0.01, w.step()), w.m.ctx.stop)
        backfill_all, backfill_history = split(sim.requests(seq))
        rows = {t: w.one(f'SELECT count(*) FROM hubspot_cache."{t}"') for t in HISTORY}
        print(f"backfill: {backfill_all} calls, {backfill_history} of them reading history "
              f"({time.monotonic() - real0:.1f} s real); rows: "
              + ", ".join(f"{t} {n:,}" for t, n in rows.items()))

        w.idle(600)                      # intervals settle, as in sync_cost.py
        seq, t0 = w.last_seq(), w.now()
        w.idle(3600.0 * a.idle_hours)
        idle_all, idle_history = split(sim.requests(seq))
        per_day = idle_all * 86_400 / (w.now() - t0)
        history_per_day = idle_history * 86_400 / (w.now() - t0)

        deals = w.ids("deals", CHANGED, offset=100)
        seq, t0 = w.last_seq(), w.now()
        for i, deal in enumerate(deals):
            sim.admin("PATCH", f"/objects/deals/{deal}", {"properties": {"dealstage": STAGES[i % len(STAGES)],
                                                                          "amount": str(1000 + i)}})
        expect = {d: str(1000 + i) for i, d in enumerate(deals)}

        def arrived() -> bool:
            w.cur.execute("SELECT deal_id, value FROM hubspot_cache.deals_property_history h WHERE property = "
                          "'amount' AND deal_id = ANY(%s) AND changed_at = (SELECT max(changed_at) FROM "
                          "hubspot_cache.deals_property_history x WHERE x.deal_id = h.deal_id AND "
                          "x.property = 'amount')", (deals,))
            return {r[0]: r[1] for r in w.cur.fetchall()} == expect
        while not arrived() and w.now() - t0 < 900:
            w.vclock.sleep(max(0.01, w.step()), w.m.ctx.stop)
        took = w.now() - t0
        change_all, change_history = split(sim.requests(seq))
        w.cur.execute("SELECT table_name, api_calls_today FROM hubspot_fdw.sync_state "
                      "WHERE table_name LIKE '%%_property_history' ORDER BY 1")
        status = w.cur.fetchall()
        ok = idle_history == 0 and per_day <= 5000 and arrived()
        print("\nresults (Starter portal; default history properties of contacts, companies, deals)")
        print(f"  {'backfill calls reading history':<44} {backfill_history:9,}       "
              f"(one per 50 records: {sum(-(-n // 50) for n in (5000, 1000, 1500))} expected)")
        print(f"  {'backfill calls, all tables':<44} {backfill_all:9,}")
        print(f"  {'idle calls per day (projected)':<44} {per_day:9.0f}       (target <= 5,000) "
              f"{'OK' if per_day <= 5000 else 'MISSED'}")
        print(f"  {'  of which reading history':<44} {history_per_day:9.0f}       (goal 0: the same as without "
              f"history) {'OK' if idle_history == 0 else 'MISSED'}")
        print(f"  {f'calls for {CHANGED} changed deals, reading history':<44} {change_history:9,}       "
              f"(one batch read per 50 changed deals)")
        print(f"  {f'calls for {CHANGED} changed deals, all':<44} {change_all:9,}       "
              f"(polls and association re-reads included; {took:.0f} virtual s until all arrived)")
        for name, calls in status:
            print(f"  {'sync_status calls today: ' + name:<44} {calls:9,}")
        w.conn.close()
        return ok


def main() -> None:
    run_as_postgres()
    os.environ.setdefault("PGTZ", "UTC")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-hours", type=float, default=1.0, help="simulated idle hours measured")
    sys.exit(0 if run(parser.parse_args()) else 1)


if __name__ == "__main__":
    main()
