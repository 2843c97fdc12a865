"""Records of one object type: lazy seeded records, created ones, archive state,
unique-value lookup and the (possibly lagging) view the search index sees.

All access happens under the portal lock (portal.py). Does not validate values,
serialize JSON, or evaluate search filters.
"""

from __future__ import annotations

import bisect
from typing import Callable, Iterator

from hubspot_fdw.simulator.objecttypes import ObjectType
from hubspot_fdw.simulator.records import Record

Generator = Callable[[ObjectType, int], Record]
SeedLookup = Callable[[str, str], "int | None"]   # (property, value) → seeded index


class TypeStore:
    def __init__(self, otype: ObjectType, seeded: int, generate: Generator,
                 seed_lookup: SeedLookup | None = None) -> None:
        self.type = otype
        self.base = otype.id_base
        self.seeded = seeded
        self.generate = generate
        self.seed_lookup = seed_lookup
        self.records: dict[int, Record] = {}      # materialized (touched, created)
        self.created_ids: list[int] = []          # ascending, all ≥ base + seeded
        self.next_id = self.base + seeded + 100   # a gap, like real portals
        self.unique: dict[str, dict[str, int]] = {}
        self.stale: dict[int, tuple[int, Record | None]] = {}   # search index lag

    # -- reading -------------------------------------------------------------------------
    def raw(self, rid: int) -> Record | None:
        """The record whatever its state (archived, deleted), materializing seeds."""
        rec = self.records.get(rid)
        if rec is None and self.base <= rid < self.base + self.seeded:
            rec = self.generate(self.type, rid - self.base)
            self.records[rid] = rec
        return rec

    def get(self, rid: int, archived: bool = False) -> Record | None:
        rec = self.raw(rid)
        if rec is None or rec.deleted or rec.archived != archived:
            return None
        return rec

    def is_live(self, rid: int) -> bool:
        rec = self.records.get(rid)
        if rec is None:
            return self.base <= rid < self.base + self.seeded
        return not rec.archived and not rec.deleted

    def ids_from(self, after: int) -> Iterator[int]:
        """All ids ≥ after, ascending (seeded range, then created ids)."""
        end = self.base + self.seeded
        start = max(after, self.base)
        if start < end:
            yield from range(start, end)
        pos = bisect.bisect_left(self.created_ids, after)
        yield from self.created_ids[pos:]

    def page(self, after: int, limit: int, archived: bool) -> tuple[list[Record], int | None]:
        """Up to `limit` records with id ≥ after in the given archive state, and the id of
        the next such record (None at the end). Same result as filtering `get` over
        `ids_from`; inlined because every list request runs it."""
        out: list[Record] = []
        records = self.records
        raw = self.raw
        for rid in self.ids_from(after):
            rec = records.get(rid)
            if rec is None:
                rec = raw(rid)
                if rec is None:
                    continue
            if rec.deleted or rec.archived != archived:
                continue
            if len(out) == limit:
                return out, rid
            out.append(rec)
        return out, None

    def count(self) -> int:
        return sum(1 for r in self.ids_from(0) if self.is_live(r))

    # -- unique values -------------------------------------------------------------------
    def find_unique(self, prop: str, value: str) -> Record | None:
        """Live record holding `value` in unique property `prop` (case-insensitive)."""
        v = value.lower()
        rid = self.unique.get(prop, {}).get(v)
        if rid is not None:
            rec = self.get(rid)
            if rec is not None and (rec.props.get(prop) or "").lower() == v:
                return rec
        if self.seed_lookup is not None:
            idx = self.seed_lookup(prop, v)
            if idx is not None:
                rec = self.get(self.base + idx)
                if rec is not None and (rec.props.get(prop) or "").lower() == v:
                    return rec
        return None

    def index_unique(self, rec: Record, props: list[str]) -> None:
        for p in props:
            v = rec.props.get(p)
            if v:
                self.unique.setdefault(p, {})[v.lower()] = rec.id

    # -- writing -------------------------------------------------------------------------
    def new_id(self) -> int:
        rid = self.next_id
        self.next_id += 1
        return rid

    def insert(self, rec: Record) -> None:
        self.records[rec.id] = rec
        self.created_ids.append(rec.id)

    # -- search index view ---------------------------------------------------------------
    def before_write(self, rec: Record | None, rid: int, now_ms: int, lag_ms: int) -> None:
        """Remember what search still sees for `rid` until now + lag."""
        if lag_ms <= 0:
            return
        old = self.stale.get(rid)
        if old is None or old[0] <= now_ms:
            snap = None if rec is None or rec.deleted or rec.archived else rec.snapshot()
            self.stale[rid] = (now_ms + lag_ms, snap)
        else:
            self.stale[rid] = (now_ms + lag_ms, old[1])

    def searchable(self, now_ms: int) -> Iterator[Record]:
        """Records as the search index sees them at now_ms, ascending id."""
        stale = self.stale
        if stale:
            for rid in [r for r, (t, _) in stale.items() if t <= now_ms]:
                del stale[rid]
        for rid in self.ids_from(0):
            if stale and rid in stale:
                snap = stale[rid][1]
                if snap is not None:
                    yield snap
                continue
            rec = self.get(rid)
            if rec is not None:
                yield rec
