"""What the sync CLI reads from the database before it starts: which tables a server's
sync covers by default (exactly the foreign tables imported or created for the server,
by their ``table`` option, else their name), which of those it may serve (``served_tables``:
tables owned by the role the sync runs as or by the server's owner, or every table when
the server's owner set the server option ``sync_any_owner``) and where the rate budget's state lives
(the backends' directory under the data directory when the CLI runs as the database's
OS user and may read ``data_directory``; else the per-user default).

Deliberately not here: narrowing with ``--tables`` (the caller), catalog lookups (engine.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from hubspot_fdw.api.budget import BACKEND_DIRECTORY
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.cache.runner import SqlRunner


def imported_tables(runner: SqlRunner, server: str) -> list[str]:
    rows = runner.execute(
        "SELECT DISTINCT coalesce((SELECT substr(o, 7) FROM unnest(ft.ftoptions) o WHERE o LIKE 'table=%' LIMIT 1), "
        "c.relname::text) AS name FROM pg_catalog.pg_foreign_table ft "
        "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
        "JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid WHERE s.srvname = $1 ORDER BY 1", [server])
    names = [r["name"] for r in rows]
    if not names:
        raise HubSpotFdwError(f'no foreign tables exist for server "{server}"', sqlstate="42P01",
                              hint=f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts, ...) FROM SERVER {server} "
                                   "INTO some_schema; the sync covers exactly the imported tables.")
    return names


_SERVED_SQL = """
SELECT coalesce((SELECT substr(o, 7) FROM unnest(ft.ftoptions) o WHERE o LIKE 'table=%' LIMIT 1),
                c.relname::text) AS name,
       pg_catalog.format('%I.%I', n.nspname, c.relname) AS relation,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       (c.relowner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
        OR c.relowner = s.srvowner
        OR coalesce((SELECT lower(substr(o, 16)) IN ('true', 'on', 'yes', '1')
                       FROM unnest(s.srvoptions) o WHERE o LIKE 'sync_any_owner=%' LIMIT 1), false)) AS allowed
  FROM pg_catalog.pg_foreign_table ft
  JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
  JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE s.srvname = $1
 ORDER BY 1, 4 DESC, 2
"""


@dataclass
class ServedTables:
    """The tables a server's sync serves, and those it skips with the reason."""

    names: list[str]
    skipped: dict[str, str] = field(default_factory=dict)


def served_tables(runner: SqlRunner, server: str) -> ServedTables:
    """The imported tables this sync may serve: a table created by another role is skipped
    (reported on its own sync_status row) unless the server's owner allowed every owner."""
    rows = runner.execute(_SERVED_SQL, [server])
    if not rows:
        imported_tables(runner, server)  # raises the "no foreign tables" error
    allowed = {r["name"] for r in rows if r["allowed"] in (True, "t", "true")}
    skipped: dict[str, str] = {}
    for r in rows:
        if r["name"] in allowed or r["name"] in skipped:
            continue
        skipped[r["name"]] = (f"not synced: foreign table {r['relation']} belongs to role {r['owner']}, and the "
                              f"sync serves only tables of the role it runs as and of the server's owner "
                              f"(the server's owner may allow every role with ALTER SERVER {server} "
                              f"OPTIONS (ADD sync_any_owner 'true'))")
    return ServedTables(sorted(allowed), skipped)


def budget_directory(runner: SqlRunner) -> str | None:
    """The backends' budget directory when this process can share it, else None."""
    if os.environ.get("HUBSPOT_FDW_BUDGET_DIR"):
        return None
    rows = runner.execute("SELECT CASE WHEN pg_catalog.pg_has_role('pg_read_all_settings', 'USAGE') "
                          "THEN pg_catalog.current_setting('data_directory') END AS d")
    data = rows[0]["d"] if rows else None
    try:
        if data and os.stat(data).st_uid == os.geteuid() and os.access(data, os.W_OK | os.X_OK):
            return os.path.join(data, BACKEND_DIRECTORY)
    except OSError:
        pass
    return None
