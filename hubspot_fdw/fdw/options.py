"""Options as data: every option of the HubSpot foreign tables, where it may be set,
its default, whether it is secret; ``validate_options`` (CREATE/ALTER time) and
``FdwOptions`` (the merged options an instance runs with).

Deliberately not here: what the options do (client.py, readmode.py), and any
value that could leak: secrets are never echoed in messages, not even on a typo.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Mapping

from hubspot_fdw.api.token import check_token
from hubspot_fdw.cache.names import cache_schema, forbidden_schema
from hubspot_fdw.fdw.errors import FdwError

READ_MODES = ("auto", "cache", "live")
INVALID_VALUES = ("null", "error")
DEFAULT_API_URL = "https://api.hubapi.com"


@dataclass(frozen=True)
class OptionSpec:
    name: str
    where: frozenset[str]       # server | table | user_mapping | column | import
    default: str | None = None
    secret: bool = False
    choices: tuple[str, ...] = ()
    kind: str = "text"          # text | int | bool | url
    help: str = ""


def _spec(name: str, where: str, default: str | None = None, **kw: object) -> OptionSpec:
    return OptionSpec(name, frozenset(where.split(",")), default, **kw)  # type: ignore[arg-type]


OPTIONS: tuple[OptionSpec, ...] = (
    _spec("api_url", "server", DEFAULT_API_URL, kind="url", help="HubSpot API base URL"),
    _spec("read_mode", "server,table", "auto", choices=READ_MODES, help="auto, cache or live"),
    _spec("cache_schema", "server", help="schema of the cache tables (default <server>_cache)"),
    _spec("cache_dsn", "user_mapping,server", secret=True,
          help="Multicorn2 only: libpq DSN for cache reads and writes (user mapping; on the server every role reads it)"),
    _spec("timeout", "server", "30", kind="int", help="read timeout in seconds"),
    _spec("max_retries", "server", "4", kind="int", help="retries after a failed request"),
    _spec("use_budget", "server", "true", kind="bool", help="share the portal's rate budget"),
    _spec("add_new_columns", "server", "true", kind="bool",
          help="the sync adds the columns of new HubSpot properties to the foreign tables it owns"),
    _spec("sync_any_owner", "server", "false", kind="bool",
          help="the sync also serves foreign tables other roles created on this server"),
    _spec("use_remote_estimate", "server,table", "false", kind="bool",
          help="plan live scans with HubSpot's record count (one request per table per backend every 5 minutes)"),
    _spec("invalid_values", "server,table", "null", choices=INVALID_VALUES,
          help="a live value HubSpot holds that its column cannot: null (NULL with a WARNING) or error"),
    _spec("access_token", "user_mapping", secret=True, help="HubSpot private app token"),
    _spec("table", "table", help="catalog table name (the cache table has the same name)"),
    _spec("object_type", "table,import", help="HubSpot object type (name or objectTypeId)"),
    _spec("from_object_type", "table", help="association tables: type of the first id column"),
    _spec("to_object_type", "table", help="association tables: type of the second id column"),
    _spec("server", "table", help="the server name, recorded by IMPORT FOREIGN SCHEMA"),
    _spec("history_properties", "table",
          help="property history tables: properties whose history they hold (comma-separated, * = every "
               "property; default per type in docs/tables.md)"),
    _spec("property", "column", help="HubSpot property internal name"),
    _spec("hubspot_type", "column", help="HubSpot property type"),
    _spec("field_type", "column", help="HubSpot property fieldType"),
    _spec("read_only", "column", "false", kind="bool", help="HubSpot rejects writes to this property"),
    _spec("deleted_in_hubspot", "column", "false", kind="bool",
          help="set by refresh_columns and the sync: HubSpot deleted the property, the column reads NULL"),
)
BY_NAME = {o.name: o for o in OPTIONS}
KIND_NAMES = {"server": "server", "table": "table", "user_mapping": "user mapping", "column": "column",
              "import": "IMPORT FOREIGN SCHEMA"}


def _invalid(message: str, hint: str | None = None) -> FdwError:
    return FdwError(message, sqlstate="HV00D", hint=hint)


def _check_value(spec: OptionSpec, value: str) -> None:
    if spec.name == "access_token":
        check_token(value)
    if spec.choices and value not in spec.choices:
        raise FdwError(f'invalid value for option "{spec.name}": "{value}"', sqlstate="HV00D",
                       hint=f"Valid values: {', '.join(spec.choices)}.")
    if spec.kind == "int" and not value.strip().isdigit():
        raise FdwError(f'option "{spec.name}" must be a non-negative integer', sqlstate="HV00D",
                       hint=f"For example {spec.name} '{spec.default or 10}'.")
    if spec.kind == "bool" and value.lower() not in ("true", "false", "on", "off", "yes", "no", "1", "0"):
        raise FdwError(f'option "{spec.name}" must be a boolean', sqlstate="HV00D",
                       hint="Use true or false.")
    if spec.kind == "url" and not value.startswith(("http://", "https://")):
        raise FdwError(f'option "{spec.name}" must be an http(s) URL', sqlstate="HV00D",
                       hint=f"For example {spec.name} '{spec.default}'.")
    if spec.name == "cache_schema" and forbidden_schema(value):
        raise FdwError(f'invalid value for option "cache_schema": {forbidden_schema(value)}', sqlstate="HV00D",
                       hint="Choose a schema of its own for each server, or leave the option unset "
                            "(default <server>_cache).")


def validate_options(kind: str, options: Mapping[str, str]) -> None:
    """Raise HV00D on an unknown option (hint: the valid ones, and the closest match),
    an option in the wrong place (hint: where it belongs) or a bad value."""
    valid = sorted(o.name for o in OPTIONS if kind in o.where)
    for name, value in options.items():
        spec = BY_NAME.get(name)
        if spec is None or kind not in spec.where:
            if spec is not None:
                places = " or ".join(KIND_NAMES[w] for w in sorted(spec.where))
                hint = f'Set "{name}" on the {places}.'
                if spec.secret:
                    hint += " Secrets belong only in the user mapping."
            else:
                close = difflib.get_close_matches(name, valid, n=1)
                hint = (f'Did you mean "{close[0]}"? ' if close else "") + \
                    f"Valid {KIND_NAMES.get(kind, kind)} options: {', '.join(valid) or '(none)'}."
            raise _invalid(f'invalid option "{name}" for a HubSpot {KIND_NAMES.get(kind, kind)}', hint)
        _check_value(spec, value)


def is_true(value: str | None, default: bool = False) -> bool:
    """An option's boolean value, as validation accepts it (true/on/yes/1); ``default`` when unset."""
    return default if value is None else value.lower() in ("true", "on", "yes", "1")


@dataclass(frozen=True)
class FdwOptions:
    """The merged options of one foreign table (table, then server, then user mapping)."""

    api_url: str
    access_token: str
    read_mode: str
    cache_schema: str
    cache_dsn: str | None
    timeout: int
    max_retries: int
    use_budget: bool
    use_remote_estimate: bool
    invalid_values: str
    table: str | None
    object_type: str | None
    from_object_type: str | None
    to_object_type: str | None
    server: str | None
    history_properties: str | None = None

    @classmethod
    def parse(cls, merged: Mapping[str, str]) -> "FdwOptions":
        for name, value in merged.items():
            spec = BY_NAME.get(name)
            if spec is None:
                close = difflib.get_close_matches(name, list(BY_NAME), n=1)
                raise _invalid(f'invalid option "{name}"',
                               (f'Did you mean "{close[0]}"? ' if close else "") +
                               f"Valid options: {', '.join(sorted(BY_NAME))}.")
            _check_value(spec, value)

        def get(name: str) -> str | None:
            return merged.get(name, BY_NAME[name].default)

        return cls(api_url=str(get("api_url")).rstrip("/"), access_token=merged.get("access_token", ""),
                   read_mode=str(get("read_mode")),
                   cache_schema=cache_schema(merged, merged.get("server")),
                   cache_dsn=merged.get("cache_dsn"),
                   timeout=int(str(get("timeout"))), max_retries=int(str(get("max_retries"))),
                   use_budget=is_true(str(get("use_budget"))),
                   use_remote_estimate=is_true(str(get("use_remote_estimate"))),
                   invalid_values=str(get("invalid_values")), table=get("table"),
                   object_type=get("object_type"), from_object_type=get("from_object_type"),
                   to_object_type=get("to_object_type"), server=get("server"),
                   history_properties=get("history_properties"))

    def __repr__(self) -> str:
        return (f"FdwOptions(api_url={self.api_url!r}, access_token='[REDACTED]', "
                f"read_mode={self.read_mode!r}, table={self.table!r})")
