"""Backfill progress: a tqdm bar on a terminal, plain log lines (every few seconds)
otherwise, nothing when disabled.

Deliberately not here: counting (callers report what they stored).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

log = logging.getLogger("hubspot_fdw.materializer.progress")


class Progress:
    def __init__(self, mode: str = "auto", log_every: float = 5.0) -> None:
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        self.mode = mode
        self.log_every = log_every
        self._bar: Any = None
        self._table = ""
        self._done = 0
        self._total: int | None = None
        self._last_log = 0.0
        self._started = 0.0

    def start(self, table: str, total: int | None, done: int = 0) -> None:
        self.close()
        self._table, self._done, self._total = table, done, total
        self._started = self._last_log = time.monotonic()
        if self.mode == "bar":
            from tqdm import tqdm
            self._bar = tqdm(total=total, initial=done, desc=f"backfill {table}", unit="rec", file=sys.stderr,
                             dynamic_ncols=True)
        elif self.mode == "log":
            log.info("backfill %s: starting at %d of %s", table, done, total if total is not None else "?")

    def advance(self, n: int) -> None:
        self._done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "log" and time.monotonic() - self._last_log >= self.log_every:
            self._last_log = time.monotonic()
            rate = self._done / max(1e-6, self._last_log - self._started)
            log.info("backfill %s: %d of %s records (%.0f/s)", self._table, self._done,
                     self._total if self._total is not None else "?", rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log" and self._table:
            log.info("backfill %s: %d records stored", self._table, self._done)
        self._table = ""
