"""Pipelines with stages for deals and tickets (hubspot-api.md §3.3).

Does not route requests and does not check that records use existing stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hubspot_fdw.simulator.clock import iso_ms

CREATED_MS = 1_577_836_800_000   # custom pipelines: 2020-01-01


@dataclass
class Stage:
    id: str
    label: str
    order: int
    metadata: dict[str, str]
    created_ms: int
    updated_ms: int = -1
    archived_ms: int = 0          # 0: live

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "label": self.label, "displayOrder": self.order,
               "metadata": self.metadata, "archived": bool(self.archived_ms),
               "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
               "createdAt": iso_ms(self.created_ms),
               "updatedAt": iso_ms(self.created_ms if self.updated_ms < 0 else self.updated_ms)}
        if self.archived_ms:
            out["archivedAt"] = iso_ms(self.archived_ms)
        return out


@dataclass
class Audit:
    """One change of a pipeline or stage (GET .../audit answers these, newest first)."""
    action: str                   # CREATE | UPDATE | DELETE
    identifier: str
    timestamp_ms: int
    raw: dict[str, Any]


@dataclass
class Pipeline:
    id: str
    label: str
    order: int
    created_ms: int
    stages: list[Stage] = field(default_factory=list)
    updated_ms: int = -1
    archived_ms: int = 0
    audits: list[Audit] = field(default_factory=list)

    def live_stages(self) -> list[Stage]:
        return sorted((s for s in self.stages if not s.archived_ms), key=lambda s: (s.order, s.id))

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "label": self.label, "displayOrder": self.order,
               "stages": [s.to_json() for s in self.live_stages()], "archived": bool(self.archived_ms),
               "createdAt": iso_ms(self.created_ms),
               "updatedAt": iso_ms(self.created_ms if self.updated_ms < 0 else self.updated_ms)}
        if self.archived_ms:
            out["archivedAt"] = iso_ms(self.archived_ms)
        return out


def _deal_stages(pairs: list[tuple[str, str, str]], created: int) -> list[Stage]:
    return [Stage(sid, label, i, {"isClosed": "true" if prob in ("0.0", "1.0") else "false",
                                  "probability": prob}, created)
            for i, (sid, label, prob) in enumerate(pairs)]


def seed_pipelines() -> dict[str, list[Pipeline]]:
    """objectTypeId → pipelines. Default pipelines have createdAt = epoch 0."""
    sales = Pipeline("default", "Sales Pipeline", 0, 0, _deal_stages([
        ("appointmentscheduled", "Appointment Scheduled", "0.2"),
        ("qualifiedtobuy", "Qualified To Buy", "0.4"),
        ("presentationscheduled", "Presentation Scheduled", "0.6"),
        ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
        ("contractsent", "Contract Sent", "0.9"),
        ("closedwon", "Closed Won", "1.0"),
        ("closedlost", "Closed Lost", "0.0")], 0))
    renewals = Pipeline("75e28846-ad0d-4be2-a027-5e1da6590b98", "Renewals", 1, CREATED_MS, _deal_stages([
        ("renewal_due", "Renewal due", "0.5"),
        ("renewal_negotiation", "Negotiation", "0.7"),
        ("closedwon_renewal", "Renewed", "1.0"),
        ("closedlost_renewal", "Churned", "0.0")], CREATED_MS))
    support = Pipeline("0", "Support Pipeline", 0, 0, [
        Stage("1", "New", 0, {"ticketState": "OPEN"}, 0),
        Stage("2", "Waiting on contact", 1, {"ticketState": "OPEN"}, 0),
        Stage("3", "Waiting on us", 2, {"ticketState": "OPEN"}, 0),
        Stage("4", "Closed", 3, {"ticketState": "CLOSED"}, 0)])
    return {"0-3": [sales, renewals], "0-5": [support]}
