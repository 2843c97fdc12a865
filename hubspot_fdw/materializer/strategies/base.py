"""The interface every kind of cache table is synced through (a ``Strategy``).

A pass over one table asks its strategy for the backfill step until the backfill is
done, then for a live step; the daily cost the planner counts for the table's live
work, the order of kinds within a run, the object types a table needs from the catalog
and whether its columns follow HubSpot's properties are the strategy's answers too.
The engine asks these questions only; it never tests a table's kind.

Deliberately not here: which kind has which strategy (``__init__.py``), scheduling
and the day's budget (engine.py, planner.py, spending.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Mapping, Sequence

from hubspot_fdw.api.models import PropertyDefinition
from hubspot_fdw.catalog.columns import TableSpec
from hubspot_fdw.catalog.registry import Registry
from hubspot_fdw.materializer.context import Context
from hubspot_fdw.materializer.planner import Planner
from hubspot_fdw.materializer.state import SyncState


@dataclass(frozen=True)
class Refreshed:
    """A table as HubSpot's properties define it now, with those properties."""

    spec: TableSpec
    properties: Sequence[PropertyDefinition]


class Strategy(ABC):
    """How one kind of table is synced. Instances hold no per-table state: everything a
    table carries from pass to pass is in its ``SyncState`` (checkpointed)."""

    #: kinds run in this order within a pass over all tables (objects first: the others
    #: read their caches); ties are broken by table name
    order: ClassVar[int]
    #: the planner paces this kind's live steps as polls (adaptive intervals, the bucket)
    polled: ClassVar[bool] = False
    #: the pass that finishes the backfill goes on to a live step (else the next pass does)
    live_after_backfill: ClassVar[bool] = True
    #: the table's columns follow HubSpot's properties (one listing a metadata interval)
    follows_properties: ClassVar[bool] = False

    def claims(self, name: str) -> bool:
        """Whether a table of this name is of this kind (asked before the catalog is read)."""
        return False

    def catalog_types(self, name: str, registry: Registry) -> set[str]:
        """The object types whose properties the catalog must read for this table."""
        return set()

    @abstractmethod
    def backfill(self, ctx: Context, spec: TableSpec, state: SyncState) -> bool:
        """Go on with the backfill: True once done (``state.backfill_done``), False when
        stopped, out of today's budget or waiting for another table."""

    @abstractmethod
    def live(self, ctx: Context, spec: TableSpec, state: SyncState, planner: Planner | None) -> int | None:
        """One live step of a backfilled table: the records it changed (what poll pacing
        reads), or None when it stopped before its end (it goes on from its checkpoint)."""

    @abstractmethod
    def daily_cost(self, ctx: Context, spec: TableSpec, planner: Planner | None) -> float:
        """Calls a day of the table's live work that polls do not pace (sweeps,
        reconciliations, re-reads); the planner adds it to every projection."""

    def refreshed(self, ctx: Context, spec: TableSpec,
                  listed: Mapping[str, Sequence[PropertyDefinition]] | None = None) -> Refreshed | None:
        """The table as HubSpot's properties define it now (one call, none when ``listed``,
        properties by API path, has its type's), for kinds that ``follows_properties``;
        None when there is nothing to follow."""
        return None
