"""SQL shipped inside the Python package: ``multicorn_setup.sql``, the sync's state and
status objects for a database that uses upstream Multicorn2 instead of
``CREATE EXTENSION hubspot_fdw`` (generated from the extension's scripts by extract.py).

Deliberately not here: applying it (hubspot_fdw.setup), the extension's own scripts.
"""

from __future__ import annotations

from importlib import resources

SETUP_FILE = "multicorn_setup.sql"


def multicorn_setup_sql() -> str:
    """The text of multicorn_setup.sql as installed with the package."""
    return resources.files(__name__).joinpath(SETUP_FILE).read_text(encoding="utf-8")
