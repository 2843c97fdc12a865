"""The background worker on a portal holding odd values, for a minute: how many HubSpot
calls it makes and how often it exits. Prints figures; not a test.

The portal holds a contact whose firstname has a NUL character (HubSpot's public API
accepts it) and one with annualrevenue 'lots' and date_of_birth 'yesterday' (stored
unchecked through the simulator's admin API). Expected: the backfill's few calls, then
a poll now and then; no exit. Also printed: what sync_errors and sync_status show.

    /opt/hubspot_fdw/venv/bin/python bench/odd_values_worker.py [--seconds 60] [--contacts 200]

PostgreSQL refuses root: as root the script re-execs itself as ``postgres``.
"""

from __future__ import annotations

import argparse
import re
import time

from worker import ZERO, q, workers  # bench/worker.py
from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.devtools.throwaway_pg import ThrowawayPostgres, run_as_postgres
from hubspot_fdw.simulator.process import start_simulator


def main() -> None:
    run_as_postgres()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--contacts", type=int, default=200)
    a = parser.parse_args()
    settings = {"shared_preload_libraries": "'hubspot_fdw'", "hubspot_fdw.sync_restart_delay": "1"}
    with ThrowawayPostgres(settings=settings) as pg, \
            start_simulator(seed=5, owners=2, index_lag_ms=0, **dict(ZERO, contacts=a.contacts, companies=0,
                                                                       deals=0)) as sim:
        dsn = pg.dsn
        client = HubSpotClient(sim.base_url, sim.token, use_budget=False)
        nul = client.create_object("contacts", {"firstname": "nul\u0000api", "lastname": "Odd"})
        raw = client.create_object("contacts", {"firstname": "Raw", "lastname": "Odd"})
        sim.admin("PATCH", f"/objects/contacts/{raw.id}",
                  {"properties": {"annualrevenue": "lots", "date_of_birth": "yesterday"}, "raw": True})
        q(dsn, "CREATE EXTENSION hubspot_fdw")
        q(dsn, "CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %s)", (sim.base_url,))
        q(dsn, "CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token %s)", (sim.token,))
        q(dsn, "CREATE SCHEMA hubspot")
        q(dsn, "IMPORT FOREIGN SCHEMA hubspot LIMIT TO (contacts) FROM SERVER hubspot INTO hubspot")
        sim.clear_requests()
        log_before = (pg.directory / "server.log").read_text(errors="replace") \
            if (pg.directory / "server.log").exists() else ""
        started = time.monotonic()
        q(dsn, "SELECT hubspot_fdw.start_sync('hubspot')")
        pids: set[int] = set()
        while time.monotonic() - started < a.seconds:
            pids.update(workers(dsn))
            time.sleep(0.1)
        calls = len(sim.requests())
        log = (pg.directory / "server.log").read_text(errors="replace")[len(log_before):] \
            if (pg.directory / "server.log").exists() else ""
        exits = len(re.findall(r"hubspot_fdw sync.*exited with exit code", log))
        print(f"worker facing odd values for {a.seconds:.0f} s ({a.contacts + 2} contacts): "
              f"{calls} HubSpot calls, {len(pids)} worker process(es), {exits} exit(s) in the log")
        for row in q(dsn, "SELECT table_name, phase, records_stored, cast_errors, server_calls_today, "
                          "server_calls_allowed_per_day, last_error FROM hubspot_fdw.sync_status"):
            print("sync_status:", row)
        for row in q(dsn, "SELECT record_id, property, raw_value, error FROM hubspot_fdw.sync_errors "
                          "ORDER BY record_id, property"):
            print("sync_errors:", row)
        print("cache:", q(dsn, "SELECT id, firstname, annualrevenue, date_of_birth FROM hubspot_cache.contacts "
                              "WHERE id IN (%s, %s) ORDER BY id", (nul.id, raw.id)))


if __name__ == "__main__":
    main()
