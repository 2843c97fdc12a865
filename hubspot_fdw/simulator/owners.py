"""Owners (hubspot-api.md §3.2): seeded users and queues, read-only API model.

Does not route requests; routes_meta.py serves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubspot_fdw.simulator.clock import iso_ms
from hubspot_fdw.simulator.seed import FIRST, LAST, START_MS, mix

TEAMS = (("368389", "Sales Team"), ("368390", "Support Team"), ("368391", "Success Team"))


@dataclass
class Owner:
    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    type: str
    created_ms: int
    updated_ms: int
    archived: bool
    team: tuple[str, str] | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "email": self.email, "type": self.type,
            "firstName": self.first_name, "lastName": self.last_name,
            "userId": None if self.archived else self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso_ms(self.created_ms), "updatedAt": iso_ms(self.updated_ms),
            "archived": self.archived,
        }
        if self.team:
            out["teams"] = [{"id": self.team[0], "name": self.team[1], "primary": True}]
        return out


def seed_owners(seed: int, count: int) -> list[Owner]:
    owners = []
    for i in range(count):
        h = mix(seed * 7919 + i + 0xABC)
        first, last = FIRST[h % len(FIRST)], LAST[(h >> 8) % len(LAST)]
        created = START_MS - 400 * 86_400_000 + i * 86_400_000 + (h >> 20) % 86_400_000
        owners.append(Owner(
            id=str(41629779 + i * 13), email=f"{first}.{last}.owner{i}@example.com".lower(),
            first_name=first, last_name=last, user_id=9586504 + i, type="PERSON",
            created_ms=created, updated_ms=created + (h >> 40) % (300 * 86_400_000),
            archived=(i % 10 == 9), team=TEAMS[(h >> 30) % 3] if h % 4 else None))
    return owners
