"""``make demo``: HubSpot inside a throwaway PostgreSQL, end to end.

Starts PostgreSQL 15 (loopback only, data in a temporary directory) and the
local HubSpot simulator (or uses the real HubSpot when HUBSPOT_ACCESS_TOKEN is
set), then: CREATE EXTENSION, server, user mapping, IMPORT FOREIGN SCHEMA, the
sync as a background worker (start_sync), real queries, writes, and a write HubSpot rejects
being rolled back. Everything is removed on exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Any, Iterator, Sequence

import psycopg2

from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres

REAL_HUBSPOT = "https://api.hubapi.com"


def banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}")


def show(cur, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Print a statement and its result as a small table."""
    print(f"\n{cur.mogrify(sql, params).decode().strip()}")
    cur.execute(sql, params)
    if cur.description is None:
        print(f"-- {cur.statusmessage}")
        return []
    rows = cur.fetchall()
    headers = [d.name for d in cur.description]
    cells = [[cell_text(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in cells:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return rows


def cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return "{" + ",".join(cell_text(v) for v in value) + "}"
    return str(value)[:120]


@contextlib.contextmanager
def hubspot_endpoint() -> Iterator[tuple[str, str]]:
    token = os.environ.get("HUBSPOT_ACCESS_TOKEN")
    if token:
        print("Using the real HubSpot portal of HUBSPOT_ACCESS_TOKEN.")
        yield REAL_HUBSPOT, token
        return
    from hubspot_fdw.simulator.process import start_simulator

    with start_simulator(seed=7, contacts=2000, companies=400, deals=600, tickets=200) as sim:
        print(f"Local HubSpot simulator at {sim.base_url} (seeded portal).")
        yield sim.base_url, sim.token


def setup(cur, api_url: str, token: str) -> None:
    banner("Install and import")
    show(cur, "CREATE EXTENSION hubspot_fdw")
    show(cur, f"CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url '{api_url}')")
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (token,))
    print("\nCREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token '…')")
    show(cur, "CREATE SCHEMA hubspot")
    show(cur, "IMPORT FOREIGN SCHEMA hubspot FROM SERVER hubspot INTO hubspot")
    show(cur, "SELECT count(*) AS foreign_tables FROM information_schema.foreign_tables "
              "WHERE foreign_table_schema = 'hubspot'")


DEMO_TABLES = ("contacts", "companies", "deals", "associations_company_contact")


def sync(cur) -> None:
    banner("Sync HubSpot into the cache tables: a background worker inside PostgreSQL")
    show(cur, "SELECT hubspot_fdw.start_sync('hubspot') IS NOT NULL AS worker_started")
    print(f"\nwaiting until {', '.join(DEMO_TABLES)} are live (the worker goes on with the rest) ...")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        cur.execute("SELECT count(*) FROM hubspot_fdw.sync_status WHERE phase = 'live' AND table_name = ANY(%s)",
                    (list(DEMO_TABLES),))
        if cur.fetchone()[0] == len(DEMO_TABLES):
            break
        time.sleep(0.5)
    show(cur, "SELECT server_name, running, run_as, last_error FROM hubspot_fdw.sync_workers")


def queries(cur) -> None:
    banner("Queries (answered from the cache)")
    show(cur, "SELECT table_name, phase, records_stored, api_calls_today FROM hubspot_fdw.sync_status "
              "WHERE table_name = ANY(%s) ORDER BY table_name", (list(DEMO_TABLES),))
    show(cur, """
SELECT c.email, co.name AS company, a.labels
FROM hubspot.associations_company_contact a
JOIN hubspot.contacts  c  ON c.id  = a.contact_id
JOIN hubspot.companies co ON co.id = a.company_id
ORDER BY c.email LIMIT 5""")
    show(cur, "SELECT dealstage, count(*), sum(amount) FROM hubspot.deals GROUP BY 1 ORDER BY 2 DESC LIMIT 5")
    show(cur, "EXPLAIN (COSTS OFF) SELECT email FROM hubspot.contacts WHERE email LIKE 'alia%' ORDER BY email LIMIT 3")


def writes(conn, cur) -> None:
    banner("Writes go to HubSpot first")
    rows = show(cur, "INSERT INTO hubspot.contacts (firstname, lastname, email) "
                     "VALUES ('Paul', 'Atreides', 'paul@arrakis.example') RETURNING id, email")
    new_id = rows[0][0]
    show(cur, "UPDATE hubspot.contacts SET lastname = 'Muad''Dib' WHERE id = %s", (new_id,))
    show(cur, "SELECT id, firstname, lastname FROM hubspot.contacts WHERE id = %s", (new_id,))
    show(cur, "DELETE FROM hubspot.contacts WHERE id = %s", (new_id,))

    banner("A write HubSpot rejects rolls the whole transaction back")
    conn.autocommit = False
    show(cur, "CREATE TABLE audit (note text)")
    show(cur, "INSERT INTO audit VALUES ('written before the rejected insert')")
    try:
        show(cur, "INSERT INTO hubspot.contacts (email) VALUES ('not-an-email')")
    except psycopg2.Error as error:
        print(f"ERROR ({error.pgcode}): {error.diag.message_primary}")
        if error.diag.message_detail:
            print(f"DETAIL: {error.diag.message_detail}")
        if error.diag.message_hint:
            print(f"HINT: {error.diag.message_hint}")
        conn.rollback()
    conn.autocommit = True
    show(cur, "SELECT to_regclass('audit') AS audit_table_after_rollback")


def main() -> None:
    run_as_postgres()
    # the sync runs as a background worker, started with the server from now on
    with ThrowawayPostgres(settings={"shared_preload_libraries": "'hubspot_fdw'"}) as pg, \
            hubspot_endpoint() as (api_url, token):
        print(f"Throwaway PostgreSQL 15 on 127.0.0.1:{pg.port}")
        conn = psycopg2.connect(pg.dsn)
        conn.autocommit = True
        cur = conn.cursor()
        setup(cur, api_url, token)
        sync(cur)
        queries(cur)
        writes(conn, cur)
        conn.close()
    banner("Done: PostgreSQL and the simulator were stopped and removed.")


if __name__ == "__main__":
    main()
