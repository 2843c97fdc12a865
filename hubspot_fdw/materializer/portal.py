"""One cache per portal: the cache schema is stamped (``hubspot_fdw.cache_portals``) with
the server that syncs it and HubSpot's portal id (``GET /account-info/v3/details``).
A server whose name or portal differs from its cache schema's stamp is refused, before
anything is written; so is a cache schema that is a system schema.

Deliberately not here: the cache schema's name (cache/names.py), the read path's own
check (fdw/cache_reads.py).
"""

from __future__ import annotations

import logging

from hubspot_fdw.api.account import AccountDetails
from hubspot_fdw.api.client import HubSpotClient
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.cache.names import forbidden_schema
from hubspot_fdw.cache.runner import SqlRunner
from hubspot_fdw.catalog.sql import quote_ident, quote_literal

log = logging.getLogger("hubspot_fdw.materializer.portal")


def _stamp(runner: SqlRunner, schema: str) -> dict | None:
    rows = runner.execute("SELECT server_name, portal_id FROM hubspot_fdw.cache_portals WHERE cache_schema = $1",
                          [schema])
    return rows[0] if rows else None


def check(runner: SqlRunner, server: str, schema: str, client: HubSpotClient) -> AccountDetails:
    """Stamp a new cache schema, or verify the stamp; returns the account details (the
    portal id, its time zone)."""
    why = forbidden_schema(schema)
    if why:
        raise HubSpotFdwError(f'cache schema "{schema}" cannot be used: {why}', sqlstate="42939",
                              hint=f"ALTER SERVER {server} OPTIONS (SET cache_schema '{server}_cache'), "
                                   "or drop the option to use the default.")
    details = client.account_details()
    portal_id = details.portal_id
    stamp = _stamp(runner, schema)
    if stamp is None:
        runner.execute("INSERT INTO hubspot_fdw.cache_portals (cache_schema, server_name, portal_id) "
                       "VALUES ($1, $2, $3) ON CONFLICT (cache_schema) DO NOTHING", [schema, server, portal_id])
        stamp = _stamp(runner, schema)
        log.info('cache schema "%s" stamped for server "%s" (portal %s)', schema, server, portal_id)
    assert stamp is not None
    if stamp["server_name"] != server:
        raise HubSpotFdwError(
            f'cache schema "{schema}" belongs to server "{stamp["server_name"]}", not "{server}"',
            sqlstate="55000",
            detail="Each server keeps its own cache; two servers never share one.",
            hint=f"ALTER SERVER {server} OPTIONS (SET cache_schema '{server}_cache') (or ADD it), "
                 "or drop the cache_schema option to use the default <server>_cache.")
    if stamp["portal_id"] is None:
        runner.execute("UPDATE hubspot_fdw.cache_portals SET portal_id = $2, stamped_at = now() "
                       "WHERE cache_schema = $1", [schema, portal_id])
    elif int(stamp["portal_id"]) != portal_id:
        raise HubSpotFdwError(
            f'server "{server}" now reaches HubSpot portal {portal_id}, but its cache schema "{schema}" '
            f'holds portal {stamp["portal_id"]}',
            sqlstate="55000",
            detail="The server's api_url or token was changed to another portal; syncing would mix two portals.",
            hint=f"If the server should reach the old portal, restore its api_url or token. To start over for "
                 f"the new portal: DROP SCHEMA {quote_ident(schema)} CASCADE; DELETE FROM hubspot_fdw.cache_portals "
                 f"WHERE cache_schema = {quote_literal(schema)}; DELETE FROM hubspot_fdw.sync_state WHERE "
                 f"server_name = {quote_literal(server)}; then sync again.")
    runner.commit()
    return details

