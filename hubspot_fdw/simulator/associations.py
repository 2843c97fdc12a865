"""Association definitions (typeIds, categories, labels) and the association edges.

Every definition is directional and has an inverse; storing one direction stores
the other (hubspot-api.md §7), so reads from either side agree. Does not speak
HTTP (routes_associations.py) and does not check that records exist (callers do).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

# (from, to): (unlabeled, inverse unlabeled, primary, inverse primary)   §7.1
STANDARD: dict[tuple[str, str], tuple[int, int, int | None, int | None]] = {
    ("contact", "company"): (279, 280, 1, 2),
    ("deal", "company"): (341, 342, 5, 6),
    ("ticket", "company"): (339, 340, 26, 25),
    ("contact", "deal"): (4, 3, None, None),
    ("contact", "ticket"): (15, 16, None, None),
    ("deal", "ticket"): (27, 28, None, None),
    ("deal", "line_item"): (19, 20, None, None),
    ("quote", "deal"): (64, 63, None, None),
    ("quote", "contact"): (69, 70, None, None),
    ("quote", "company"): (71, 72, None, None),
    ("quote", "line_item"): (67, 68, None, None),
    ("contact", "contact"): (449, 449, None, None),
    ("company", "company"): (450, 450, None, None),
    ("deal", "deal"): (451, 451, None, None),
    ("ticket", "ticket"): (452, 452, None, None),
}
for _i, _eng in enumerate(("call", "email", "meeting", "note", "task")):
    STANDARD[("contact", _eng)] = (193 + 2 * (_i + (_i > 0)), 194 + 2 * (_i + (_i > 0)), None, None)
    STANDARD[("company", _eng)] = (181 + 2 * (_i + (_i > 0)), 182 + 2 * (_i + (_i > 0)), None, None)
    STANDARD[("deal", _eng)] = (205 + 2 * (_i + (_i > 0)), 206 + 2 * (_i + (_i > 0)), None, None)
    STANDARD[("ticket", _eng)] = (219 + 2 * (_i + (_i > 0)), 220 + 2 * (_i + (_i > 0)), None, None)
for _src, _ids in (("contact", (82, 81, 454, 453)), ("company", (88, 87, 460, 459)),
                   ("deal", (86, 85, 458, 457)), ("ticket", (84, 83, 456, 455))):
    STANDARD[(_src, "communication")] = (_ids[0], _ids[1], None, None)
    STANDARD[(_src, "postal_mail")] = (_ids[2], _ids[3], None, None)


@dataclass
class AssocDef:
    type_id: int
    category: str               # HUBSPOT_DEFINED | USER_DEFINED
    label: str | None           # None for the unlabeled (default) type
    name: str                   # v3 name: contact_to_company_unlabeled, contact_to_company
    from_type: str              # objectTypeId
    to_type: str
    inverse: int
    key: str = ""               # "" unlabeled, "primary", or a label name

    def to_json(self) -> dict:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


class AssociationRegistry:
    """Definitions per directed pair of objectTypeIds."""

    def __init__(self) -> None:
        self.by_pair: dict[tuple[str, str], list[AssocDef]] = {}
        self.next_custom = 600
        self.next_auto = 1000
        self._lock = threading.Lock()
        # (from, to, typeId) -> userEnforcedMaxToObjectIds (definitions/configurations API)
        self.limits: dict[tuple[str, str, int], int] = {}

    def pair(self, a: str, b: str) -> list[AssocDef]:
        return self.by_pair.get((a, b), [])

    def get(self, a: str, b: str, type_id: int) -> AssocDef | None:
        for d in self.pair(a, b):
            if d.type_id == type_id:
                return d
        return None

    def unlabeled(self, a: str, b: str) -> AssocDef | None:
        for d in self.pair(a, b):
            if d.key == "":
                return d
        return None

    def by_key(self, a: str, b: str, key: str) -> AssocDef | None:
        for d in self.pair(a, b):
            if d.key == key:
                return d
        return None

    def add_pair(self, a: str, sa: str, b: str, sb: str, fwd: int, inv: int, category: str,
                 label: str | None, inverse_label: str | None, key: str) -> tuple[AssocDef, AssocDef]:
        suffix = "" if key == "primary" else ("_unlabeled" if key == "" else f"_{key}")
        d1 = AssocDef(fwd, category, label, f"{sa}_to_{sb}{suffix}", a, b, inv, key)
        self.by_pair.setdefault((a, b), []).append(d1)
        if a == b and fwd == inv:
            return d1, d1
        d2 = AssocDef(inv, category, inverse_label, f"{sb}_to_{sa}{suffix}", b, a, fwd, key)
        self.by_pair.setdefault((b, a), []).append(d2)
        return d1, d2

    def ensure_default(self, a: str, sa: str, b: str, sb: str) -> None:
        if self.unlabeled(a, b) is None:
            with self._lock:
                fwd = self.next_auto
                inv = fwd if a == b else fwd + 1
                self.next_auto += 1 if a == b else 2
                self.add_pair(a, sa, b, sb, fwd, inv, "HUBSPOT_DEFINED", None, None, "")

    def create_label(self, a: str, sa: str, b: str, sb: str, label: str,
                     inverse_label: str | None, name: str) -> list[AssocDef]:
        with self._lock:
            fwd = self.next_custom
            inv = fwd + 1
            self.next_custom += 2
            d1, d2 = self.add_pair(a, sa, b, sb, fwd, inv, "USER_DEFINED", label,
                                   inverse_label or label, name)
        return [d1] if d1 is d2 else [d1, d2]

    def remove_label(self, a: str, b: str, type_id: int) -> bool:
        d = self.get(a, b, type_id)
        if d is None or d.category != "USER_DEFINED":
            return False
        with self._lock:
            self.by_pair[(a, b)].remove(d)
            other = self.get(b, a, d.inverse)
            if other is not None and other is not d:
                self.by_pair[(b, a)].remove(other)
        return True

    def remove_pair(self, a: str, b: str) -> None:
        """Drop every definition between two object types (both directions)."""
        with self._lock:
            self.by_pair.pop((a, b), None)
            self.by_pair.pop((b, a), None)


class AssociationStore:
    """Edges: (from type, to type) → from id → to id → tuple of typeIds (that direction)."""

    def __init__(self, registry: AssociationRegistry) -> None:
        self.registry = registry
        self.out: dict[tuple[str, str], dict[int, dict[int, tuple[int, ...]]]] = {}
        # called as on_change(a, x, b, y) when the types between x and y changed (the
        # portal bumps both records' last-modified, as HubSpot's association counts do)
        self.on_change = None

    def _side(self, a: str, b: str) -> dict[int, dict[int, tuple[int, ...]]]:
        side = self.out.get((a, b))
        if side is None:
            side = self.out[(a, b)] = {}
        return side

    def types_between(self, a: str, x: int, b: str, y: int) -> tuple[int, ...]:
        return self.out.get((a, b), {}).get(x, {}).get(y, ())

    def set_types(self, a: str, x: int, b: str, y: int, types: set[int]) -> None:
        """Replace the typeIds between x and y (direction a→b); mirrors the inverse."""
        before = self.types_between(a, x, b, y)
        inverse = set()
        for t in types:
            d = self.registry.get(a, b, t)
            inverse.add(d.inverse if d else t)
        for (s, sid, d_, did, ts) in ((a, x, b, y, types), (b, y, a, x, inverse)):
            side = self._side(s, d_)
            if ts:
                side.setdefault(sid, {})[did] = tuple(sorted(ts))
            else:
                row = side.get(sid)
                if row is not None:
                    row.pop(did, None)
                    if not row:
                        del side[sid]
        if self.on_change is not None and tuple(sorted(types)) != tuple(sorted(before)):
            self.on_change(a, x, b, y)

    def add_types(self, a: str, x: int, b: str, y: int, types: set[int]) -> None:
        self.set_types(a, x, b, y, set(self.types_between(a, x, b, y)) | types)

    def targets(self, a: str, x: int, b: str) -> dict[int, tuple[int, ...]]:
        return self.out.get((a, b), {}).get(x, {})

    def drop_pair(self, a: str, b: str) -> None:
        """Remove every edge between two object types (both directions)."""
        self.out.pop((a, b), None)
        self.out.pop((b, a), None)

    def drop_record(self, a: str, x: int) -> list[tuple[str, int, tuple[int, ...]]]:
        """Remove every edge of record x; returns (other type, other id, types a→other)."""
        removed = []
        for (s, d), side in list(self.out.items()):
            if s != a or x not in side:
                continue
            for y, ts in list(side[x].items()):
                removed.append((d, y, ts))
                self.set_types(a, x, d, y, set())
        return removed
