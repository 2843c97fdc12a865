"""A throwaway PostgreSQL cluster the worker tests can restart, crash and reconfigure
(initdb + pg_ctl from $PG_BIN), with hubspot_fdw in shared_preload_libraries or not.

Deliberately not here: the tests, the simulator (tests/materializer/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import psycopg2

from pg_harness import PG_BIN, Database, python_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, preload: bool, settings: dict[str, str] | None = None) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="hubspot_fdw-worker-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-E", "UTF8",
                        "--locale=C"], check=True, capture_output=True)
        conf = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                "unix_socket_directories": f"'{self.base}'", "jit": "off", "fsync": "off",
                "hubspot_fdw.sync_restart_delay": "1", "hubspot_fdw.sync_poll_interval": "0.2",
                "hubspot_fdw.sync_max_poll_interval": "0.5"}
        if preload:
            conf["shared_preload_libraries"] = "'hubspot_fdw'"
        conf.update(settings or {})
        with open(self.data / "postgresql.conf", "a") as f:
            for key, value in conf.items():
                f.write(f"{key} = {value}\n")
        self.user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True,
                                                               text=True).stdout.strip()
        self.proc = SimpleNamespace(host="127.0.0.1", port=self.port, user=self.user)

    def pg_ctl(self, *args: str) -> float:
        """Run pg_ctl; returns how long it took (seconds)."""
        started = time.monotonic()
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args],
                       check=True, capture_output=True)
        return time.monotonic() - started

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self, mode: str = "fast") -> float:
        return self.pg_ctl("stop", "-m", mode)

    def connect(self, dbname: str = "postgres") -> Any:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=dbname)
                conn.autocommit = True
                return conn
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, name: str) -> Database:
        conn = self.connect()
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
            cur.execute(f'ALTER DATABASE "{name}" SET hubspot_fdw.python_path = %s', (python_path(),))
        conn.close()
        db = Database(self.proc, name)
        query(db, "CREATE EXTENSION hubspot_fdw")
        return db

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)


def query(db: Database, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on a fresh connection (survives server restarts between calls)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = db.connect()
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0, every: float = 0.05) -> Any:
    """Poll check() until it returns something truthy; fail with ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except psycopg2.OperationalError:
            value = None  # the server is restarting
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def imported_database(cluster: Cluster, sim: Any, name: str, tables: list[str]) -> Database:
    """A database of ``cluster`` with the server, the caller's mapping and ``tables`` imported."""
    database = cluster.create_database(name)
    query(database, "CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw "
                    "OPTIONS (api_url %s, use_budget 'false')", (sim.base_url,))
    query(database, "CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)",
          (sim.token,))
    query(database, "CREATE SCHEMA hubspot")
    query(database, f"IMPORT FOREIGN SCHEMA hubspot LIMIT TO ({', '.join(tables)}) FROM SERVER hubspot INTO hubspot")
    return database
