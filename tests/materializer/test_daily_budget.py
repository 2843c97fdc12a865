"""A backfill larger than the day's share: every call of the sync (backfill, polls,
deletion checks, sweeps, metadata) stays within the share of each budget day, which
runs from midnight in the portal's time zone (Asia/Tokyo here, not UTC); the backfill
pauses at its cursor, says until when, resumes at the portal's midnight and ends with
every record cached once and no page fetched twice; HubSpot's own Daily-Remaining caps
the sync when other apps used the portal's limit. Real PostgreSQL, the simulator as a
process, the sync's daemon loop on a virtual clock (the simulator's clock moves with it)."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from hubspot_fdw.materializer import clock
from hubspot_fdw.materializer.config import SyncConfig
from tests.materializer.conftest import SIZES, assert_exact, client_for, materializer, setup_server, start_sim

TOKYO = ZoneInfo("Asia/Tokyo")
TABLES = ["companies", "contacts", "associations_company_contact"]
DAILY_LIMIT = 400
SHARE = 0.10
ALLOWED = int(DAILY_LIMIT * SHARE)  # 40 calls per portal day for the whole sync
PAGE = 10                           # small pages: 300 contacts are a 30-page backfill
# list pages only: one search page (200 records) would read what 20 of these pages do
CONFIG = SyncConfig(poll_interval=60, max_poll_interval=3600, lookback_ms=5_000, index_lag_allowance_ms=0,
                    daily_share=SHARE, page_size=PAGE, metadata_interval=86_400, use_budget=False,
                    backfill_pools="list")
LIMITS = dict(no_limits=False, burst_limit=100_000, search_limit=100_000, daily_limit=DAILY_LIMIT,
              time_zone="Asia/Tokyo")


@pytest.fixture()
def virtual_clock(request):
    previous = clock.CLOCK
    yield
    clock.use(previous)


def _start_at_tokyo(sim, vclock: clock.VirtualClock, hour: int) -> None:
    """Move the sync's and the simulator's clocks to the next ``hour``:00 in Tokyo."""
    now = vclock.now().astimezone(TOKYO)
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    vclock.sleep((target - now).total_seconds(), _never())


def _never() -> threading.Event:
    return threading.Event()


def _tokyo(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(TOKYO)


def _is_backfill_page(entry: dict, table: str) -> bool:
    """A list page of the backfill (all properties), not an id listing or an archived listing."""
    query = entry["query"]
    return (entry["method"] == "GET" and entry["path"] == f"/crm/v3/objects/{table}"
            and "true" not in query.get("archived", []) and query.get("properties") != ["hs_object_id"])


def _state(db, table: str):
    with db.connect() as c, c.cursor() as cur:
        cur.execute("SELECT backfill_done, last_error, rows_written, records_stored FROM hubspot_fdw.sync_state "
                    "WHERE table_name = %s", (table,))
        return cur.fetchone()


def test_a_backfill_larger_than_the_share_spans_portal_days_within_it(db, virtual_clock) -> None:
    sizes = dict(SIZES, contacts=800, companies=40, deals=0)
    with start_sim(**sizes, **LIMITS) as sim:
        setup_server(db, sim, imported=TABLES)
        vclock = clock.VirtualClock(on_advance=clock.InMilliseconds(
            lambda ms: sim.admin("POST", "/clock", {"advance_ms": ms})))
        clock.use(vclock)
        _start_at_tokyo(sim, vclock, 20)  # four hours before the portal's midnight (11:00 UTC)
        seq = sim.admin("GET", "/requests?since=999999999")["last"]
        m, conn = materializer(db, sim, tables=TABLES, config=CONFIG)
        started, waits = time.monotonic(), []
        while any(not m.ctx.state(t).backfill_done for t in TABLES):
            assert time.monotonic() - started < 240, "the backfill did not finish in 240 s (real)"
            wait = m.run_step()
            done, note, _, _ = _state(db, "contacts")
            if not done and note and note.startswith("waiting:") and (not waits or waits[-1][1] != note):
                waits.append((vclock.now(), note))
            vclock.sleep(max(0.5, wait), m.ctx.stop)
        finished = vclock.now()
        log = [e for e in sim.requests(seq)]
        conn.close()
        # no test call in between: everything in the log is the sync's
        assert not [e for e in log if e["status"] == 429], "HubSpot refused calls"

        per_day = Counter(_tokyo(e["atMs"]).date() for e in log)
        assert max(per_day.values()) <= ALLOWED, f"calls per portal day {dict(per_day)} exceed the share {ALLOWED}"
        assert len(log) > 2 * ALLOWED and len(per_day) >= 3, f"not a multi-day backfill: {dict(per_day)}"

        # every contacts page was fetched once, and all of them were
        pages = [e for e in log if _is_backfill_page(e, "contacts")]
        afters = [tuple(e["query"].get("after", [])) for e in pages]
        assert len(afters) == len(set(afters)) == math.ceil(800 / PAGE), afters
        assert_exact(db, sim, TABLES)
        done, note, written, stored = _state(db, "contacts")
        assert done and note is None and written == stored == 800  # each record written exactly once

        # the wait was shown with the portal's midnight, and the backfill went on right after it
        assert waits, "the backfill never waited for the daily budget"
        first_wait_at, message = waits[0]
        assert "the backfill resumes at" in message and "00:01 JST (portal time zone Asia/Tokyo)" in message, message
        resume = [_tokyo(e["atMs"]) for e in pages if _tokyo(e["atMs"]) > first_wait_at.astimezone(TOKYO)][0]
        assert resume.hour == 0 and resume.date() == first_wait_at.astimezone(TOKYO).date() + timedelta(days=1), \
            f"waited at {first_wait_at.astimezone(TOKYO)}, resumed at {resume} (Tokyo)"

        # polls of the table already backfilled went on every portal day of the backfill
        polls = Counter(_tokyo(e["atMs"]).date() for e in log
                        if e["path"] == "/crm/v3/objects/companies/search")
        backfill_days = sorted(d for d in per_day if d < finished.astimezone(TOKYO).date())
        assert all(polls[d] >= 2 for d in backfill_days), f"companies polls per day {dict(polls)}"



def test_hubspot_remaining_caps_the_sync_when_other_apps_used_the_day(db, virtual_clock) -> None:
    sizes = dict(SIZES, contacts=300, companies=0, deals=0)
    with start_sim(**sizes, **LIMITS) as sim:
        setup_server(db, sim, imported=["contacts"])
        vclock = clock.VirtualClock(on_advance=clock.InMilliseconds(
            lambda ms: sim.admin("POST", "/clock", {"advance_ms": ms})))
        clock.use(vclock)
        _start_at_tokyo(sim, vclock, 9)
        other = client_for(sim)
        for _ in range(DAILY_LIMIT - 12):  # another integration of the portal spent most of today's limit
            other.transport.request("GET", "/crm/v3/objects/contacts", params={"limit": 1})
        seq = sim.admin("GET", "/requests?since=999999999")["last"]
        m, conn = materializer(db, sim, tables=["contacts"], config=CONFIG)
        for _ in range(20):
            vclock.sleep(max(0.5, min(m.run_step(), 600)), m.ctx.stop)
        today = [e for e in sim.requests(seq) if _tokyo(e["atMs"]).hour >= 9 and
                 _tokyo(e["atMs"]).date() == vclock.now().astimezone(TOKYO).date()]
        assert not [e for e in today if e["status"] == 429], "the sync ran into HubSpot's daily limit"
        assert len([e for e in today if e["path"] != "/crm/v3/objects/contacts/search"]) <= 12
        done, note, _, stored = _state(db, "contacts")
        assert not done and stored < 300 and note.startswith("waiting:"), (done, note, stored)
        assert "HubSpot counts" in note and "left for the whole portal" in note, note
        conn.close()
