"""More than 10,000 changes in one poll window: one incremental pass brings them all
(the search is re-windowed past HubSpot's 10,000-result cap)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.materializer.conftest import assert_exact, cached, materializer, setup_server, start_sim

CONTACTS = 10_300


@pytest.fixture(scope="module")
def big_sim():
    with start_sim(contacts=CONTACTS, companies=0, deals=0) as s:
        yield s


def _touch_all(sim, ids: list[str], threads: int = 4, limit_s: float = 90.0) -> None:
    """Admin-edit every id (as a user in the UI would), from a few keep-alive sessions."""
    errors: list[str] = []
    deadline = time.monotonic() + limit_s

    def work(part: list[str]) -> None:
        with requests.Session() as session:
            for cid in part:
                if time.monotonic() > deadline:
                    errors.append("deadline")
                    return
                r = session.patch(f"{sim.admin_url}/objects/contacts/{cid}",
                                  json={"properties": {"lastname": f"Bulk{cid}"}}, timeout=10)
                if r.status_code != 200:
                    errors.append(f"{cid}: {r.status_code}")
                    return

    workers = [threading.Thread(target=work, args=(ids[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(limit_s + 10)
    assert not errors, errors[:5]


def test_more_than_10000_changes_in_one_window(db, big_sim) -> None:
    sim = big_sim
    setup_server(db, sim)
    m, conn = materializer(db, sim, tables=["contacts"])
    try:
        assert m.run_once()["contacts"].phase == "live"
        ids = sorted(k[0] for k in cached(db, ["contacts"])["contacts"])
        assert len(ids) == CONTACTS
        _touch_all(sim, ids)
        sim.clear_requests()
        state = m.run_table("contacts")  # one incremental pass
        assert state.phase == "live", state.last_error
        searches = [r for r in sim.requests() if r["path"].endswith("/search")]
        assert len(searches) > 10_000 // 200, "expected the poll to page past the 10,000 cap"
        with db.connect() as c, c.cursor() as cur:
            cur.execute("SELECT count(*) FROM hubspot_cache.contacts WHERE lastname = 'Bulk' || id")
            assert cur.fetchone()[0] == CONTACTS
        assert_exact(db, sim, ["contacts"])
    finally:
        conn.close()
