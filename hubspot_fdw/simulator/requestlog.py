"""The request log the admin API exposes: which HubSpot calls were made, in order.

Keeps method, path, query, a body summary (the parsed JSON when small), status,
injected fault, duration and when it was answered on the portal's clock (``atMs``,
epoch ms) in a bounded ring. Does not log admin calls.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any

MAX_BODY_BYTES = 16_384


def summarize(body: bytes) -> Any:
    if not body:
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {"_summary": True, "bytes": len(body), "json": False}
    if len(body) <= MAX_BODY_BYTES:
        return parsed
    out: dict[str, Any] = {"_summary": True, "bytes": len(body)}
    if isinstance(parsed, dict):
        out["keys"] = sorted(parsed)
        if isinstance(parsed.get("inputs"), list):
            out["inputs"] = len(parsed["inputs"])
    elif isinstance(parsed, list):
        out["items"] = len(parsed)
    return out


class RequestLog:
    def __init__(self, size: int) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=max(1, size))
        self.seq = 0
        self.lock = threading.Lock()

    def add(self, method: str, path: str, query: dict[str, list[str]], body: bytes, status: int,
            fault: str | None, started: float, correlation_id: str, at_ms: int | None = None) -> None:
        entry = {"method": method, "path": path, "query": query, "body": summarize(body), "atMs": at_ms,
                 "status": status, "fault": fault,
                 "durationMs": round((time.monotonic() - started) * 1000, 3),
                 "correlationId": correlation_id}
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.entries.append(entry)

    def since(self, seq: int) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.entries if e["seq"] > seq]

    def clear(self) -> int:
        with self.lock:
            self.entries.clear()
            return self.seq
