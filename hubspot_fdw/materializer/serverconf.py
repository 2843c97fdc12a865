"""Where to sync from: a foreign server's options and the current user's user mapping,
read from the catalogs (``pg_foreign_server``, ``pg_user_mappings``).

Deliberately not here: validating options (the FDW's options.py does that at CREATE
time); the token is never logged or put in errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubspot_fdw.api.client import DEFAULT_BASE_URL
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.token import check_token
from hubspot_fdw.cache.names import cache_schema_asked
from hubspot_fdw.cache.runner import SqlRunner


@dataclass
class ServerConfig:
    server: str
    api_url: str
    access_token: str = field(repr=False)
    cache_schema: str
    options: dict[str, str]


def _options(items: list[str] | None) -> dict[str, str]:
    result = {}
    for item in items or []:
        key, _, value = item.partition("=")
        result[key] = value
    return result


def read_server(runner: SqlRunner, server: str, role: str = "current_user") -> ServerConfig:
    """``role``: whose mapping holds the token, ``current_user`` or (in a SECURITY DEFINER
    function, on the caller's behalf) ``session_user``."""
    assert role in ("current_user", "session_user")
    rows = runner.execute("SELECT srvoptions FROM pg_catalog.pg_foreign_server WHERE srvname = $1", [server])
    if not rows:
        raise HubSpotFdwError(f'server "{server}" does not exist', sqlstate="42704",
                              hint="CREATE SERVER … FOREIGN DATA WRAPPER hubspot_fdw first.")
    options = _options(rows[0]["srvoptions"])
    mapping = runner.execute(
        "SELECT umoptions FROM pg_catalog.pg_user_mappings WHERE srvname = $1 "
        f"AND usename IN ({role}, 'public') ORDER BY (usename = 'public') LIMIT 1", [server])
    user = _options(mapping[0]["umoptions"]) if mapping else {}
    token = user.get("access_token", "")
    if not token:
        raise HubSpotFdwError(f'no access_token for server "{server}"', sqlstate="28000",
                              hint="CREATE USER MAPPING FOR CURRENT_USER SERVER … OPTIONS (access_token '…').")
    check_token(token)
    return ServerConfig(server, options.get("api_url") or DEFAULT_BASE_URL, token,
                        cache_schema_asked(runner.execute, options, server), options)


def relation_target(runner: SqlRunner, relid: int) -> tuple[str, str]:
    """(server, table) of a foreign table or cache table oid (hubspot_fdw._sync_target)."""
    row = runner.execute("SELECT server_name, table_name FROM hubspot_fdw._sync_target($1::oid::regclass)",
                         [str(relid)])[0]
    return row["server_name"], row["table_name"]
