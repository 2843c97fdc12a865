"""One-line command-line errors: what the ``hubspot-fdw`` commands print instead of a
traceback when the cause is the user's input or environment (a DSN that does not
connect, a missing server, an unknown table, a port in use).

``fail(...)`` builds the ``click.ClickException`` (printed as ``Error: …`` with exit
status 1); ``one_line`` folds a multi-line library message (libpq's, with its tab
indented second line) into one. Deliberately not here: catching programming errors —
those keep their traceback.
"""

from __future__ import annotations

import click


def one_line(text: object) -> str:
    """``text`` on one line: lines stripped and joined with "; "."""
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def fail(message: str, hint: str | None = None) -> click.ClickException:
    """The exception to raise: ``message`` and the hint, on one line."""
    text = one_line(message)
    if hint:
        text = f"{text} (hint: {one_line(hint).rstrip('.')})"
    return click.ClickException(text)


def connect_error(error: Exception) -> click.ClickException:
    """A psycopg2 connection failure: libpq's reason, and where the DSN comes from."""
    return fail(f"cannot connect to PostgreSQL: {error}",
                "pass --dsn, set HUBSPOT_FDW_DSN, or the libpq variables PGHOST, PGPORT, PGDATABASE, PGUSER")
