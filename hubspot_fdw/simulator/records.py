"""The record dataclass shared by the store, the seed and the serializers.

A record keeps property values exactly as HubSpot returns them (strings; absent
means null) plus the envelope timestamps, and a cache of its serialized JSON that
writes invalidate. Does not know about HTTP or paging.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hubspot_fdw.simulator.history import Entry


@dataclass(slots=True)
class Record:
    id: int
    props: dict[str, str]
    created_ms: int
    updated_ms: int
    archived: bool = False
    archived_ms: int = 0
    deleted: bool = False              # merged away or GDPR-deleted: gone from every API
    history: Optional[dict[str, list[Entry]]] = None   # newest first (history.py)
    seeded: bool = False
    # serialized-JSON cache (serialize.envelope_bytes): ((updated_ms, archived, archived_ms),
    # {property-name tuple: bytes}); writes.py drops it on every change
    cache: Any = field(default=None, compare=False, repr=False)

    def snapshot(self) -> "Record":
        return Record(self.id, dict(self.props), self.created_ms, self.updated_ms,
                      self.archived, self.archived_ms, self.deleted, None, self.seeded)
