"""Helpers for the host tests: reading what the Echo/Memory wrappers reported."""

from __future__ import annotations

import json
from typing import Any


def reports(conn, kind: str | None = None) -> list[dict[str, Any]]:
    """The JSON NOTICEs reported since the last call (and clear them)."""
    found = []
    for notice in conn.notices:
        text = notice.split(":", 1)[1].strip() if ":" in notice else notice
        try:
            payload = json.loads(text)
        except ValueError:
            continue
        if isinstance(payload, dict) and (kind is None or payload.get("kind") == kind):
            found.append(payload)
    del conn.notices[:]
    return found


def run(conn, sql: str, params: Any = None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []
