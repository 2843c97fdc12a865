"""Row locks through HubSpot foreign tables: concurrent read-modify-write from several
sessions loses nothing (live and cache reads, HubSpot slow to answer), and
SELECT ... FOR UPDATE in a second session waits until the first commits, then sees
its result. Each test checks HubSpot's side too."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import psycopg2
import pytest

from hubspot_fdw.api import HubSpotClient
from fdw.conftest import query

SESSIONS = 3
UPDATES = 15
WAIT_S = 60


@pytest.fixture(autouse=True)
def clean_faults(sim, cached):
    sim.clear_faults()
    yield
    sim.clear_faults()


def amount(client: HubSpotClient, deal: str) -> Decimal:
    value = client.get_object("deals", deal, properties=["amount"]).properties.get("amount")
    return Decimal(value or 0)


@pytest.mark.parametrize("mode", ["live", "cache"])
def test_concurrent_increments_lose_nothing(db, sim, client, mode):
    offset = 1 if mode == "live" else 2
    conn = db.connect()
    deal = query(conn, "SELECT id FROM hubspot.deals ORDER BY id LIMIT 1 OFFSET %s", (offset,))[0][0]
    conn.close()
    start = amount(client, deal)
    sim.set_faults(latency_ms=30, path_contains="/batch/update")     # widen the race window
    acknowledged: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        session = db.connect()
        try:
            query(session, f"SET hubspot_fdw.read_mode = '{mode}'")
            for _ in range(UPDATES):
                with session.cursor() as cur:
                    cur.execute("UPDATE hubspot.deals SET amount = coalesce(amount, 0) + 1 WHERE id = %s", (deal,))
                    acknowledged.append(cur.rowcount)
        except BaseException as error:  # re-raised by the test
            failures.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=worker) for _ in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S * 3)
    assert not failures, failures
    assert acknowledged == [1] * (SESSIONS * UPDATES)
    assert amount(client, deal) == start + SESSIONS * UPDATES
    updates = [r for r in sim.requests() if r["path"].endswith("/deals/batch/update")]
    assert len(updates) >= SESSIONS * UPDATES
    if mode == "cache":
        conn = db.connect()
        assert query(conn, "SELECT amount FROM hubspot_cache.deals WHERE id = %s", (deal,)) == [
            (start + SESSIONS * UPDATES,)]
        conn.close()


def waiting_on_lock(db, pid: int) -> bool:
    watcher = db.connect()
    try:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            rows = query(watcher, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,))
            if rows and rows[0][0] == "Lock":
                return True
            time.sleep(0.05)
        return False
    finally:
        watcher.close()


@pytest.mark.parametrize("mode", ["live", "cache"])
def test_select_for_update_waits_for_the_first_session(db, sim, client, mode):
    first = db.connect(autocommit=False)
    second = db.connect(autocommit=False)
    try:
        for session in (first, second):
            query(session, f"SET hubspot_fdw.read_mode = '{mode}'")
        contact = query(first, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET %s",
                        (3 if mode == "live" else 4,))[0][0]
        assert query(first, "SELECT id FROM hubspot.contacts WHERE id = %s FOR UPDATE", (contact,)) == [(contact,)]
        second_pid = query(second, "SELECT pg_backend_pid()")[0][0]
        seen: list = []

        def lock_it() -> None:
            seen.extend(query(second, "SELECT firstname FROM hubspot.contacts WHERE id = %s FOR UPDATE",
                              (contact,)))

        waiter = threading.Thread(target=lock_it)
        waiter.start()
        assert waiting_on_lock(db, second_pid), "the second FOR UPDATE did not wait"
        assert seen == []
        query(first, "UPDATE hubspot.contacts SET firstname = %s WHERE id = %s", (f"Locked-{mode}", contact))
        first.commit()
        waiter.join(WAIT_S)
        assert seen == [(f"Locked-{mode}",)]                          # the committed result, read after the wait
        second.commit()
    finally:
        first.close()
        second.close()
    assert client.get_object("contacts", contact, properties=["firstname"]).properties["firstname"] == \
        f"Locked-{mode}"


def test_nowait_refuses_a_locked_record(db, sim):
    first = db.connect(autocommit=False)
    second = db.connect(autocommit=False)
    try:
        for session in (first, second):
            query(session, "SET hubspot_fdw.read_mode = 'live'")
        contact = query(first, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 1 OFFSET 5")[0][0]
        query(first, "UPDATE hubspot.contacts SET jobtitle = 'Warden' WHERE id = %s", (contact,))
        with pytest.raises(psycopg2.Error) as info:
            query(second, "SELECT id FROM hubspot.contacts WHERE id = %s FOR UPDATE NOWAIT", (contact,))
        assert info.value.pgcode == "55P03"
        second.rollback()
        first.commit()
    finally:
        first.close()
        second.close()


def test_skip_locked_passes_the_locked_record_by(db, sim):
    first = db.connect(autocommit=False)
    second = db.connect(autocommit=False)
    try:
        for session in (first, second):
            query(session, "SET hubspot_fdw.read_mode = 'live'")
        ids = [r[0] for r in query(first, "SELECT id FROM hubspot.contacts ORDER BY id LIMIT 2 OFFSET 8")]
        query(first, "SELECT id FROM hubspot.contacts WHERE id = %s FOR UPDATE", (ids[0],))
        rows = query(second, "SELECT id FROM hubspot.contacts WHERE id IN %s FOR UPDATE SKIP LOCKED", (tuple(ids),))
        assert rows == [(ids[1],)]
        second.rollback()
        first.rollback()
    finally:
        first.close()
        second.close()
