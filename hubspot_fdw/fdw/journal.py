"""What HubSpot accepted in the current transaction, per savepoint level, so that a
rollback can tell the truth about it and undo what it safely can.

Every write that HubSpot acknowledged (or may have applied) is recorded here right
after its answer, before anything else can fail. ``take(level)`` hands back and
forgets the effects of a (sub)transaction that rolls back; commit forgets them.
The wording of the sentences users read lives here too, so an error and the
rollback WARNING describe an effect the same way.

Deliberately not here: sending requests or archiving (writes.py, rollback.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

MAX_LISTED = 20          # records named in one sentence; the rest are counted
MAX_VALUE = 60           # characters of a property value shown
VERBS = {"created": "created", "archived": "archived", "linked": "associated (labels set)",
         "unlinked": "disassociated", "unlabeled": "relabeled (labels removed)"}


@dataclass
class Effect:
    """One acknowledged (or possibly applied) HubSpot change."""

    kind: str                              # created | updated | archived | uncertain | linked | unlinked | unlabeled
    object_type: str                       # api path: contacts, 2-123, ...
    ids: list[str] = field(default_factory=list)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)   # id → what was sent
    level: int = 1
    what: str = ""                         # uncertain: the request, in words
    applied: bool = False                  # uncertain: HubSpot accepted it, its answer was unreadable
    operation: str = ""                    # uncertain: insert | update | delete | associate

    def describe(self) -> str:
        """``contacts 123 jobtitle='Duke'`` / ``contacts 1, 2 archived`` / ...; for a WARNING."""
        if self.kind == "updated":
            return "; ".join(f"{self.object_type} {i} {props_text(self.properties.get(i, {}))}"
                             for i in self.ids[:MAX_LISTED]) + _more(self.ids)
        if self.kind == "uncertain":
            return f"{self.what} ({self.known()})"
        return f"{self.object_type} {ids_text(self.ids)} {VERBS[self.kind]}"

    def known(self) -> str:
        """What is known of an uncertain write's outcome."""
        if self.applied:
            return "HubSpot accepted it, but its answer could not be read"
        return "HubSpot's answer never came: it may have been applied"

    def happened(self) -> str:
        """What HubSpot did, as a clause: ``contacts 123 was created in HubSpot``."""
        plural = len(self.ids) != 1
        subject = f"{self.object_type} {ids_text(self.ids)}"
        if self.kind in VERBS:
            return f"{subject} {'were' if plural else 'was'} {VERBS[self.kind]} in HubSpot"
        if self.kind == "updated":
            return f"{subject} {'were' if plural else 'was'} updated in HubSpot ({self.describe()})"
        if self.applied:
            return f"{self.what} was accepted by HubSpot (its answer could not be read)"
        return f"{self.what} may have been applied by HubSpot"


def ids_text(ids: Sequence[str]) -> str:
    return ", ".join(ids[:MAX_LISTED]) + _more(ids)


def _more(ids: Sequence[str]) -> str:
    return f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""


def props_text(properties: Mapping[str, str]) -> str:
    def show(value: str) -> str:
        text = value if len(value) <= MAX_VALUE else value[:MAX_VALUE] + "…"
        return "'" + text.replace("'", "''") + "'"
    return " ".join(f"{k}={show(v)}" for k, v in sorted(properties.items())) or "(no change)"


class Journal:
    """Effects of the current transaction of one foreign table instance."""

    def __init__(self) -> None:
        self.effects: list[Effect] = []
        self.level = 1

    def begin(self) -> None:
        self.effects.clear()
        self.level = 1

    def sub_begin(self, level: int) -> None:
        self.level = level

    def sub_commit(self, level: int) -> None:
        for effect in self.effects:
            if effect.level >= level:
                effect.level = level - 1
        self.level = level - 1

    def add(self, effect: Effect) -> Effect:
        effect.level = self.level
        self.effects.append(effect)
        return effect

    def forget(self, kind: str, object_type: str, ids: Sequence[str]) -> None:
        """Drop ids from effects (e.g. a record the statement already archived again)."""
        gone = set(ids)
        for effect in self.effects:
            if effect.kind == kind and effect.object_type == object_type:
                effect.ids = [i for i in effect.ids if i not in gone]
        self.effects = [e for e in self.effects if e.ids or e.kind == "uncertain"]

    def take(self, level: int = 1) -> list[Effect]:
        """The effects of the (sub)transaction at ``level`` and deeper, forgotten here."""
        taken = [e for e in self.effects if e.level >= level]
        self.effects = [e for e in self.effects if e.level < level]
        self.level = max(1, level - 1)
        return taken

    def clear(self) -> None:
        self.effects.clear()
        self.level = 1
