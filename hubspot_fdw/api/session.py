"""One ``requests.Session`` per process (per base URL), and the default timeouts.

Sessions keep TCP/TLS connections alive between calls; a PostgreSQL backend makes
many small calls, so reuse matters. After ``fork`` a child gets a fresh session
(sharing sockets between processes would interleave responses).

Deliberately not here: authentication headers (added per request by transport.py so
that no shared object ever holds the token), retries (retry.py).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter


@dataclass(frozen=True)
class Timeouts:
    """Seconds: TCP connect, and wait for each read of the response."""

    connect: float = 5.0
    read: float = 30.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


_lock = threading.Lock()
_sessions: dict[tuple[int, str], requests.Session] = {}


def shared_session(base_url: str) -> requests.Session:
    """The process's session for ``base_url`` (created on first use, re-created after fork)."""
    key = (os.getpid(), base_url)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            for stale in [k for k in _sessions if k[0] != key[0]]:
                _sessions.pop(stale, None)
            session = requests.Session()
            # urllib3 must not retry on its own: retry.py owns the one retry rule.
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.trust_env = False
            _sessions[key] = session
        return session


def describe(_: str | None = None) -> str:
    """Sessions of this process and the response hooks on them (none: the transport counts
    calls itself); callable through ``hubspot_fdw._python_call``."""
    with _lock:
        hooks = sum(len(s.hooks.get("response", [])) for s in _sessions.values())
        return f"sessions={len(_sessions)} hooks={hooks}"
