"""Schema drift without DROP: a foreign table gains the columns of properties added in
HubSpot since its IMPORT, in place, so grants, options and dependent views stay.

``refresh_columns`` serves ``hubspot_fdw.refresh_columns(regclass)`` (one property
listing, the caller's user mapping, and the type's pipelines when it has a stage
property, for the labels of the pipeline and stage columns; for an association table it
refreshes the labels instead); the sync calls ``follow`` with the listing it made
anyway (no extra call: the pipeline and stage labels recorded before are kept). Both compare the table's columns (their ``property`` option)
with HubSpot's properties, ``ALTER FOREIGN TABLE … ADD COLUMN`` the new ones, and hand
the comments, dropdown options and the columns whose property is gone to
``hubspot_fdw._record_columns`` (which checks ownership again). A property deleted in
HubSpot keeps its column (NULL from then on) until the user drops it.

Deliberately not here: who may refresh (the SQL functions check ownership before any
call), the cache table's DDL (cache/ddl.py), comment texts (comments.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Sequence

from hubspot_fdw.api.models import Pipeline, PropertyDefinition
from hubspot_fdw.api.pipelines import pipeline_properties
from hubspot_fdw.cache.ddl import existing_columns_sql
from hubspot_fdw.cache.names import cache_schema, qualified_table
from hubspot_fdw.cache.runner import BackendRunner, SqlRunner
from hubspot_fdw.catalog.columns import ColumnSpec, TableSpec, object_table
from hubspot_fdw.catalog.registry import ObjectType, Registry
from hubspot_fdw.catalog.sql import quote_ident, quote_literal
from hubspot_fdw.fdw import comments
from hubspot_fdw.fdw.errors import FdwError

log = logging.getLogger("hubspot_fdw.fdw.drift")

DELETED = "deleted_in_hubspot"  # column option: HubSpot deleted the property

_COLUMNS = ("SELECT a.attname::text AS name, a.attfdwoptions AS options FROM pg_catalog.pg_attribute a "
            "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")
_TABLES = ("SELECT ft.ftrelid::bigint AS oid FROM pg_catalog.pg_foreign_table ft "
           "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
           "JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid "
           "WHERE s.srvname = $1 AND ('table=' || $2) = ANY (ft.ftoptions) "
           "AND pg_catalog.pg_has_role(c.relowner, 'USAGE') ORDER BY 1")


@dataclass
class Drift:
    """What differs between a foreign table and HubSpot's properties."""

    relid: int
    added: list[ColumnSpec] = field(default_factory=list)
    gone: list[tuple[str, str]] = field(default_factory=list)   # (column, property)
    newly_gone: list[str] = field(default_factory=list)         # columns not marked deleted yet
    revived: list[str] = field(default_factory=list)            # marked deleted, back in HubSpot

    @property
    def changed(self) -> bool:
        return bool(self.added or self.newly_gone or self.revived)

    def rows(self) -> list[dict[str, str]]:
        return ([{"column_name": c.name, "property": c.property_name or c.name, "change": "added"}
                 for c in self.added]
                + [{"column_name": c, "property": p, "change": "deleted in HubSpot"} for c, p in self.gone])


def _option(options: Sequence[str] | None, key: str) -> str | None:
    for item in options or []:
        name, _, value = item.partition("=")
        if name == key:
            return value
    return None


def compare(runner: SqlRunner, relid: int, spec: TableSpec) -> Drift:
    columns = runner.execute(_COLUMNS, [str(relid)])
    names = {r["name"] for r in columns}
    have = {_option(r["options"], "property") for r in columns} - {None}
    drift = Drift(relid)
    drift.added = [c for c in spec.columns if c.kind == "property" and c.property_name not in have
                   and c.name not in names]
    known = {c.property_name for c in spec.columns if c.kind == "property"}
    drift.gone = [(r["name"], p) for r in columns if (p := _option(r["options"], "property")) and p not in known]
    marked = {r["name"] for r in columns if (_option(r["options"], DELETED) or "false").lower() == "true"}
    drift.newly_gone = [c for c, _ in drift.gone if c not in marked]
    drift.revived = sorted(marked - {c for c, _ in drift.gone})
    return drift


def _add_column_sql(table: str, column: ColumnSpec) -> str:
    """``table``: the foreign table's name as regclass prints it (quoted where needed)."""
    from hubspot_fdw.fdw.importer import column_options
    options = ", ".join(f"{quote_ident(k)} {quote_literal(v)}" for k, v in column_options(column).items())
    return (f"ALTER FOREIGN TABLE {table} ADD COLUMN {quote_ident(column.name)} {column.sql_type}"
            + (f" OPTIONS ({options})" if options else ""))


_KEPT_OPTIONS = ("SELECT column_name::text AS column_name, property, value, label, display_order "
                 "FROM hubspot_fdw.property_options WHERE foreign_table = $1::oid::regclass "
                 "AND property = ANY ($2::text[]) ORDER BY column_name, display_order")


def _keep_pipeline_options(runner: SqlRunner, relid: int, spec: TableSpec,
                           described: comments.TableComments) -> comments.TableComments:
    """``described`` with the pipeline and stage options recorded before (HubSpot lists
    none with those properties; they came from the pipelines)."""
    if spec.object_type is None:
        return described
    names = list(pipeline_properties(spec.object_type.object_type_id))
    kept = [comments.OptionRow(r["column_name"], r["property"], r["value"], r["label"],
                               None if r["display_order"] is None else int(r["display_order"]))
            for r in runner.execute(_KEPT_OPTIONS, [str(relid), "{" + ",".join(names) + "}"])]
    return replace(described, options=[o for o in described.options if o.property not in names] + kept)


def apply(runner: SqlRunner, drift: Drift, spec: TableSpec, properties: Sequence[PropertyDefinition],
          pipelines: Sequence[Pipeline] | None = None) -> None:
    """Add the new columns (as the calling role: PostgreSQL checks ownership), then record
    comments, options and gone properties through ``hubspot_fdw._record_columns``; the
    pipeline and stage options from ``pipelines``, else those recorded before."""
    table = runner.execute("SELECT $1::oid::regclass::text AS name", [str(drift.relid)])[0]["name"]
    for column in drift.added:
        runner.execute(_add_column_sql(table, column))
    for name in drift.newly_gone:  # live reads stop asking HubSpot for it (fdw/tables.py)
        runner.execute(f"ALTER FOREIGN TABLE {table} ALTER COLUMN {quote_ident(name)} "
                       f"OPTIONS (ADD {DELETED} 'true')")
    for name in drift.revived:
        runner.execute(f"ALTER FOREIGN TABLE {table} ALTER COLUMN {quote_ident(name)} OPTIONS (DROP {DELETED})")
    if drift.newly_gone:
        _clear_cache(runner, drift.relid, spec.name, drift.newly_gone)
    described = comments.describe(spec, properties, pipelines=pipelines)
    if pipelines is None:
        described = _keep_pipeline_options(runner, drift.relid, spec, described)
    payload = {**asdict(described), "gone": [{"column_name": c, "property": p} for c, p in drift.gone]}
    runner.execute("SELECT hubspot_fdw._record_columns($1::oid::regclass, $2::jsonb)",
                   [str(drift.relid), json.dumps(payload)])


def _clear_cache(runner: SqlRunner, relid: int, table: str, columns: Sequence[str]) -> None:
    """The cache table's values of deleted properties become NULL, as live reads show them."""
    row = runner.execute("SELECT s.srvname::text AS server, s.srvoptions AS options FROM pg_catalog.pg_foreign_table ft "
                         "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid = $1::oid",
                         [str(relid)])[0]
    schema = cache_schema({k: v for k, _, v in (o.partition("=") for o in row["options"] or [])}, row["server"])
    existing = {r["column_name"] for r in runner.execute(existing_columns_sql(), [schema, table])}
    for name in columns:
        if name in existing:
            runner.execute(f"UPDATE {qualified_table(schema, table)} SET {quote_ident(name)} = NULL "
                           f"WHERE {quote_ident(name)} IS NOT NULL")


def follow(runner: SqlRunner, server: str, spec: TableSpec, properties: Sequence[PropertyDefinition]) -> list[Drift]:
    """The sync's part: bring every foreign table of ``spec`` on ``server`` that this role
    owns up to ``properties`` (already listed by the sync). Returns what changed."""
    changed = []
    for row in runner.execute(_TABLES, [server, spec.name]):
        drift = compare(runner, int(row["oid"]), spec)
        if drift.changed:
            apply(runner, drift, spec, properties)
            changed.append(drift)
            log.info("%s: added column(s) %s; properties gone from HubSpot: %s", spec.name,
                     ", ".join(c.name for c in drift.added) or "none", ", ".join(p for _, p in drift.gone) or "none")
    return changed


def _object_type(client: Any, key: str) -> ObjectType:
    found = Registry.standard().find(key) or Registry.from_schemas(client.list_schemas()).find(key)
    if found is None:
        raise FdwError(f'HubSpot has no object type "{key}"', sqlstate="42704")
    return found


def _record_labels(runner: SqlRunner, relid: int, client: Any, first: str, second: str) -> None:
    """An association table's columns are fixed; its labels are refreshed (one call)."""
    labels = [comments.LabelRow(t.type_id, t.category, t.label)
              for t in client.association_labels(first, second) if t.label]
    runner.execute("SELECT hubspot_fdw._record_columns($1::oid::regclass, $2::jsonb)",
                   [str(relid), json.dumps({"labels": [asdict(label) for label in labels]})])


def refresh_columns(argument: str) -> str:
    """``_python_call`` entry of ``hubspot_fdw._refresh_columns``: ``argument`` = the foreign
    table's oid; lists the type's properties with the session user's mapping, adds the new
    columns to the foreign table and the cache table. Returns the changes as JSON rows."""
    from hubspot_fdw.cache.on_import import add_declared_columns
    from hubspot_fdw.fdw.client import client_for
    from hubspot_fdw.fdw.options import FdwOptions
    from hubspot_fdw.materializer.serverconf import read_server
    runner = BackendRunner()
    relid = int(argument)
    rows = runner.execute("SELECT s.srvname::text AS server, ft.ftoptions AS options "
                          "FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_foreign_server s "
                          "ON s.oid = ft.ftserver WHERE ft.ftrelid = $1::oid", [str(relid)])
    options = rows[0]["options"] if rows else []
    key = _option(options, "object_type")
    pair = (_option(options, "from_object_type"), _option(options, "to_object_type"))
    if not key and not all(pair):
        raise FdwError("refresh_columns needs a foreign table of a HubSpot object type or association",
                       sqlstate="42809", hint="Owners, pipelines and pipeline stages have fixed columns.")
    conf = read_server(runner, rows[0]["server"], role="session_user")
    client = client_for(FdwOptions.parse({**conf.options, "access_token": conf.access_token}))
    if not key:
        _record_labels(runner, relid, client, pair[0] or "", pair[1] or "")
        return "[]"
    otype = _object_type(client, key)
    properties = client.list_properties(otype.api_path)
    spec = object_table(otype, properties)
    drift = compare(runner, relid, spec)
    apply(runner, drift, spec, properties, comments.pipelines_of(spec, properties, client))
    add_declared_columns(conf.server, conf.options, spec)
    return json.dumps(drift.rows())
