"""docs/quickstart.sql (the README's quick start) runs verbatim through psql against
the simulator started as the file says (port 18765, default token)."""

from __future__ import annotations

import pathlib
import subprocess

import pytest

from pg_harness import PG_BIN, create_database
from hubspot_fdw.simulator.process import start_simulator

QUICKSTART = pathlib.Path(__file__).resolve().parents[2] / "docs" / "quickstart.sql"


@pytest.fixture(scope="module")
def quickstart_sim():
    with start_simulator(port=18765) as process:
        yield process


def test_quickstart_runs_verbatim(postgresql_proc, quickstart_sim):
    proc = postgresql_proc
    admin = create_database(proc, "fdw_quickstart", None)
    with admin.connect() as conn, conn.cursor() as cur:
        cur.execute("DROP EXTENSION hubspot_fdw")  # the quick start creates it itself
    result = subprocess.run(
        [str(PG_BIN / "psql"), "-X", "-h", proc.host, "-p", str(proc.port), "-U", proc.user, "-d", "fdw_quickstart",
         "-f", str(QUICKSTART)],
        capture_output=True, text=True, timeout=300)
    out, err = result.stdout, result.stderr
    assert "IMPORT FOREIGN SCHEMA" in out
    assert " email " in out and " name " in out and " labels " in out and "(10 rows)" in out
    assert "INSERT 0 1" in out and "UPDATE 1" in out and "DELETE 1" in out
    errors = [line for line in err.splitlines() if "ERROR:" in line]
    assert len(errors) == 1 and "HubSpot rejected contacts.email: 'not-an-email' is not a valid e-mail address" in errors[0], err
    log = quickstart_sim.requests()
    assert any(r["path"].endswith("/batch/update") for r in log)
    assert any(r["path"].endswith("/batch/archive") for r in log)


def test_readme_shows_the_quickstart_verbatim():
    readme = (QUICKSTART.parents[1] / "README.md").read_text()
    assert "```sql\n" + QUICKSTART.read_text().rstrip() + "\n```" in readme
