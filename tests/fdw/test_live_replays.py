"""Replays of live scans (no HubSpot, no PostgreSQL): only finished scans replay, the
bound holds, and forgetting ends replays."""

from __future__ import annotations

from typing import Iterator

from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.fdw.live import LivePlan
from hubspot_fdw.fdw.live_scans import Replays


def plan(ids: list[str] | None = None) -> LivePlan:
    table = TableSpec.__new__(TableSpec)  # the key never looks at the table
    return LivePlan(table, "batch_read" if ids else "list", ["id"], ["hs_object_id"], ids=ids)


class Source:
    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __call__(self) -> Iterator[dict]:
        self.calls += 1
        return iter({"id": str(i)} for i in range(self.n))


def test_a_finished_scan_replays_and_another_request_does_not():
    replays, source = Replays(lambda: 0), Source(3)
    assert list(replays.rows(plan(), source())) == [{"id": "0"}, {"id": "1"}, {"id": "2"}]
    assert list(replays.rows(plan(), source())) == [{"id": "0"}, {"id": "1"}, {"id": "2"}]
    assert source.calls == 2 and replays.stats.replayed == 1  # second source() never iterated
    list(replays.rows(plan(["1"]), source()))
    assert replays.stats.replayed == 1 and replays.stats.executions == 3


def test_a_scan_stopped_early_is_not_replayed():
    replays = Replays(lambda: 0)
    rows = replays.rows(plan(), Source(5)())
    next(rows)
    assert len(list(replays.rows(plan(), Source(5)()))) == 5
    assert replays.stats.replayed == 0


def test_the_bound_and_forgetting():
    replays = Replays(lambda: 0, max_rows=4)
    list(replays.rows(plan(), Source(5)()))
    list(replays.rows(plan(), Source(5)()))
    assert replays.stats.replayed == 0  # too many rows to keep
    list(replays.rows(plan(["a"]), Source(2)()))
    list(replays.rows(plan(["a"]), Source(2)()))
    assert replays.stats.replayed == 1
    replays.forget()
    list(replays.rows(plan(["a"]), Source(2)()))
    assert replays.stats.replayed == 0 and replays.stats.executions == 1
