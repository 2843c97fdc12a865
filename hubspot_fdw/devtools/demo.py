"""``make demo``: HubSpot inside a throwaway PostgreSQL, end to end.

Starts PostgreSQL 15 (loopback only, data in a temporary directory) and the
local HubSpot simulator (or uses the real HubSpot when HUBSPOT_ACCESS_TOKEN is
set), then: CREATE EXTENSION, server, user mapping, IMPORT FOREIGN SCHEMA, the
sync (a background worker started with hubspot_fdw.start_sync; against a real
portal one bounded ``hubspot-fdw sync --once`` pass instead), real queries,
writes, and a write HubSpot rejects being rolled back. Everything is removed on exit.

Against a real portal the demo only reads: the write part runs there only with
DEMO_WRITES=1 (or ``--allow-writes``), and the demo says which before it starts.
HUBSPOT_API_URL overrides the API address of the real portal (default HubSpot's).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

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


@dataclass(frozen=True)
class Endpoint:
    api_url: str
    token: str
    real: bool          # a real portal (HUBSPOT_ACCESS_TOKEN), not the local simulator


def writes_allowed(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """The explicit opt-in to the write part against a real portal."""
    return "--allow-writes" in argv or environ.get("DEMO_WRITES", "") in ("1", "true", "yes")


@contextlib.contextmanager
def hubspot_endpoint() -> Iterator[Endpoint]:
    token = os.environ.get("HUBSPOT_ACCESS_TOKEN")
    if token:
        yield Endpoint(os.environ.get("HUBSPOT_API_URL") or REAL_HUBSPOT, token, real=True)
        return
    from hubspot_fdw.simulator.process import start_simulator

    with start_simulator(seed=7, contacts=2000, companies=400, deals=600, tickets=200) as sim:
        print(f"Local HubSpot simulator at {sim.base_url} (seeded portal).")
        yield Endpoint(sim.base_url, sim.token, real=False)


def announce(endpoint: Endpoint, allow_writes: bool) -> None:
    """Say before anything starts whether this run writes to a real portal."""
    if not endpoint.real:
        return
    print(f"Using the real HubSpot portal of HUBSPOT_ACCESS_TOKEN at {endpoint.api_url}.")
    if allow_writes:
        print("WRITES ENABLED (DEMO_WRITES=1): the demo creates, updates and deletes one contact "
              "(paul@arrakis.example) in this portal.")
    else:
        print("READ-ONLY: the demo only reads from this portal. To also run the write part "
              "(one contact created, updated and deleted), run it again with DEMO_WRITES=1.")


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
    banner("HubSpot's labels are the column comments (what \\d+ hubspot.contacts shows)")
    show(cur, "SELECT attname AS column, col_description(attrelid, attnum) AS description "
              "FROM pg_attribute WHERE attrelid = 'hubspot.contacts'::regclass "
              "AND attname IN ('firstname', 'email', 'hs_object_id', 'created_at') ORDER BY attnum")
    show(cur, "SELECT value, label FROM hubspot_fdw.property_options "
              "WHERE foreign_table = 'hubspot.deals'::regclass AND column_name = 'dealstage' "
              "ORDER BY display_order LIMIT 4")


DEMO_TABLES = ("contacts", "companies", "deals", "associations_company_contact")


def sync(cur, dsn: str, real: bool) -> None:
    if real:  # a real portal: one bounded pass over the tables the demo reads, nothing in the background
        banner("Sync HubSpot into the cache tables (hubspot-fdw sync --once)")
        command = [sys.executable, "-m", "hubspot_fdw.cli", "sync", "--dsn", dsn, "--server", "hubspot",
                   "--once", "--tables", ",".join(DEMO_TABLES)]
        subprocess.run(command, check=True)
        return
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
    show(cur, "SELECT count(*) AS deals_closing_this_quarter, sum(amount) AS amount FROM hubspot.deals "
              "WHERE closedate >= date_trunc('quarter', now()) "
              "AND closedate < date_trunc('quarter', now()) + interval '3 months'")
    show(cur, "EXPLAIN (COSTS OFF) SELECT email FROM hubspot.contacts WHERE email LIKE 'alia%' ORDER BY email LIMIT 3")


def show_error(cur, sql: str) -> bool:
    """Run a statement expected to fail and print PostgreSQL's error; True if it failed."""
    try:
        show(cur, sql)
        return False
    except psycopg2.Error as error:
        print(f"ERROR ({error.pgcode}): {error.diag.message_primary}")
        if error.diag.message_detail:
            print(f"DETAIL: {error.diag.message_detail}")
        if error.diag.message_hint:
            print(f"HINT: {error.diag.message_hint}")
        return True


def writes(conn, cur) -> None:
    banner("Writes go to HubSpot first")
    rows = show(cur, "INSERT INTO hubspot.contacts (firstname, lastname, email) "
                     "VALUES ('Paul', 'Atreides', 'paul@arrakis.example') RETURNING id, email")
    new_id = rows[0][0]
    show(cur, "UPDATE hubspot.contacts SET lastname = 'Muad''Dib' WHERE id = %s", (new_id,))
    show(cur, "SELECT id, firstname, lastname FROM hubspot.contacts WHERE id = %s", (new_id,))
    show(cur, "DELETE FROM hubspot.contacts WHERE id = %s", (new_id,))

    banner("Dropdowns take the option's value: writing the label says which value to use")
    show_error(cur, "UPDATE hubspot.contacts SET lifecyclestage = 'Marketing Qualified Lead' "
                    "WHERE id = (SELECT min(id) FROM hubspot.contacts)")

    banner("A write HubSpot rejects rolls the whole transaction back")
    conn.autocommit = False
    show(cur, "CREATE TABLE audit (note text)")
    show(cur, "INSERT INTO audit VALUES ('written before the rejected insert')")
    if show_error(cur, "INSERT INTO hubspot.contacts (email) VALUES ('not-an-email')"):
        conn.rollback()
    conn.autocommit = True
    show(cur, "SELECT to_regclass('audit') AS audit_table_after_rollback")


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="make demo", description="hubspot_fdw end to end")
    parser.add_argument("--allow-writes", action="store_true",
                        help="run the write part against a real portal too (same as DEMO_WRITES=1)")
    parser.parse_args(argv)
    allow_writes = writes_allowed(argv, os.environ)
    run_as_postgres()
    with hubspot_endpoint() as endpoint:
        announce(endpoint, allow_writes)
        # the sync runs as a background worker, started with the server
        with ThrowawayPostgres(settings={"shared_preload_libraries": "'hubspot_fdw'"}) as pg:
            conn = psycopg2.connect(pg.dsn)
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("SHOW server_version")
            print(f"Throwaway PostgreSQL {cur.fetchone()[0]} on 127.0.0.1:{pg.port}")
            setup(cur, endpoint.api_url, endpoint.token)
            sync(cur, pg.dsn, endpoint.real)
            queries(cur)
            if endpoint.real and not allow_writes:
                banner("Writes skipped: this is a real portal and DEMO_WRITES=1 was not given")
            else:
                writes(conn, cur)
            conn.close()
    banner("Done: PostgreSQL and the simulator were stopped and removed.")


if __name__ == "__main__":
    main()
