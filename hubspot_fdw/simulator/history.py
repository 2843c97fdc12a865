"""Property history: every value a property had, with who or what set it.

HubSpot serves it as ``propertiesWithHistory`` (newest first): value, timestamp,
sourceType (API, CRM_UI, IMPORT, CALCULATED, MERGE...), sourceId, sourceLabel and
updatedByUserId. Records written through the API keep their history on the record
(writes.py); seeded records get a plausible history computed from their seed, so a
portal of any size has one without storing it: created by an import, then for stage
properties (deal stage, ticket stage, lifecycle stage) a few moves through the
stages before the current one, made in HubSpot by the record's owner over the months
between creation and the last modification.

Does not parse requests or choose which properties a response carries (serialize.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from hubspot_fdw.simulator.clock import iso_ms

APP_ID = "1234567"            # the private app the simulator's token belongs to
APP_LABEL = "hubspot_fdw simulator app"
IMPORT_ID = "simulator-seed-import"
LIFECYCLE_ORDER = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
                   "customer", "evangelist", "other")
MAX_SEEDED_STEPS = 8          # entries of a seeded stage history (created value included)


@dataclass(frozen=True, slots=True)
class Source:
    """Who or what made a change."""

    type: str                           # sourceType
    id: Optional[str] = None            # sourceId
    label: Optional[str] = None         # sourceLabel
    user_id: Optional[int] = None       # updatedByUserId

    @classmethod
    def api(cls) -> "Source":
        return cls("API", APP_ID, APP_LABEL)

    @classmethod
    def user(cls, user_id: int | None, source_type: str = "CRM_UI") -> "Source":
        return cls(source_type, f"userId:{user_id}" if user_id is not None else None, None, user_id)

    @classmethod
    def imported(cls) -> "Source":
        return cls("IMPORT", IMPORT_ID, "Import")

    @classmethod
    def calculated(cls) -> "Source":
        return cls("CALCULATED", "calculated", None)

    @classmethod
    def of(cls, name: str) -> "Source":
        """The default source for a write tagged with a sourceType name only."""
        if name == "API":
            return cls.api()
        if name == "IMPORT":
            return cls.imported()
        if name == "CALCULATED":
            return cls.calculated()
        return cls(name)


@dataclass(frozen=True, slots=True)
class Entry:
    """One value a property had (``None`` = emptied)."""

    value: Optional[str]
    timestamp: int                      # epoch ms
    source: Source

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value if self.value is not None else "",
                               "timestamp": iso_ms(self.timestamp), "sourceType": self.source.type}
        if self.source.id is not None:
            out["sourceId"] = self.source.id
        if self.source.label is not None:
            out["sourceLabel"] = self.source.label
        if self.source.user_id is not None:
            out["updatedByUserId"] = self.source.user_id
        return out


def entries(portal: Any, t: Any, rec: Any, name: str) -> list[Entry]:
    """The history of property ``name`` of ``rec``, newest first."""
    if rec.history is not None and name in rec.history:
        return rec.history[name]
    value = rec.props.get(name)
    if value is None:
        return []
    if not rec.seeded:
        return [Entry(value, rec.created_ms, Source.api())]
    return seeded(portal, t, rec, name, value)


def record_changes(portal: Any, t: Any, rec: Any, changes: dict[str, Optional[str]], now: int,
                   source: Source) -> None:
    """Add one entry per changed property (the seeded history kept as the older entries)."""
    if rec.history is None:
        rec.history = {}
    for name, value in changes.items():
        old = entries(portal, t, rec, name)
        rec.history[name] = [Entry(value, now, source), *old]


def user_of_owner(portal: Any, owner_id: Optional[str]) -> Optional[int]:
    for o in getattr(portal, "owners", []):
        if o.id == owner_id:
            return o.user_id
    return None


def default_user(portal: Any) -> Optional[int]:
    owners = [o for o in getattr(portal, "owners", []) if not o.archived]
    return owners[0].user_id if owners else None


def _stage_path(portal: Any, t: Any, rec: Any, name: str, value: str) -> list[str] | None:
    """The ordered values a seeded stage property went through, ending at ``value``."""
    if t.name == "deals" and name == "dealstage":
        pipes = portal.pipelines.get("0-3", [])
        pipe = next((p for p in pipes if p.id == rec.props.get("pipeline")), None)
        order = [s.id for s in pipe.stages] if pipe else []
    elif t.name == "tickets" and name == "hs_pipeline_stage":
        pipes = portal.pipelines.get("0-5", [])
        pipe = next((p for p in pipes if p.id == rec.props.get("hs_pipeline")), None)
        order = [s.id for s in pipe.stages] if pipe else []
    elif name == "lifecyclestage" and t.name in ("contacts", "companies"):
        order = list(LIFECYCLE_ORDER)
    else:
        return None
    if value not in order:
        return None
    before = order[:order.index(value)]
    if t.name == "deals":                 # a deal passes through open stages only
        before = [s for s in before if not s.startswith("closed")]
    elif t.name == "tickets":
        before = before[:-1] if len(before) > 2 else before
    keep = MAX_SEEDED_STEPS - 1
    picked = before[:1] + before[1:][-(keep - 1):] if len(before) > keep else before
    return [*picked, value]


def seeded(portal: Any, t: Any, rec: Any, name: str, value: str) -> list[Entry]:
    """A plausible history of a seeded record's property, newest first."""
    if name == t.modified_prop:           # calculated at the last modification
        return [Entry(value, rec.updated_ms, Source.calculated())]
    path = _stage_path(portal, t, rec, name, value)
    if not path or len(path) == 1:
        return [Entry(value, rec.created_ms, Source.imported())]
    user = user_of_owner(portal, rec.props.get("hubspot_owner_id")) or default_user(portal)
    span = max(len(path), rec.updated_ms - rec.created_ms)
    out = [Entry(path[0], rec.created_ms, Source.imported())]
    for k, v in enumerate(path[1:], start=1):
        out.append(Entry(v, rec.created_ms + span * k // (len(path) - 1), Source.user(user)))
    return out[::-1]
