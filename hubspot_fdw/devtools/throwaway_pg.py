"""A throwaway PostgreSQL server (PG_BIN's, default Debian's 15) for the demo and the benchmarks.

initdb into a temporary directory, listen on 127.0.0.1 only (plus a private
Unix socket), and remove everything on exit. PostgreSQL refuses to run as
root, so callers running as root re-exec themselves as ``postgres`` first
(``run_as_postgres``). Not a test fixture: the tests use pytest-postgresql.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def run_as_postgres() -> None:
    """If running as root, re-run this same command as the postgres user."""
    if os.geteuid() != 0:
        return
    pwd.getpwnam("postgres")  # fails clearly if the user is missing
    os.execvp("runuser", ["runuser", "-u", "postgres", "--", "env", "HOME=/tmp",
                          sys.executable, *sys.argv])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ThrowawayPostgres:
    """``with ThrowawayPostgres() as pg: psycopg2.connect(pg.dsn)``."""

    settings: dict[str, str] = field(default_factory=dict)
    directory: Path | None = None
    port: int = 0

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname=postgres user={pwd.getpwuid(os.geteuid()).pw_name}"

    def __enter__(self) -> "ThrowawayPostgres":
        self.directory = Path(tempfile.mkdtemp(prefix="hubspot_fdw-pg-"))
        self.port = _free_port()
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(self.directory / "data"), "-A", "trust",
                        "-E", "UTF8", "--locale", "C.UTF-8"], check=True, stdout=subprocess.DEVNULL)
        options = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                   "unix_socket_directories": f"'{self.directory}'", "fsync": "off",
                   **{k: v for k, v in self.settings.items()}}
        with open(self.directory / "data" / "postgresql.conf", "a") as conf:
            for name, value in options.items():
                conf.write(f"{name} = {value}\n")
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(self.directory / "data"), "-w",
                        "-l", str(self.directory / "server.log"), "start"],
                       check=True, stdout=subprocess.DEVNULL)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.directory is None:
            return
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast",
                        "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.directory, ignore_errors=True)


def import_hubspot(cur, api_url: str, token: str, tables: str) -> None:
    """The extension, a server ``hubspot`` at ``api_url``, the current user's mapping and
    the foreign ``tables`` (a comma-separated list) in schema ``hubspot``."""
    cur.execute("CREATE EXTENSION hubspot_fdw")
    cur.execute("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (api_url,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (token,))
    cur.execute("CREATE SCHEMA hubspot")
    cur.execute(f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({tables}) FROM SERVER hubspot INTO hubspot")
