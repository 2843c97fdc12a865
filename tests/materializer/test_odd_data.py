"""Odd data never stops the sync, and a table that keeps failing backs off.

A NUL character in text (accepted by HubSpot's public API) and uncastable values (set
through the simulator's admin API) are stored (text without its NULs, NULL) and
recorded in sync_errors by the CLI's ``--once``; the backfill reaches every record. A
table whose passes fail is tried again after a wait that doubles with each failure in
a row, up to a cap, with the reason in sync_status; the other tables go on. The
daemon's loop runs on a virtual clock, so the waits are checked, not timed."""

from __future__ import annotations

import threading

from hubspot_fdw.materializer import backoff, clock
from tests.materializer.conftest import client_for, materializer, run_sync, setup_server


def _rows(db, sql: str, params: tuple = ()) -> list[tuple]:
    with db.connect() as c, c.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def test_odd_values_do_not_stop_the_cli_sync(db, sim) -> None:
    setup_server(db, sim, imported=["contacts"])
    client = client_for(sim)
    nul = client.create_object("contacts", {"firstname": "nul\u0000api", "lastname": "Odd"})
    raw = client.create_object("contacts", {"firstname": "Raw", "lastname": "Odd"})
    sim.admin("PATCH", f"/objects/contacts/{raw.id}",
              {"properties": {"annualrevenue": "lots", "date_of_birth": "yesterday"}, "raw": True})
    done = run_sync(db, "--once", "--tables", "contacts")
    assert done.returncode == 0, done.stderr[-2000:]
    status = _rows(db, "SELECT phase, last_error, cast_errors FROM hubspot_fdw.sync_status "
                       "WHERE table_name = 'contacts'")
    assert status == [("live", None, 3)]
    assert _rows(db, "SELECT count(*) FROM hubspot_cache.contacts") == [(client.count("contacts"),)]
    assert _rows(db, "SELECT firstname, annualrevenue, date_of_birth FROM hubspot_cache.contacts WHERE id = %s",
                 (nul.id,)) == [("nulapi", None, None)]
    assert _rows(db, "SELECT property, raw_value, error FROM hubspot_fdw.sync_errors WHERE record_id IN (%s, %s) "
                     "ORDER BY record_id, property", (nul.id, raw.id)) == [
        ("firstname", "nul\\u0000api", "text with NUL characters, stored without them"),
        ("annualrevenue", "lots", "'lots' is not a number"),
        ("date_of_birth", "yesterday", "'yesterday' is not a date")]


def test_a_failing_table_backs_off_and_the_others_go_on(db, sim) -> None:
    tables = ["companies", "contacts"]
    setup_server(db, sim, imported=tables)
    vclock = clock.VirtualClock()
    previous = clock.use(vclock)
    engine, conn = materializer(db, sim, tables=tables)
    try:
        engine.prepare()
        # every contacts row is refused by the cache: its passes fail, companies' do not
        _rows(db, "ALTER TABLE hubspot_cache.contacts ADD CONSTRAINT refuse_all CHECK (id IS NULL)")
        failures_at: dict[int, object] = {}
        steps = 0
        while len(failures_at) < 6 and steps < 200:
            wait = engine.run_step()
            steps += 1
            state = engine.ctx.state("contacts")
            if state.consecutive_failures:
                failures_at.setdefault(state.consecutive_failures, state.last_error_at)
            vclock.sleep(max(wait, 0.001), threading.Event())
        assert len(failures_at) == 6, (steps, failures_at)
        gaps = [(failures_at[n + 1] - failures_at[n]).total_seconds() for n in range(1, 6)]
        assert all(gap >= backoff.delay(n) for n, gap in zip(range(1, 6), gaps)), gaps
        assert steps < 100  # no busy loop while a table waits
        status = _rows(db, "SELECT phase, last_error FROM hubspot_fdw.sync_status WHERE table_name = 'contacts'")[0]
        assert status[0] == "failing" and "refuse_all" in status[1]
        assert "in a row; next attempt at" in status[1]
        assert _rows(db, "SELECT phase FROM hubspot_fdw.sync_status WHERE table_name = 'companies'") == [("live",)]
    finally:
        clock.use(previous)
        conn.close()
        _rows(db, "ALTER TABLE IF EXISTS hubspot_cache.contacts DROP CONSTRAINT IF EXISTS refuse_all")


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff.delay(n) for n in range(0, 4)] == [0.0, backoff.BASE_SECONDS, 2 * backoff.BASE_SECONDS,
                                                       4 * backoff.BASE_SECONDS]
    assert backoff.delay(50) == backoff.CAP_SECONDS
