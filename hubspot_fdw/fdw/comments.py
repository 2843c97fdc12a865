"""Descriptions where users look: the comments IMPORT FOREIGN SCHEMA leaves on the
foreign tables and their columns (HubSpot's labels and descriptions, so
``\\d+ hubspot.contacts`` shows "First Name" beside ``firstname``), and the options of
enumeration properties (value → label) for the view ``hubspot_fdw.property_options``.

PostgreSQL accepts only CREATE FOREIGN TABLE statements from an FDW's import, so the
work is split: during the import ``stash`` keeps the descriptions in this backend's
Python; at the end of the IMPORT FOREIGN SCHEMA statement the extension's event
trigger (``hubspot_fdw._import_comments``) asks ``pending`` for the tables it saw
created and applies them. ``RecordingClient`` (api/recording.py) keeps the property definitions the
catalog fetched, so describing a property costs no extra HubSpot call; each association
table costs one (its labels, for the view ``hubspot_fdw.association_labels``), and each
object type with a stage property one (its pipelines: HubSpot lists the pipeline and
stage properties with ``externalOptions`` and no options, so their values and labels in
``property_options`` come from the pipelines).

Column comments stay one short line: the label, the first sentence of the description,
where the labels of a dropdown's values are (``property_options``, ``hubspot.owners``,
``hubspot.pipeline_stages``) and whether HubSpot lets it be written. Options are never
listed in a comment, and owner options are never recorded: owners' names and e-mails
belong to ``hubspot.owners``, whose grants protect them.

``option_hint`` serves writes: when HubSpot rejects an enumeration value that is one
of the options' labels, it names the value to use; ``stage_options`` names a pipeline or
stage column's valid values when HubSpot's rejection lists none (one pipelines call).

Deliberately not here: the SQL that applies comments (the extension script), deriving
tables (the catalog), the write rules (writes.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.api.models import ObjectSchema, Pipeline, PropertyDefinition
from hubspot_fdw.api.pipelines import pipeline_options, pipeline_properties
from hubspot_fdw.api.rejections import rejections
from hubspot_fdw.catalog import TableSpec
from hubspot_fdw.catalog.odd_values import nul_free
from hubspot_fdw.host.log import INFO, log_to_postgres

COMMENT_LENGTH = 200   # characters: one line of \d+ output
DESCRIPTION_LENGTH = 120  # characters of HubSpot's description kept in a column comment
STAGE_PROPERTIES = ("dealstage", "hs_pipeline_stage", "pipeline", "hs_pipeline")
FIELD_COMMENTS = {
    "id": "HubSpot record id (hs_object_id)",
    "created_at": "When the record was created in HubSpot (createdAt)",
    "updated_at": "When the record was last modified in HubSpot (updatedAt)",
    "archived": "Whether HubSpot has archived (deleted) the record",
    "_sync_hash": "Cache bookkeeping: hash of the stored values (NULL in live reads)",
    "_sync_inserted_at": "Cache bookkeeping: when the sync first stored the row (NULL in live reads)",
    "_sync_updated_at": "Cache bookkeeping: when the sync last changed the row (NULL in live reads)",
    "labels": "Association labels of the pair (NULL or '{}': unlabeled); see hubspot_fdw.association_labels",
    "property": "The property's internal name",
    "value": "The value the property had from changed_at on (NULL = emptied)",
    "changed_at": "When the value was set",
    "source_type": "What set the value (API, CRM_UI, IMPORT, CALCULATED, ...)",
    "source_id": "Which app, user, import or process set the value",
    "source_label": "The source's name, when HubSpot gives one",
    "updated_by_user_id": "The HubSpot user who set the value, if a user did",
}
TABLE_COMMENTS = {
    "owners": "HubSpot owners: the users and teams records can be assigned to (read-only)",
    "pipelines": "HubSpot pipelines of deals and tickets (read-only)",
    "pipeline_stages": "HubSpot pipeline stages; dealstage and hs_pipeline_stage hold their id (read-only)",
}


@dataclass(frozen=True)
class OptionRow:
    column_name: str
    property: str
    value: str
    label: str
    display_order: int | None = None


@dataclass(frozen=True)
class LabelRow:
    """One association type of a pair (first type to second) that has a label."""

    type_id: int
    category: str
    label: str


@dataclass(frozen=True)
class TableComments:
    table: str
    comment: str
    columns: dict[str, str] = field(default_factory=dict)
    options: list[OptionRow] = field(default_factory=list)
    labels: list[LabelRow] = field(default_factory=list)


_pending: dict[str, TableComments] = {}


def stash(tables: Iterable[TableSpec], client: Any) -> None:
    """Remember the descriptions of the tables an import is about to create (replacing
    those of any earlier import in this backend)."""
    properties = getattr(client, "properties", {})
    schemas = {s.object_type_id: s for s in getattr(client, "schemas", [])}
    _pending.clear()
    for table in tables:
        props = properties.get(table.object_type.api_path, []) if table.object_type else []
        schema = schemas.get(table.object_type.object_type_id) if table.object_type else None
        _pending[table.name] = describe(table, props, schema, association_labels(table, client),
                                        pipelines_of(table, props, client))


def pipelines_of(table: TableSpec, properties: Sequence[PropertyDefinition], client: Any) -> list[Pipeline] | None:
    """The pipelines of an object table whose type has a stage property (one call per
    type); None for other tables, or if HubSpot refuses them (a missing scope): the
    import itself stands, those columns just get no labels."""
    if table.kind != "object" or table.object_type is None:
        return None
    t = table.object_type
    if pipeline_properties(t.object_type_id)[1] not in {p.name for p in properties}:
        return None
    try:
        return list(client.list_pipelines(t.api_path))
    except HubSpotFdwError as error:
        _not_recorded(f"{table.name}: pipeline and stage labels not recorded", error)
        return None


def _not_recorded(what: str, error: HubSpotFdwError) -> None:
    """A NOTICE for the importing user: the import stands, but HubSpot refused a part of
    its descriptions (labels then read as the values themselves)."""
    log_to_postgres(f"{what}: {error.message}", INFO,
                    hint="Run hubspot_fdw.refresh_columns on the table later to record them.")


def association_labels(table: TableSpec, client: Any) -> list[LabelRow]:
    """The labels of an association table's pair (one call); none if HubSpot refuses it
    (a missing scope): the import itself stands."""
    if table.kind != "association" or table.pair is None:
        return []
    try:
        found = client.association_labels(table.pair.first.api_path, table.pair.second.api_path)
    except HubSpotFdwError as error:
        _not_recorded(f"{table.name}: association labels not recorded", error)
        return []
    return [LabelRow(t.type_id, t.category, t.label) for t in found if t.label]


def pending(argument: str) -> str:
    """``_python_call`` entry for the event trigger: ``argument`` is a JSON list of the
    tables created; returns their descriptions as JSON and forgets every stashed one."""
    names = json.loads(argument or "[]")
    # jsonb cannot hold NUL: a label with one loses it rather than every table its comments
    found = {n: nul_free(asdict(_pending[n])) for n in names if n in _pending}
    _pending.clear()
    return json.dumps(found)


def describe(table: TableSpec, properties: Sequence[PropertyDefinition],
             schema: ObjectSchema | None = None, labels: Sequence[LabelRow] = (),
             pipelines: Sequence[Pipeline] | None = None) -> TableComments:
    """A table's comments and dropdown options: the listed options of each property, but
    for the pipeline and stage properties those of ``pipelines`` (when given) and for
    owner properties none."""
    by_name = {p.name: p for p in properties}
    external = pipeline_options(table.object_type.object_type_id, pipelines) \
        if pipelines is not None and table.object_type is not None else {}
    columns: dict[str, str] = {}
    options: list[OptionRow] = []
    for column in table.columns:
        prop = by_name.get(column.property_name or "") if column.kind == "property" else None
        if prop is not None:
            columns[column.name] = column_comment(prop, column.writable)
            if prop.name in external:
                listed: Sequence[Any] = external[prop.name]
            elif prop.referenced_object_type == "OWNER":  # owners' names are personal data: hubspot.owners
                listed = []
            else:
                listed = [o for o in prop.options if not o.hidden]
            options += [OptionRow(column.name, prop.name, o.value, o.label, o.display_order) for o in listed]
        elif column.kind == "property" and column.label:
            columns[column.name] = column.label
        elif column.name in FIELD_COMMENTS:
            columns[column.name] = FIELD_COMMENTS[column.name]
        elif column.kind == "association":
            columns[column.name] = f"HubSpot id of the {column.name.removesuffix('_id').replace('_', ' ')}"
    return TableComments(table.name, table_comment(table, schema), columns, options, list(labels))


def table_comment(table: TableSpec, schema: ObjectSchema | None = None) -> str:
    if table.kind == "object" and table.object_type is not None:
        t = table.object_type
        label = (schema.plural_label if schema and schema.plural_label else t.table.replace("_", " "))
        kind = "custom object" if t.custom else "object type"
        return f"HubSpot {label} ({kind} {t.name}, objectTypeId {t.object_type_id})"
    if table.kind == "history" and table.object_type is not None:
        return (f"HubSpot property history of {table.object_type.table}: one row per value a property had, "
                "oldest to newest (table option history_properties)")
    if table.kind == "association" and table.pair is not None:
        return (f"HubSpot associations between {table.pair.first.table} and {table.pair.second.table}: "
                "one row per associated pair, with its labels")
    return TABLE_COMMENTS.get(table.name, f"HubSpot {table.name.replace('_', ' ')}")


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[:max(0, length - 1)].rstrip() + "…"


def _short(text: str | None, length: int = DESCRIPTION_LENGTH) -> str:
    """HubSpot's description on one short line: its first sentence, cut to ``length``."""
    flat = " ".join((text or "").split())
    return _cut(flat.split(". ", 1)[0].rstrip("."), length)


def column_comment(prop: PropertyDefinition, writable: bool) -> str:
    """The label, a short description, where the values' labels are, read-only or not; never
    the options themselves (owners' names and e-mails must not reach the catalog)."""
    parts = []
    if prop.referenced_object_type == "OWNER":
        parts.append("An owner id: names in hubspot.owners")
    elif prop.name in STAGE_PROPERTIES and prop.type == "enumeration":
        parts.append("A pipeline id: labels in hubspot.pipelines" if "stage" not in prop.name
                     else "A stage id: labels in hubspot.pipeline_stages and hubspot_fdw.property_options")
    elif any(not o.hidden for o in prop.options):
        shown = sum(1 for o in prop.options if not o.hidden)
        parts.append(f"Dropdown ({shown} options): labels in hubspot_fdw.property_options")
    if not writable:
        parts.append("Read-only in HubSpot")
    # the label and description get what the fixed parts leave of COMMENT_LENGTH
    room = COMMENT_LENGTH - sum(len(p) + 2 for p in parts)
    head = _cut(" ".join(prop.label.split()), room)
    description = _short(prop.description, min(DESCRIPTION_LENGTH, room - len(head) - 2))
    if description and description != prop.label and "@" not in description and room - len(head) > 12:
        head += f": {description}"
    return ". ".join([head, *parts])


# -- writes: an option's label where its value belongs ---------------------------------------
def invalid_options(error: Any) -> list[tuple[str, str]]:
    """(property, rejected value) of each INVALID_OPTION in a HubSpot rejection."""
    return [(r.property, r.value) for r in rejections(error) if r.code == "INVALID_OPTION" and r.value is not None]


def option_hint(error: Any, lookup: Any) -> str | None:
    """The hint for a rejection whose value is an option's label: ``lookup(property,
    label)`` returns the value of that label (or None)."""
    hints = []
    for prop, given in invalid_options(error):
        try:
            value = lookup(prop, given)
        except Exception:  # the hint is a courtesy; the rejection itself must still be reported
            value = None
        if value is not None and value != given:
            hints.append(f"\"{given}\" is the label of {prop}'s option \"{value}\": write '{value}'")
    return "; ".join(hints) + "." if hints else None


_LABEL_LOOKUP = (
    "SELECT o.value FROM hubspot_fdw.property_options o "
    "JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = o.foreign_table "
    "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
    "WHERE s.srvname = $1 AND ('table=' || $2) = ANY (ft.ftoptions) AND o.property = $3 "
    "AND lower(o.label) = lower($4) ORDER BY o.display_order NULLS LAST LIMIT 1")


def label_hint(error: Any, options: Any, table: TableSpec) -> Any:
    """The error-mapping point of writes: when ``error`` rejects an option's label, set its
    hint to the value to use (looked up in hubspot_fdw.property_options). Returns ``error``."""
    if not invalid_options(error) or not options.server:
        return error
    from hubspot_fdw.fdw.sql import run

    def lookup(prop: str, label: str) -> str | None:
        rows = run(options, _LABEL_LOOKUP, [options.server, options.table or table.name, prop, label])
        return str(rows[0]["value"]) if rows else None

    hint = option_hint(error, lookup)
    if hint:
        error.hint = hint
    return error


def stage_options(table: TableSpec, client: Callable[[], Any]) -> Callable[[str], list[tuple[str, str]]]:
    """For a rejection of a write: property → (value, label) of the live pipelines or
    stages when it is the table's pipeline or stage property (one pipelines call), else none."""
    def lookup(prop: str) -> list[tuple[str, str]]:
        t = table.object_type
        if t is None or prop not in pipeline_properties(t.object_type_id):
            return []
        found = pipeline_options(t.object_type_id, client().list_pipelines(t.api_path))
        return [(o.value, o.label) for o in found[prop]]
    return lookup
