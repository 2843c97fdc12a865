"""One sync per server: the lease in ``hubspot_fdw.sync_leases``, shared by the background
worker and the ``hubspot-fdw sync`` daemon.

``claim(runner, server)`` takes the lease for this database session (through the
extension's ``_claim_sync``) or tells who holds it. A lease ends with the session that
holds it; nothing here releases it. The caller commits. The daemon names itself in its
connection's ``application_name`` (``daemon_application_name``): a refused second sync
then names the daemon's own pid and host, the process to stop, not its database session.
Deliberately not here: running the sync (engine.py), the worker loop (worker.py).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

from hubspot_fdw.cache.runner import SqlRunner


@dataclass(frozen=True)
class Holder:
    kind: str          # 'worker' or 'cli'
    pid: int
    since: datetime | str
    description: str   # e.g. '"hubspot-fdw sync" (pid 11700 on host db1, since ...); stop that process first'


def daemon_application_name() -> str:
    """The daemon's connection name, read back by ``hubspot_fdw._sync_holder`` (63 bytes at most)."""
    return f"hubspot-fdw sync (pid {os.getpid()} on {socket.gethostname()})".encode()[:63].decode(errors="ignore")


def claim(runner: SqlRunner, server: str) -> Holder | None:
    """None when this session now holds the sync of ``server``, else who does."""
    row = runner.execute("SELECT holder, pid, since, description FROM hubspot_fdw._claim_sync($1)", [server])[0]
    if row["holder"] is None:
        return None
    return Holder(row["holder"], int(row["pid"]), row["since"], row["description"])
