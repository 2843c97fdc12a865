"""A small, bounded sqlsmith run over the imported tables in live and cache mode, as a
role holding the documented read-write grants, also with parallel query forced on
(force_parallel_mode / debug_parallel_query): any number of errors, zero crashes.
(bench/crash_hunt.py runs the long version.) Skipped when sqlsmith is not installed.

Not here: the calls of the extension's own functions (tests/host/test_function_safety.py).
"""

from __future__ import annotations

import pytest

from fdw.conftest import fill_cache
from hubspot_fdw.devtools.crash_hunt import hunt, sqlsmith_path

pytestmark = pytest.mark.skipif(sqlsmith_path() is None, reason="sqlsmith is not installed")
ROLE = "smith"
BUDGET = {"live": 60, "cache": 250}  # queries: keeps the serial runs well under a minute
# forced parallel mode makes sqlsmith's own catalog loading slow (a worker per query): more time
WALL_LIMIT = {False: 25.0, True: 120.0}


@pytest.fixture(scope="module")
def smith(db, sim):
    fill_cache(db, sim, ["contacts", "companies", "deals", "associations_company_contact"])
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
                    f"CREATE ROLE {ROLE} LOGIN; END IF; END $$")
        cur.execute(f"GRANT USAGE ON SCHEMA hubspot TO {ROLE}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hubspot TO {ROLE}")
        cur.execute(f"CREATE USER MAPPING FOR {ROLE} SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
    yield db.dsn.replace(f"user={db.proc.user}", f"user={ROLE}")
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(f"DROP OWNED BY {ROLE} CASCADE")
        cur.execute(f"DROP ROLE {ROLE}")


@pytest.mark.parametrize("parallel", (False, True), ids=("serial", "parallel"))
@pytest.mark.parametrize("mode", ("live", "cache"))
def test_sqlsmith_finds_no_crash(db, smith, mode: str, parallel: bool) -> None:
    result = hunt(db.dsn, smith, mode, max_queries=BUDGET[mode], seed=12, wall_limit=WALL_LIMIT[parallel],
                  parallel=parallel)
    assert not result.crashed, f"a backend crashed ({result.watcher_error}):\n{result.tail}"

    assert result.queries > 0, result.tail
