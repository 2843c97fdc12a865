"""Fault injection: latency, 5xx, connection resets, truncated JSON, 429 storms and a
stale search index. Decisions are a pure function of (fault seed, request number),
so a run with the same seed and the same request sequence sees the same faults.

Does not write to sockets; server.py acts on the Decision.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

from hubspot_fdw.simulator.config import FaultOptions
from hubspot_fdw.simulator.seed import mix

M = float(1 << 64)


@dataclass
class Decision:
    number: int
    latency_s: float = 0.0
    kind: str | None = None        # "error" | "reset" | "truncate" | "storm"
    status: int = 0


class FaultInjector:
    def __init__(self, options: FaultOptions) -> None:
        self.lock = threading.Lock()
        self.options = options
        self.counter = 0
        self.injected = 0

    def configure(self, changes: dict[str, Any], replace: bool = False) -> FaultOptions:
        names = {f.name for f in fields(FaultOptions)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault option(s): {sorted(unknown)}; valid: {sorted(names)}")
        with self.lock:
            base = FaultOptions() if replace else self.options
            data = asdict(base)
            data.update(changes)
            for key in ("error_statuses", "methods"):
                data[key] = tuple(data[key])
            self.options = FaultOptions(**data)
            self.counter = 0
            self.injected = 0
            return self.options

    def active(self) -> bool:
        o = self.options
        return bool(o.latency_ms or o.latency_jitter_ms or o.error_rate or o.reset_rate
                    or o.truncate_rate or o.storm_rate)

    def decide(self, method: str, path: str) -> Decision | None:
        o = self.options
        if not self.active():
            return None
        if o.path_contains and o.path_contains not in path:
            return None
        if o.methods and method not in o.methods:
            return None
        with self.lock:
            n = self.counter
            self.counter += 1
            u = mix(o.seed * 0x100000001B3 + n * 2) / M
            v = mix(o.seed * 0x100000001B3 + n * 2 + 1) / M
            d = Decision(n, (o.latency_ms + o.latency_jitter_ms * v) / 1000.0)
            if o.max_faults >= 0 and self.injected >= o.max_faults:
                return d
            edge = 0.0
            for kind, rate in (("storm", o.storm_rate), ("error", o.error_rate),
                               ("reset", o.reset_rate), ("truncate", o.truncate_rate)):
                edge += rate
                if u < edge:
                    d.kind = kind
                    break
            if d.kind == "error":
                statuses = o.error_statuses or (500,)
                d.status = statuses[int(v * len(statuses)) % len(statuses)]
            if d.kind:
                self.injected += 1
            return d
