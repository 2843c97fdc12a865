"""Shared fixtures: a real PostgreSQL 15 (pytest-postgresql) with the extension installed.

The server runs as the current OS user, which must not be root (make test runs
the suite as ``postgres``). Each test module gets its own database, so modules
cannot see each other's foreign tables. The harness itself is in pg_harness.py.
"""

from __future__ import annotations

from typing import Iterator

import psycopg2.extensions
import pytest
from hypothesis import settings
from pg_harness import TESTS_DIR, Database, create_database, postgresql_proc  # noqa: F401

# Property-based tests keep no example database: the checkout may be read-only.
settings.register_profile("hubspot_fdw", database=None)
settings.load_profile("hubspot_fdw")


@pytest.fixture(scope="module")
def host_db(postgresql_proc, request) -> Iterator[Database]:
    """A fresh database whose backends can import the host test wrappers."""
    name = "t_" + request.module.__name__.rsplit(".", 1)[-1]
    yield create_database(postgresql_proc, name, TESTS_DIR / "host" / "wrappers")


@pytest.fixture
def conn(host_db: Database) -> Iterator[psycopg2.extensions.connection]:
    connection = host_db.connect()
    yield connection
    connection.close()
