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


# A query sqlsmith found that crashed PostgreSQL 16+ while planning: a live table's
# parameterized path required an outer join's relid (only base relations may be required).
OUTER_JOIN_PARAMETERIZED = """
select subq_2.c2 from
  (select 56 as c0 from hubspot.quotes as ref_0 where cast(null as "timestamp") < cast(null as timestamptz)
   limit 96) as subq_1,
  lateral (select ref_4.deal_id as c1, ref_2.labels as c2
           from hubspot.associations_contact_email as ref_1
             left join hubspot.associations_company_deal as ref_2
               right join hubspot.associations_car_deal as ref_3 on (ref_2.deal_id = ref_3.car_id)
             on (ref_1.contact_id = ref_3.car_id)
             inner join hubspot.associations_deal_task as ref_4
             on (EXISTS (select ref_3.car_id from hubspot.associations_cart_line_item as ref_5
                         where ref_3.labels <> ref_5.labels limit 68)
                 or (subq_1.c0 = 1))) as subq_2
limit 76
"""


@pytest.mark.parametrize("mode", ("live", "cache"))
def test_outer_join_parameterized_path_plans(db, smith, mode: str) -> None:
    import psycopg2
    with psycopg2.connect(smith) as conn, conn.cursor() as cur:
        cur.execute(f"SET hubspot_fdw.read_mode = '{mode}'")
        cur.execute("EXPLAIN " + OUTER_JOIN_PARAMETERIZED)
        assert cur.fetchall()
