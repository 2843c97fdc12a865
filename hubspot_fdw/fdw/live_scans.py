"""Live scans that do not multiply requests, and that say how many they made.

``Replays``: the rows of finished live scans of one table in the running statement,
by request (kind, ids, filters, columns, sort, limit). When PostgreSQL scans the table
again with the same request (the inner side of a nested loop rescanned, or a
parameterized scan given an id it already read), the rows are replayed instead of
asking HubSpot again. Bounded in rows; forgotten at the end of the scan, on rollback
and at commit, so a later statement always reads HubSpot afresh.

``counted`` attributes the HTTP requests the table's client made (its transport's
call count) to the scan whose rows were being produced, for EXPLAIN ANALYZE
("HubSpot requests: N").

Deliberately not here: what a request is (live.py), when a scan is live (readmode.py).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from hubspot_fdw.fdw.live import LivePlan

MAX_REPLAY_ROWS = 10_000


@dataclass
class ScanStats:
    """What the live scans of one table did in the running statement."""

    requests: int = 0
    executions: int = 0
    replayed: int = 0

    def describe(self) -> list[str]:
        if self.executions == 0:
            return []
        line = f"HubSpot requests: {self.requests}"
        if self.executions > 1:
            line += f" ({self.executions} executions, {self.replayed} replayed)"
        return [line]


def request_key(plan: LivePlan) -> tuple:
    return (plan.kind, tuple(plan.columns), tuple(plan.properties),
            None if plan.ids is None else tuple(plan.ids), tuple(repr(f) for f in plan.filters),
            plan.sort, plan.limit, plan.from_side)


class Replays:
    """Finished live scans of one table, replayable until forgotten."""

    def __init__(self, calls: Callable[[], int], max_rows: int = MAX_REPLAY_ROWS) -> None:
        self.calls = calls   # HTTP calls made so far by the client the scans use
        self.max_rows = max_rows
        self._rows: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
        self._held = 0
        self.stats = ScanStats()

    def forget(self) -> None:
        self._rows.clear()
        self._held = 0
        self.stats = ScanStats()

    def rows(self, plan: LivePlan, fetch: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The plan's rows: replayed if this request already finished, else ``fetch``
        (counted, and remembered when it runs to its end within the bound)."""
        self.stats.executions += 1
        key = request_key(plan)
        remembered = self._rows.get(key)
        if remembered is not None:
            self._rows.move_to_end(key)
            self.stats.replayed += 1
            return iter(remembered)
        return self._recording(key, fetch)

    def _recording(self, key: tuple, fetch: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        kept: list[dict[str, Any]] | None = []
        for row in self._counted(fetch):
            if kept is not None:
                kept.append(row)
                if len(kept) > self.max_rows:
                    kept = None
            yield row
        if kept is not None:
            self._remember(key, kept)

    def _counted(self, fetch: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        iterator = iter(fetch)
        while True:
            before = self.calls()
            try:
                row = next(iterator)
            except StopIteration:
                return
            finally:
                self.stats.requests += self.calls() - before
            yield row

    def _remember(self, key: tuple, rows: list[dict[str, Any]]) -> None:
        self._rows[key] = rows
        self._held += len(rows)
        while self._held > self.max_rows and len(self._rows) > 1:
            _, dropped = self._rows.popitem(last=False)
            self._held -= len(dropped)
        if self._held > self.max_rows:
            self.forget_rows()

    def forget_rows(self) -> None:
        self._rows.clear()
        self._held = 0
