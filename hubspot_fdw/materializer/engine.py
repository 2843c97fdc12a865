"""The materializer: choose tables, create/evolve cache tables, run passes.

A pass over one table = finish its backfill (checkpointed per page), then one live step
(objects: incremental poll, plus archived sweep / reconciliation when due; associations:
a sweep when due; owners/pipelines: a full re-read when due). A failing table is
recorded in sync_state (phase ``failing``, last_error) and the others go on.

Deliberately not here: the command line (cli.py), SQL entry points (sql_api.py).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Iterable

from hubspot_fdw.api.budget import Priority
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.cache.runner import SqlRunner
from hubspot_fdw.catalog.build import Catalog, build_catalog
from hubspot_fdw.catalog.columns import TableSpec, object_table
from hubspot_fdw.materializer import associations, metadata, objects
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.context import CallCounter, Context, due, now_utc
from hubspot_fdw.materializer.progress import Progress
from hubspot_fdw.materializer.state import SyncState
from hubspot_fdw.materializer.store import CacheStore

log = logging.getLogger("hubspot_fdw.materializer.engine")

KIND_ORDER = {"object": 0, "owners": 1, "pipelines": 1, "pipeline_stages": 1, "association": 2}


def select_tables(catalog: Catalog, names: Iterable[str] | None) -> dict[str, TableSpec]:
    if names is None:
        chosen = list(catalog.tables.values())
    else:
        wanted = [n.strip() for n in names if n.strip()]
        unknown = [n for n in wanted if n not in catalog.tables]
        if unknown:
            raise HubSpotFdwError(f"unknown table(s): {', '.join(unknown)}", sqlstate="42P01",
                                  hint="Valid tables: " + ", ".join(catalog.tables))
        chosen = [catalog.tables[n] for n in wanted]
    chosen.sort(key=lambda s: (KIND_ORDER.get(s.kind, 9), s.name))
    return {s.name: s for s in chosen}


def catalog_types(names: Iterable[str] | None) -> list[str] | None:
    """Object types whose properties a run needs (association tables need both types)."""
    if names is None:
        return None
    from hubspot_fdw.catalog.registry import Registry
    registry = Registry.standard()
    types: set[str] = set()
    for name in names:
        if name.startswith("associations_"):
            for pair in registry.association_pairs():
                if pair.table == name:
                    types |= {pair.first.table, pair.second.table}
        elif name not in ("owners", "pipelines", "pipeline_stages"):
            types.add(name)
    return sorted(types)


class Materializer:
    def __init__(self, client: HubSpotClient, runner: SqlRunner, server: str, schema: str, *,
                 tables: Iterable[str] | None = None, config: SyncConfig | None = None,
                 catalog: Catalog | None = None, progress: Progress | None = None,
                 stop: threading.Event | None = None, reraise: bool = False) -> None:
        self.config = config or SyncConfig()
        names = list(tables) if tables is not None else None
        calls = CallCounter()
        client.transport.session.hooks.setdefault("response", []).append(calls.hook)
        if catalog is None:
            catalog = build_catalog(client, only=catalog_types(names))
        self.reraise = reraise
        self.ctx = Context(
            client_backfill=client.with_priority(Priority.BACKFILL),
            client_live=client.with_priority(Priority.INCREMENTAL),
            runner=runner, store=CacheStore(runner, server, schema), server=server, schema=schema,
            config=self.config, catalog=catalog, specs=select_tables(catalog, names),
            progress=progress or Progress("off"), calls=calls, stop=stop or threading.Event())
        self._metadata_at: float | None = None

    @property
    def specs(self) -> dict[str, TableSpec]:
        return self.ctx.specs

    def prepare(self) -> None:
        """Create or evolve every synced cache table."""
        for spec in self.specs.values():
            self.ctx.store.ensure(spec)
        self.ctx.runner.commit()

    def refresh_properties(self) -> None:
        """New HubSpot properties become new columns (no resync: values arrive as records change)."""
        for name, spec in list(self.specs.items()):
            if spec.kind != "object" or spec.object_type is None:
                continue
            props = self.ctx.client_live.list_properties(spec.object_type.api_path)
            new = object_table(spec.object_type, props)
            if new.column_names != spec.column_names:
                added = self.ctx.store.ensure(new)
                self.specs[name] = new
                if added:
                    log.info("%s: new column(s) %s", name, ", ".join(added))
        self.ctx.runner.commit()

    # -- one table ----------------------------------------------------------------------
    def run_table(self, name: str) -> SyncState:
        spec = self.specs[name]
        ctx = self.ctx
        state = ctx.state(name)
        started = now_utc()
        state.last_poll_at = started
        try:
            complete = self._pass(spec, state)
            if complete:
                state.phase = "live"
                state.consecutive_failures = 0
                state.last_success_at = started
                state.synced_through = started - timedelta(milliseconds=self.config.index_lag_allowance_ms)
                state.records_stored = ctx.store.count(spec)
            ctx.checkpoint(state)
        except (HubSpotFdwError, OSError) as exc:
            self._failed(name, exc)
        except Exception as exc:  # the daemon's supervision boundary: record, go on
            log.exception("%s: unexpected error", name)
            self._failed(name, exc)
        return ctx.state(name)

    def _failed(self, name: str, exc: BaseException) -> None:
        if self.reraise:
            raise exc
        ctx = self.ctx
        rollback = getattr(ctx.runner, "rollback", None)
        if rollback:
            rollback()
        state = ctx.state(name)
        state.phase = "failing"
        state.consecutive_failures += 1
        state.last_error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"[:2000]
        state.last_error_at = now_utc()
        state.last_poll_at = now_utc()
        log.warning("%s: pass failed (%s)", name, state.last_error)
        ctx.checkpoint(state)

    def _pass(self, spec: TableSpec, state: SyncState) -> bool:
        ctx = self.ctx
        if spec.kind == "object":
            if not state.backfill_done and not objects.backfill(ctx, spec, state):
                return False
            if not objects.poll(ctx, spec, state):
                return False
            if due(state.last_sweep_at, self.config.sweep_interval):
                sweep_started = now_utc()
                objects.sweep_archived(ctx, spec, state)
                state.last_sweep_at = sweep_started
            if due(state.cursors.get("reconciled_at"), self.config.reconcile_interval):
                objects.reconcile(ctx, spec, state)
            return True
        if spec.kind == "association":
            if not state.backfill_done:
                return associations.backfill(ctx, spec, state)
            if due(state.last_sweep_at, self.config.sweep_interval) or "sweep" in state.cursors:
                sweep_started = now_utc()
                if not associations.sweep(ctx, spec, state, "sweep"):
                    return False
                state.last_sweep_at = sweep_started
            return True
        if not state.backfill_done or due(state.last_sweep_at, self.config.metadata_interval):
            sweep_started = now_utc()
            metadata.sync(ctx, spec.name, state)
            state.backfill_done = True
            state.backfill_finished_at = state.backfill_finished_at or now_utc()
            state.last_sweep_at = sweep_started
        return True

    # -- many tables --------------------------------------------------------------------
    def run_once(self) -> dict[str, SyncState]:
        self.prepare()
        if self._metadata_at is None or time.monotonic() - self._metadata_at >= self.config.metadata_interval:
            self._metadata_at = time.monotonic()
            try:
                self.refresh_properties()
            except HubSpotFdwError as exc:
                log.warning("property refresh failed: %s", exc)
        results = {}
        for name in list(self.specs):
            if self.ctx.stop.is_set():
                break
            results[name] = self.run_table(name)
        return results

    def run_forever(self, max_seconds: float | None = None) -> None:
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        while not self.ctx.stop.is_set():
            self.run_once()
            if deadline is not None and time.monotonic() >= deadline:
                return
            self.ctx.stop.wait(self.config.poll_interval)
