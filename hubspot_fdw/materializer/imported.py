"""What the sync CLI reads from the database before it starts: which tables a server's
sync covers by default (exactly the foreign tables imported or created for the server,
by their ``table`` option, else their name) and where the rate budget's state lives
(the backends' directory under the data directory when the CLI runs as the database's
OS user and may read ``data_directory``; else the per-user default).

Deliberately not here: narrowing with ``--tables`` (the caller), catalog lookups (engine.py).
"""

from __future__ import annotations

import os

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
