"""Entry points called from SQL through ``hubspot_fdw._python_call`` (inside a backend):
``refresh(argument)`` runs one pass for one table in the caller's transaction.

Deliberately not here: the sync logic (engine.py). SQL goes through the backend
runner (SPI, same transaction); HTTP through the normal client.
"""

from __future__ import annotations

import json
import logging

from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.cache.runner import BackendRunner
from hubspot_fdw.fdw.options import is_true
from hubspot_fdw.materializer.config import SyncConfig
from hubspot_fdw.materializer.engine import Materializer
from hubspot_fdw.materializer.serverconf import read_server, relation_target

log = logging.getLogger("hubspot_fdw.materializer.sql_api")


def refresh(argument: str) -> str:
    """``argument`` = the relation's oid as text. Returns a JSON summary of the pass."""
    runner = BackendRunner()
    server, table = relation_target(runner, int(argument))
    conf = read_server(runner, server)
    use_budget = is_true(conf.options.get("use_budget"), default=True)
    client = HubSpotClient(conf.api_url, conf.access_token, use_budget=use_budget)
    materializer = Materializer(client, runner, server, conf.cache_schema, tables=[table],
                                config=SyncConfig(), reraise=True)
    state = materializer.run_once()[table]
    return json.dumps({"table": table, "phase": state.phase, "records_stored": state.records_stored,
                       "rows_written": state.rows_written, "rows_deleted": state.rows_deleted})
