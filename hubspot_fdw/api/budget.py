"""The rate budget: one per portal (per base URL + token), shared by every process.

HubSpot limits a private app to N requests per rolling 10 s (standard pool) and the
account to a few search requests per second (search pool). Every process that talks
to the same portal, the FDW in any number of PostgreSQL backends (running as
``postgres``) and the materializer (running as another user), draws from the same
budget, kept in one small JSON file per portal in a shared directory and updated
under an exclusive ``fcntl.flock``. This is the only global mutable state of the
project.

The algorithm is a sliding-window log per pool: a request may start when fewer
than ``usable(priority)`` requests started in the last ``window`` seconds. Entries are
moved to the time the answer arrived (``complete``), which makes the log a
conservative picture of what HubSpot counted. HubSpot's rate-limit headers
re-calibrate it (``observe``): ``Max``/``Interval`` set the pool size, and
``Remaining`` adds phantom entries when HubSpot counted more than we did (other
clients on the same app). HubSpot also limits each second of the window
(``Secondly``, a tenth of ``Max``): once that header is seen, no more than the usable
share of it starts in any tenth of the window, and what ``Secondly-Remaining`` says
HubSpot counted beyond our own starts fills that second (only that second). A 429 blocks the pool for everyone (``penalize``).

Priorities: interactive (FDW statements) may use the whole usable capacity except the
sync's reserved slice, incremental sync ``shares[1]`` of it, backfill ``shares[2]``; while
a higher priority is waiting, lower ones do not take new slots, except that the sync
(incremental) always gets ``reserve`` of each window: interactive load can slow the
sync down, never stop it. ``headroom`` keeps a fraction of HubSpot's limit unused for
clients outside this budget. HubSpot's daily headers are recorded in the state
(``daily``: limit, remaining, when seen) for the sync's daily plan; HubSpot sends none
to an OAuth app, and then nothing here depends on them (the sync counts its own calls).

Files: one directory only the owning OS user can enter (mode 0700, checked: a
directory owned by someone else or open to group/others is refused) and files mode
0600. Backends use ``hubspot_fdw_budget`` under the data directory (their working
directory); other processes use ``$HUBSPOT_FDW_BUDGET_DIR`` or a per-user state
directory (``$XDG_STATE_HOME/hubspot_fdw/budget``, else ``~/.local/state/...``); the
sync CLI running as the database's OS user shares the backends' directory. The lock
is taken without blocking (retried for at most ``lock_timeout`` seconds, checking
for cancellation), so nobody can hang a query by holding it. State from a previous
boot, a corrupt file or timestamps from the future are reset. If the file cannot be
used the budget falls back to a process-local one (with a warning) and tries the file
again later; it never fails a query by itself, except by waiting longer than
``max_wait`` (``HubSpotRateLimitError``).

Deliberately not here: sending requests or retrying them (transport.py, retry.py).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import math
import os
import random
import stat
import threading
import time
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any, Callable, Iterator, Mapping

from hubspot_fdw.api.errors import HubSpotRateLimitError

log = logging.getLogger("hubspot_fdw.api.budget")

BACKEND_DIRECTORY = "hubspot_fdw_budget"  # under the data directory
_VERSION = 1
_WAIT_LEASE = 0.5  # seconds a waiting caller blocks lower priorities


class Priority(IntEnum):
    INTERACTIVE = 0
    INCREMENTAL = 1
    BACKFILL = 2


class Pool(str, Enum):
    STANDARD = "standard"
    SEARCH = "search"


@dataclass(frozen=True)
class BudgetConfig:
    """How the budget paces. Windows in seconds. ``standard_max`` is used until
    HubSpot's headers report the real limit (when ``learn_from_headers``)."""

    directory: str | None = None  # None: see default_directory()
    headroom: float = 0.05
    standard_max: int = 100
    standard_window: float = 10.0
    search_max: int = 5
    search_window: float = 1.0
    shares: tuple[float, float, float] = (1.0, 0.75, 0.5)
    max_wait: float = 120.0
    learn_from_headers: bool = True
    reserve: float = 0.1          # share of each window kept for the sync (INCREMENTAL)
    lock_timeout: float = 2.0     # give up on a held lock (use a local budget) after this
    key: str | None = None  # override the portal key (default: hash of base URL + token)

    def resolved_directory(self) -> str:
        return self.directory or default_directory()


def in_backend_data_directory() -> bool:
    """True in a PostgreSQL backend (its working directory is the data directory)."""
    return os.path.isfile("PG_VERSION") and os.path.isdir("base") and os.path.isdir("global")


def default_directory() -> str:
    """Where this process keeps the budget state (see the module header)."""
    explicit = os.environ.get("HUBSPOT_FDW_BUDGET_DIR")
    if explicit:
        return explicit
    if in_backend_data_directory():
        return os.path.join(os.getcwd(), BACKEND_DIRECTORY)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "hubspot_fdw", "budget")


def _check_private_directory(directory: str) -> None:
    """Refuse a directory another OS user could write or that someone else owns."""
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise OSError(errno.ENOTDIR, "not a directory", directory)
    if info.st_uid != os.geteuid():
        raise OSError(errno.EPERM, "owned by another user", directory)
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise OSError(errno.EPERM, "open to other users (mode must be 0700)", directory)


def portal_key(base_url: str, access_token: str) -> str:
    """A file-name-safe key for one portal; a one-way hash, never the token itself."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\0{access_token}".encode()).hexdigest()
    return digest[:32]


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return "unknown"


def _check_interrupts() -> None:
    """Raise the host's QueryCanceled when running in a backend whose statement was
    cancelled (or timed out); nothing elsewhere."""
    import sys
    host_log = sys.modules.get("hubspot_fdw.host.log")
    if host_log is not None:
        host_log.check_interrupts()


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _well_formed(state: dict[str, Any]) -> bool:
    """The state has the shape this module writes (anything else is reset, never fatal)."""
    pools, waiting = state.get("pools", {}), state.get("waiting", {})
    if not isinstance(pools, dict) or not isinstance(waiting, dict):
        return False
    for entry in pools.values():
        if not isinstance(entry, dict) or not isinstance(entry.get("log", []), list):
            return False
        if not all(isinstance(entry.get(k, []), list) for k in ("sync_log", "second_phantoms")):
            return False
        if not all(_number(t) for t in [*entry.get("log", []), *entry.get("sync_log", []),
                                        *entry.get("second_phantoms", [])]):
            return False
        if not all(_number(entry.get(k, 1)) and entry.get(k, 1) > 0 for k in ("max", "window", "secondly")):
            return False
        if not _number(entry.get("blocked_until", 0.0)):
            return False
    if not all(isinstance(k, str) and ":" in k and k.split(":")[1].isdigit() and _number(v)
               for k, v in waiting.items()):
        return False
    daily = state.get("daily")
    return daily is None or (isinstance(daily, dict) and all(v is None or _number(v) for v in daily.values()))


class _MemoryStore:
    """Process-local fallback storage."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        yield self.state


class _FileStore:
    """The shared JSON file, read and rewritten under an exclusive flock."""

    def __init__(self, path: str, config: BudgetConfig) -> None:
        self.path = path
        self.config = config
        self.pid = os.getpid()
        self.fd = self._open()

    def _open(self) -> int:
        directory = os.path.dirname(self.path)
        os.makedirs(os.path.dirname(directory) or ".", mode=0o700, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory, 0o700)
        _check_private_directory(directory)
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(self.path, flags | os.O_CREAT, 0o600)
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise OSError(errno.EPERM, "budget file owned by another user", self.path)
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, 0o600)
        return fd

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def _lock(self) -> None:
        """Take the flock without ever blocking: retry for ``lock_timeout`` seconds,
        checking for cancellation; then raise OSError (the caller goes process-local)."""
        deadline = time.monotonic() + self.config.lock_timeout
        delay = 0.001
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if time.monotonic() >= deadline:
                raise OSError(errno.EWOULDBLOCK, "the budget lock is held too long", self.path)
            _check_interrupts()
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        if os.getpid() != self.pid:  # after fork: never share a lock description
            self.fd = self._open()
            self.pid = os.getpid()
        self._lock()
        try:
            raw = b""
            while True:
                chunk = os.pread(self.fd, 65536, len(raw))
                if not chunk:
                    break
                raw += chunk
            try:
                state = json.loads(raw) if raw else {}
            except ValueError:
                log.warning("rate budget file %s was corrupt; resetting it", self.path)
                state = {}
            if not isinstance(state, dict):
                state = {}
            yield state
            data = json.dumps(state, separators=(",", ":")).encode()
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, data, 0)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


@dataclass
class RateBudget:
    """The shared budget of one portal: safe across processes (the file lock) and across
    threads of one process (a thread lock around it; a flock does not exclude threads)."""

    key: str
    config: BudgetConfig = field(default_factory=BudgetConfig)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    shared: bool = True

    def __post_init__(self) -> None:
        self._store: _FileStore | _MemoryStore | None = None
        self._retry_file_at = 0.0
        self._boot = _boot_id()
        self._thread_lock = threading.RLock()

    @classmethod
    def for_portal(cls, base_url: str, access_token: str, config: BudgetConfig | None = None,
                   **kwargs: Any) -> "RateBudget":
        config = config or BudgetConfig()
        return cls(key=config.key or portal_key(base_url, access_token), config=config, **kwargs)

    # -- storage -------------------------------------------------------------
    @property
    def path(self) -> str:
        return os.path.join(self.config.resolved_directory(), f"{self.key}.json")

    def _storage(self) -> _FileStore | _MemoryStore:
        if isinstance(self._store, _FileStore):
            return self._store
        if self.shared and self.clock() >= self._retry_file_at:
            try:
                self._store = _FileStore(self.path, self.config)
                return self._store
            except OSError as exc:
                log.warning("rate budget file %s unusable (%s); using a process-local budget",
                            self.path, exc.strerror or exc)
                self._retry_file_at = self.clock() + 30.0
        if self._store is None:
            self._store = _MemoryStore()
        return self._store

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with self._thread_lock, contextlib.ExitStack() as stack:
            store = self._storage()
            try:
                state = stack.enter_context(store.locked())
            except OSError as exc:  # lock held too long, file gone: go process-local
                log.warning("rate budget file %s unusable (%s); using a process-local budget",
                            self.path, exc.strerror or exc)
                store_close = getattr(store, "close", None)
                if store_close:
                    store_close()
                self._store = None
                self._retry_file_at = self.clock() + 30.0
                state = stack.enter_context(self._storage().locked())
            yield state

    @contextlib.contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        with self._locked() as state:
            now = self.clock()
            if state.get("v") != _VERSION or state.get("boot") != self._boot or not _well_formed(state):
                state.clear()
                state.update({"v": _VERSION, "boot": self._boot, "pools": {}, "waiting": {}})
            yield state

    def _pool(self, state: dict[str, Any], pool: Pool, now: float) -> dict[str, Any]:
        pools = state.setdefault("pools", {})
        entry = pools.get(pool.value)
        if not isinstance(entry, dict) or any(t > now + 1.0 for t in entry.get("log", [])):
            if pool is Pool.STANDARD:
                entry = {"max": self.config.standard_max, "window": self.config.standard_window}
            else:
                entry = {"max": self.config.search_max, "window": self.config.search_window}
            entry.update({"log": [], "blocked_until": 0.0})
            pools[pool.value] = entry
        horizon = now - float(entry["window"])
        entry["log"] = [t for t in entry["log"] if t > horizon]
        entry["sync_log"] = [t for t in entry.get("sync_log", []) if horizon < t <= now + 1.0]
        second = now - float(entry["window"]) / 10.0
        entry["second_phantoms"] = [t for t in entry.get("second_phantoms", []) if second < t <= now + 1.0]
        if entry.get("blocked_until", 0.0) > now + 10 * float(entry["window"]) + 600:
            entry["blocked_until"] = 0.0  # stale or tampered
        return entry

    def _per_second(self, entry: dict[str, Any], priority: Priority,
                    now: float) -> tuple[int, int, float] | None:
        """(started in the last second, usable per second, when the oldest of them leaves
        the second) once HubSpot has advertised its per-second limit; None before."""
        secondly = entry.get("secondly")
        if not _number(secondly) or secondly <= 0:
            return None
        second = float(entry["window"]) / 10.0
        recent = [t for t in entry["log"] + entry.get("second_phantoms", []) if t > now - second]
        return len(recent), self.usable(int(secondly), priority), (min(recent) if recent else now) + second

    def usable(self, pool_max: int, priority: Priority) -> int:
        share = self.config.shares[int(priority)]
        return max(1, math.floor(pool_max * (1.0 - self.config.headroom) * share))

    # -- the protocol ----------------------------------------------------------
    def acquire(self, pool: Pool = Pool.STANDARD, priority: Priority = Priority.INTERACTIVE) -> float:
        """Block until a request may start; return the ticket (grant time) for ``complete``."""
        start = self.clock()
        deadline = start + self.config.max_wait
        while True:
            with self._state() as state:
                now = self.clock()
                entry = self._pool(state, pool, now)
                waiting = state.setdefault("waiting", {})
                higher_waiting = any(
                    float(until) > now for prio, until in waiting.items()
                    if prio.startswith(pool.value + ":") and int(prio.split(":")[1]) < int(priority)
                )
                full = self.usable(int(entry["max"]), Priority.INTERACTIVE)
                reserved = max(1, math.floor(full * self.config.reserve)) if self.config.reserve > 0 else 0
                sync_used = len(entry["sync_log"])
                sync_waiting = float(waiting.get(f"{pool.value}:{int(Priority.INCREMENTAL)}", 0.0)) > now
                cap = self.usable(int(entry["max"]), priority)
                used = len(entry["log"])
                blocked = float(entry.get("blocked_until", 0.0))
                if priority is Priority.INCREMENTAL and sync_used < reserved:
                    cap, higher_waiting = full, False  # the sync's reserved slice
                elif priority is Priority.INTERACTIVE and sync_waiting and sync_used < reserved:
                    higher_waiting = True  # let the waiting sync have its slice first
                per_second = self._per_second(entry, priority, now)
                if per_second is not None and per_second[0] >= per_second[1]:
                    cap = min(cap, used)  # this second's share is taken: wait for it to pass
                if now >= blocked and used < cap and not higher_waiting:
                    ticket = now
                    while ticket in entry["log"]:
                        ticket = math.nextafter(ticket, math.inf)
                    entry["log"].append(ticket)
                    entry["log"].sort()
                    if priority is Priority.INCREMENTAL:
                        entry["sync_log"].append(now)
                        waiting.pop(f"{pool.value}:{int(priority)}", None)
                    return ticket
                waiting[f"{pool.value}:{int(priority)}"] = now + _WAIT_LEASE
                if now < blocked:
                    wait = blocked - now
                elif per_second is not None and per_second[0] >= per_second[1]:
                    wait = per_second[2] - now
                elif used >= cap:
                    wait = entry["log"][used - cap] + float(entry["window"]) - now
                else:
                    wait = 0.01
            if now + wait > deadline:
                raise HubSpotRateLimitError(
                    f"the {pool.value} rate budget had no free slot within {self.config.max_wait:g} s",
                    detail=f"Priority {priority.name.lower()}; the shared budget is exhausted.",
                )
            _check_interrupts()
            self.sleep(min(max(wait, 0.002), 0.25) + random.uniform(0, 0.002))

    def complete(self, pool: Pool, ticket: float) -> None:
        """Move the entry of ``ticket`` to now (the answer arrived; HubSpot counted it by now)."""
        with self._state() as state:
            now = self.clock()
            entry = self._pool(state, pool, now)
            with contextlib.suppress(ValueError):
                entry["log"].remove(ticket)
                entry["log"].append(now)
                entry["log"].sort()

    def observe(self, pool: Pool, headers: Mapping[str, str]) -> None:
        """Re-calibrate from HubSpot's X-HubSpot-RateLimit-* headers (if any)."""
        def number(name: str) -> float | None:
            value = headers.get(name)
            try:
                return float(value) if value is not None else None
            except ValueError:
                return None

        max_ = number("X-HubSpot-RateLimit-Max")
        interval = number("X-HubSpot-RateLimit-Interval-Milliseconds")
        remaining = number("X-HubSpot-RateLimit-Remaining")
        daily = number("X-HubSpot-RateLimit-Daily")
        daily_remaining = number("X-HubSpot-RateLimit-Daily-Remaining")
        secondly = number("X-HubSpot-RateLimit-Secondly")
        secondly_remaining = number("X-HubSpot-RateLimit-Secondly-Remaining")
        if max_ is None and remaining is None and daily_remaining is None and secondly is None:
            return
        with self._state() as state:
            now = self.clock()
            entry = self._pool(state, pool, now)
            if self.config.learn_from_headers and max_ is not None and max_ > 0:
                entry["max"] = int(max_)
            if self.config.learn_from_headers and interval is not None and interval > 0:
                entry["window"] = interval / 1000.0
            if remaining is not None and max_ is not None:
                counted = int(max_ - remaining)
                missing = counted - len(entry["log"])
                if missing > 0:
                    entry["log"].extend([now] * missing)
                    entry["log"].sort()
            if self.config.learn_from_headers and secondly is not None and secondly > 0:
                entry["secondly"] = int(secondly)
            if secondly is not None and secondly_remaining is not None:
                # what HubSpot counted in this second beyond our own starts: other clients'
                # requests, kept for this second only (Remaining covers the window). HubSpot's
                # second and ours do not start together: ours are counted over a wider span
                # so that the offset alone never looks like someone else's requests.
                second = float(entry["window"]) / 10.0
                phantoms = [t for t in entry.get("second_phantoms", []) if t > now - second]
                ours = sum(1 for t in entry["log"] if t > now - 2 * second)
                missing = int(secondly - secondly_remaining) - ours - len(phantoms)
                entry["second_phantoms"] = phantoms + [now] * max(0, missing)
            if daily_remaining is not None:
                state["daily"] = {"limit": daily, "remaining": daily_remaining, "seen": time.time()}

    def penalize(self, pool: Pool, seconds: float | None = None) -> None:
        """HubSpot said 429: nobody starts a request in this pool for ``seconds``."""
        with self._state() as state:
            now = self.clock()
            entry = self._pool(state, pool, now)
            delay = seconds if seconds is not None else float(entry["window"])
            entry["blocked_until"] = max(float(entry.get("blocked_until", 0.0)), now + delay)

    def daily(self) -> dict[str, float] | None:
        """HubSpot's last daily figures: {limit, remaining, seen (epoch s)}, None before any."""
        with self._state() as state:
            daily = state.get("daily")
            return dict(daily) if isinstance(daily, dict) and daily.get("limit") else None

    def snapshot(self) -> dict[str, Any]:
        """A copy of the state (for tests, EXPLAIN and the sync status)."""
        with self._state() as state:
            now = self.clock()
            for pool in Pool:
                self._pool(state, pool, now)
            return json.loads(json.dumps(state))

    def close(self) -> None:
        if isinstance(self._store, _FileStore):
            self._store.close()
        self._store = None
