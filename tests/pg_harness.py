"""The PostgreSQL side of the test harness, importable by every test package.

(Test modules import it as ``pg_harness``; several ``conftest`` modules exist, so
``from conftest import ...`` would be ambiguous.)
"""

from __future__ import annotations

import os
import pathlib
import sysconfig

import psycopg2
import psycopg2.extensions
from pytest_postgresql import factories

PG_BIN = pathlib.Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
TESTS_DIR = pathlib.Path(__file__).resolve().parent

postgresql_proc = factories.postgresql_proc(
    executable=str(PG_BIN / "pg_ctl"),
    host="127.0.0.1",
    port=None,
    postgres_options="-c jit=off -c max_parallel_workers_per_gather=0 -c log_min_messages=warning",
)


def server_version_num(conn: psycopg2.extensions.connection) -> int:
    with conn.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0])


def debug_parallel_guc(conn: psycopg2.extensions.connection) -> str:
    """The setting that forces parallel plans: renamed in PostgreSQL 16."""
    return "debug_parallel_query" if server_version_num(conn) >= 160000 else "force_parallel_mode"


def python_path(*extra: pathlib.Path) -> str:
    """The backend's sys.path entries: the venv's site-packages plus test wrappers."""
    site = sysconfig.get_paths()["purelib"]
    return ":".join([site, *(str(p) for p in extra)])


class Database:
    """A database of the test server, with helpers to open connections to it."""

    def __init__(self, proc, name: str) -> None:
        self.proc = proc
        self.name = name
        self.dsn = f"host={proc.host} port={proc.port} user={proc.user} dbname={name}"

    def connect(self, autocommit: bool = True, user: str | None = None) -> psycopg2.extensions.connection:
        """A connection as the test superuser, or as ``user`` (a role the test created)."""
        conn = psycopg2.connect(self.dsn if user is None else
                                f"host={self.proc.host} port={self.proc.port} user={user} dbname={self.name}")
        conn.autocommit = autocommit
        return conn


def create_database(proc, name: str, wrappers_dir: pathlib.Path | None) -> Database:
    admin = psycopg2.connect(host=proc.host, port=proc.port, user=proc.user, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
        extra = [wrappers_dir] if wrappers_dir else []
        cur.execute(f"ALTER DATABASE \"{name}\" SET hubspot_fdw.python_path = %s",
                    (python_path(*extra),))
    admin.close()
    db = Database(proc, name)
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE EXTENSION hubspot_fdw")
    return db
