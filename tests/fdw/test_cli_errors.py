"""The ``hubspot-fdw`` commands as people expect: ``--dsn`` optional (HUBSPOT_FDW_DSN,
libpq's PG* variables), and a clean one-line error — never a traceback — for a bad DSN,
an unknown table, a missing server and a port in use. Run as real subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from pg_harness import Database


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "HUBSPOT_FDW_DSN"}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "hubspot_fdw.cli", *args], capture_output=True, text=True,
                          timeout=120, env=environ)


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert not [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("Error: ")
                and " INFO " not in line], result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_bad_dsn_is_one_line():
    assert_one_line_error(cli("sync", "--once", "--dsn", "host=127.0.0.1 port=1 connect_timeout=5"),
                          "cannot connect to PostgreSQL", "Connection refused", "HUBSPOT_FDW_DSN")
    assert_one_line_error(cli("sync", "--once", "--dsn", "not a dsn"), "cannot connect to PostgreSQL")


def test_missing_server_is_one_line(db: Database):
    assert_one_line_error(cli("sync", "--once", "--dsn", db.dsn, "--server", "nosuch"),
                          'server "nosuch" does not exist')


def test_unknown_table_is_one_line(db: Database):
    for tables in ("contacts,nosuch", "associations_contact_nosuch"):
        assert_one_line_error(cli("sync", "--once", "--dsn", db.dsn, "--tables", tables), "unknown", "nosuch")


def test_dsn_from_hubspot_fdw_dsn_and_from_pg_variables(db: Database):
    ok = cli("sync", "--once", "--tables", "owners", "--progress", "off", env={"HUBSPOT_FDW_DSN": db.dsn})
    assert ok.returncode == 0, ok.stderr
    pg = {"PGHOST": db.proc.host, "PGPORT": str(db.proc.port), "PGUSER": db.proc.user, "PGDATABASE": db.name}
    ok = cli("sync", "--once", "--tables", "owners", "--progress", "off", env=pg)
    assert ok.returncode == 0, ok.stderr
    assert "owners: live" in ok.stderr


def test_every_interval_states_its_unit():
    text = cli("sync", "--help").stdout
    for option in ("--poll-interval", "--lookback-ms", "--index-lag-ms", "--sweep-interval",
                   "--reconcile-interval", "--metadata-interval", "--max-seconds"):
        block = text.split(option, 1)[1].split("\n  --", 1)[0]
        assert "seconds" in block or "milliseconds" in block, (option, block)


def test_simulator_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_line_error(cli("simulator", "--port", str(port)), f"cannot listen on 127.0.0.1:{port}", "--port")
