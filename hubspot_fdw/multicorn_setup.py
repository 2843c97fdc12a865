"""``hubspot-fdw setup``: create the sync's state and status objects (schema
``hubspot_fdw``: sync_state, sync_errors, sync_status, cache_portals, ...) in a database
that uses upstream Multicorn2 instead of ``CREATE EXTENSION hubspot_fdw``.

It applies ``hubspot_fdw/sql/multicorn_setup.sql`` in one transaction; running it again
(for instance after upgrading hubspot_fdw) adds what is new and keeps the sync's data:
every statement is repeatable, and an ALTER TABLE whose change is already there
(duplicate column, constraint or relation) is skipped.
Deliberately not here: the objects themselves (generated from the extension's scripts
by hubspot_fdw.sql.extract), creating servers or foreign tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from hubspot_fdw.clierrors import connect_error, fail
from hubspot_fdw.sql import multicorn_setup_sql
from hubspot_fdw.sql.extract import STATEMENT_MARK

ALREADY_THERE = {"42701", "42710", "42P07"}     # duplicate column / object / table


@dataclass(frozen=True)
class SetupResult:
    applied: bool           # False when the extension already provides the objects
    relations: list[str]    # tables and views of schema hubspot_fdw afterwards


def apply(connection: Any) -> SetupResult:
    """Apply the script on a psycopg2 connection (committed here), unless the database has
    the hubspot_fdw extension, whose own scripts own these objects."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hubspot_fdw'")
        has_extension = cur.fetchone() is not None
        if not has_extension:
            run_script(cur, multicorn_setup_sql())
        cur.execute("SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = 'hubspot_fdw' AND c.relkind IN ('r', 'v') "
                    "ORDER BY 1")
        relations = [r[0] for r in cur.fetchall()]
    connection.commit()
    return SetupResult(not has_extension, relations)


def run_script(cur: Any, script: str) -> None:
    """Run a script in the generated format on a cursor (the caller commits)."""
    import psycopg2

    preamble, *statements = script.split("\n" + STATEMENT_MARK)
    cur.execute(preamble)
    for statement in statements:
        sql = statement.split("\n", 1)[1]
        if not sql.upper().startswith("ALTER TABLE"):
            cur.execute(sql)
            continue
        cur.execute("SAVEPOINT hubspot_fdw_setup")
        try:
            cur.execute(sql)
        except psycopg2.Error as exc:
            if exc.pgcode not in ALREADY_THERE:
                raise
            cur.execute("ROLLBACK TO SAVEPOINT hubspot_fdw_setup")
        cur.execute("RELEASE SAVEPOINT hubspot_fdw_setup")


@click.command("setup")
@click.option("--dsn", envvar="HUBSPOT_FDW_DSN", default="", show_envvar=True,
              help="libpq connection string of the database (default: libpq's PG* variables)")
@click.option("--print-sql", is_flag=True, help="print the SQL instead of applying it (for psql -1 -f)")
def setup(dsn: str, print_sql: bool) -> None:
    """Create the sync's state objects in a database that uses upstream Multicorn2."""
    if print_sql:
        click.echo(multicorn_setup_sql(), nl=False)
        return
    import psycopg2

    try:
        connection = psycopg2.connect(dsn)
    except psycopg2.Error as exc:
        raise connect_error(exc) from None
    try:
        result = apply(connection)
    except psycopg2.Error as exc:
        raise fail(f"setup failed ({exc.pgcode}): {exc}") from None
    finally:
        connection.close()
    if result.applied:
        click.echo(f"hubspot_fdw schema ready: {', '.join(result.relations)}")
    else:
        click.echo("the hubspot_fdw extension is installed here and already provides these objects; "
                   "nothing to do")
