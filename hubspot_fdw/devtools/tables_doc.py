"""docs/tables.md, generated from the catalog (registry.py, columns.py, the cache's keys):
one reference entry per kind of table — what it holds, its fixed columns and keys, the
operations it allows, the scopes it needs, HubSpot's API page — and the type mapping.

    python -m hubspot_fdw.devtools.tables_doc > docs/tables.md

tests/catalog/test_tables_doc.py fails when the committed file differs from this output,
and when a standard object type has no ``TYPE_FACTS`` entry. A new kind of table joins
the reference as one more ``TableKind`` in ``KINDS``.

Deliberately not here: the tables themselves (catalog/), user guides (docs/*.md).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Sequence

from hubspot_fdw.api.models import PropertyDefinition
from hubspot_fdw.cache.ddl import key_columns
from hubspot_fdw.catalog.columns import (
    ColumnSpec,
    TableSpec,
    association_table,
    is_writable,
    object_table,
    owners_table,
    pipeline_stages_table,
    pipelines_table,
    sql_type,
)
from hubspot_fdw.catalog.history import DEFAULT_PROPERTIES, OWNER, history_table
from hubspot_fdw.catalog.registry import STANDARD_TYPES, ObjectType, Registry
from hubspot_fdw.fdw.comments import FIELD_COMMENTS

API = "https://developers.hubspot.com/docs/api/crm/"


@dataclass(frozen=True)
class TypeFacts:
    """What the registry does not say about a standard object type."""
    holds: str
    read_scopes: str
    write_scopes: str
    api_page: str


_ENGAGEMENT = ("crm.objects.contacts.read", "crm.objects.contacts.write")


def _later(holds: str, name: str) -> TypeFacts:
    """A type whose scopes follow HubSpot's crm.objects.<name>.read/.write pattern."""
    return TypeFacts(holds, f"crm.objects.{name}.read", f"crm.objects.{name}.write", API + name)


TYPE_FACTS: dict[str, TypeFacts] = {
    "contacts": TypeFacts("people: leads, customers, anyone with an e-mail address",
                          "crm.objects.contacts.read", "crm.objects.contacts.write", API + "contacts"),
    "companies": TypeFacts("organisations", "crm.objects.companies.read", "crm.objects.companies.write",
                           API + "companies"),
    "deals": TypeFacts("sales opportunities, each in a pipeline stage", "crm.objects.deals.read",
                       "crm.objects.deals.write", API + "deals"),
    "tickets": TypeFacts("support requests, each in a pipeline stage", "tickets", "tickets", API + "tickets"),
    "products": TypeFacts("the product library", "crm.objects.products.read (older portals: e-commerce)",
                          "crm.objects.products.write", API + "products"),
    "line_items": TypeFacts("products as sold on a deal or quote (price, quantity)",
                            "crm.objects.line_items.read (older portals: e-commerce)",
                            "crm.objects.line_items.write", API + "line-items"),
    "quotes": TypeFacts("quotes sent to buyers", "crm.objects.quotes.read", "crm.objects.quotes.write",
                        API + "quotes"),
    "communications": TypeFacts("SMS, WhatsApp and LinkedIn messages logged on records", *_ENGAGEMENT,
                                API + "communications"),
    "tasks": TypeFacts("to-dos with a due date and an owner", *_ENGAGEMENT, API + "tasks"),
    "notes": TypeFacts("notes logged on records", *_ENGAGEMENT, API + "notes"),
    "meetings": TypeFacts("meetings logged or booked", *_ENGAGEMENT, API + "meetings"),
    "calls": TypeFacts("calls logged or recorded", *_ENGAGEMENT, API + "calls"),
    "emails": TypeFacts("one-to-one e-mails logged on records", *_ENGAGEMENT, API + "email"),
    "postal_mail": TypeFacts("letters logged on records", *_ENGAGEMENT, API + "postal-mail"),
    # Types HubSpot added later: imported only where the portal has them and the token may read them.
    "leads": _later("prospects being qualified before they become deals", "leads"),
    "services": _later("services the company delivers (projects, onboarding)", "services"),
    "appointments": _later("scheduled appointments", "appointments"),
    "courses": _later("courses offered", "courses"),
    "listings": _later("property listings (real estate)", "listings"),
    "invoices": _later("invoices sent to customers", "invoices"),
    "orders": _later("orders from e-commerce channels", "orders"),
    "carts": _later("shopping carts from e-commerce channels", "carts"),
    "subscriptions": _later("recurring billing subscriptions", "subscriptions"),
    "feedback_submissions": TypeFacts("answers to feedback surveys (read-only in HubSpot's API)",
                                      "crm.objects.feedback_submissions.read", "– (read-only)",
                                      API + "feedback-submissions"),
    "goal_targets": TypeFacts("sales and service goals with their targets", "crm.objects.goals.read",
                              "crm.objects.goals.write", API + "goals"),
}

FIELD_TEXT = {
    "email": "the owner's e-mail address",
    "first_name": "first name", "last_name": "last name",
    "user_id": "the HubSpot user id of an active user",
    "user_id_including_inactive": "the HubSpot user id, also of deactivated users",
    "type": "PERSON or QUEUE",
    "teams": "the owner's teams (id, name, primary) as JSON",
    "object_type": "deals or tickets (the type the pipeline belongs to)",
    "label": "the name shown in HubSpot",
    "display_order": "position in HubSpot's lists",
    "pipeline_id": "the pipeline (pipelines.id)",
    "metadata": "the stage's settings as JSON (deal stages: probability; ticket stages: ticketState)",
}


@dataclass(frozen=True)
class TableKind:
    """One entry of the reference."""
    title: str
    anchor: str
    names: str
    holds: str
    spec: TableSpec | None
    fixed_note: str
    keys: str
    operations: str
    scopes: str
    api_page: str
    extra: Callable[[], list[str]] | None = None


def _code(items: Sequence[str]) -> str:
    return ", ".join(f"`{i}`" for i in items)


def _describe_column(column: ColumnSpec, spec: TableSpec) -> str:
    if column.kind == "association":
        if column.name == "labels":
            return FIELD_COMMENTS["labels"]
        return "the id of the associated record"
    if column.kind == "id" and spec.kind == "history" and spec.object_type is not None:
        return f"the record's id (`{spec.object_type.table}.id`)"
    if column.name == "id" and spec.kind in ("owners", "pipelines", "pipeline_stages"):
        return {"owners": "the owner id (hubspot_owner_id of records)", "pipelines": "the pipeline id",
                "pipeline_stages": "the stage id (dealstage / hs_pipeline_stage of records)"}[spec.kind]
    return FIELD_COMMENTS.get(column.name) or FIELD_TEXT.get(column.name, "")


def _columns(spec: TableSpec, only: Callable[[ColumnSpec], bool] = lambda c: True) -> list[str]:
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | `{c.sql_type}` | {_describe_column(c, spec)} |" for c in spec.columns if only(c)]
    return lines


def _key(spec: TableSpec) -> str:
    return f"cache primary key ({_code(key_columns(spec))})"


def _standard_types() -> list[str]:
    registry = Registry.standard()
    pairs = registry.association_pairs()
    lines = ["| table | HubSpot type (objectTypeId) | holds | pipelines | read scope | write scope | API page |",
             "|---|---|---|---|---|---|---|"]
    for t in STANDARD_TYPES:
        facts = TYPE_FACTS[t.name]
        lines.append(f"| `{t.table}` | {t.name} ({t.object_type_id}) | {facts.holds} | "
                     f"{'yes' if t.pipelines else '–'} | {facts.read_scopes} | {facts.write_scopes} | "
                     f"[{t.name}]({facts.api_page}) |")
    unpaired = [t.table for t in STANDARD_TYPES if not any(t in (p.first, p.second) for p in pairs)]
    lines += ["", f"Types without association tables: {_code(unpaired)}."]
    return lines


def _association_tables() -> list[str]:
    names = [p.table for p in Registry.standard().association_pairs()]
    return ["The standard pairs (custom objects add their own):", "", _code(names) + "."]


def _type_mapping() -> list[str]:
    samples = [("string", "text"), ("string", "textarea"), ("string", "html"), ("phone_number", "phonenumber"),
               ("number", "number"), ("number", "calculation_equation"), ("date", "date"),
               ("datetime", "date"), ("bool", "booleancheckbox"), ("enumeration", "select"),
               ("enumeration", "radio"), ("enumeration", "booleancheckbox"), ("enumeration", "checkbox"),
               ("object_coordinates", "text"), ("json", "text")]
    lines = ["| HubSpot `type` | `fieldType` | PostgreSQL type | writable |", "|---|---|---|---|"]
    for hs_type, field in samples:
        prop = PropertyDefinition(name="p", label="P", type=hs_type, field_type=field)
        lines.append(f"| `{hs_type}` | `{field}` | `{sql_type(prop)}` | {'yes' if is_writable(prop) else 'no'} |")
    return lines


def _sample_object() -> TableSpec:
    return object_table(STANDARD_TYPES[0], [])


def _sample_pair() -> TableSpec:
    registry = Registry.standard()
    return association_table(next(p for p in registry.association_pairs() if p.table == "associations_company_contact"))


def _custom_example() -> ObjectType:
    from hubspot_fdw.api.models import ObjectSchema
    from hubspot_fdw.catalog.registry import custom_type
    return custom_type(ObjectSchema(id="123456", name="car", object_type_id="2-123456", fully_qualified_name=None,
                                    singular_label="Car", plural_label="Cars"))


def _sample_history() -> TableSpec:
    return history_table(next(t for t in STANDARD_TYPES if t.name == "deals"))


def _history_defaults() -> list[str]:
    lines = ["The table option `history_properties` chooses the properties (a comma-separated list of "
             "internal names, `'*'` = every property); without it:", "",
             "| table | properties |", "|---|---|"]
    lines += [f"| `{name}_property_history` | {_code(props)} |" for name, props in DEFAULT_PROPERTIES.items()]
    lines += [f"| every other type | {_code(OWNER)} |", "",
              "Cost: a live scan reads 50 records per request (HubSpot's page limit with history), a condition "
              "on the id column 50 records per batch read; `property = …` / `IN (…)` narrows the properties "
              "asked for (within `history_properties`: other properties give no rows). The sync reads the whole history once (one request per 50 records), then only the "
              "history of records its object table's polls saw change (one request per 50 changed records), "
              "so an idle portal costs nothing more. Each extra property adds rows, not requests; `'*'` can "
              "make responses large. A full `IMPORT` includes every type's history table and the sync then "
              "backfills each; leave out those you do not need (`EXCEPT (calls_property_history, …)`, or "
              "`DROP FOREIGN TABLE`). [sync.md](sync.md) has the figures.",
              "",
              "```sql",
              "ALTER FOREIGN TABLE hubspot.deals_property_history",
              "  OPTIONS (ADD history_properties 'dealstage,amount,closedate');",
              "```"]
    return lines


WRITE_RULES = ("SELECT; INSERT (one record per statement; `RETURNING` shows what HubSpot stored); UPDATE and "
               "DELETE (at most 100 records per statement; DELETE archives the record in HubSpot); "
               "[writes.md](writes.md) has the rules")
KINDS: tuple[TableKind, ...] = (
    TableKind("Object tables", "object-tables", "one per standard type, named as below",
              "one row per HubSpot record of the type (archived records are not listed)",
              _sample_object(),
              "then one column per HubSpot property, under its internal name, typed per the "
              "[type mapping](#type-mapping)", "`id`; " + _key(_sample_object()),
              WRITE_RULES, "the read scope for SELECT and the sync, the write scope for writes (below)",
              API + "understanding-the-crm", _standard_types),
    TableKind("Custom objects", "custom-objects",
              f"one per custom object schema, under its plural label in snake_case (`{_custom_example().table}`; "
              f"`{_custom_example().table}_{_custom_example().object_type_id.replace('-', '_')}` when that name is taken)",
              "one row per record of the custom object; its columns are those of the "
              "[object tables](#object-tables): the fixed columns and one per property", None, "",
              "`id`; " + _key(_sample_object()), WRITE_RULES,
              "`crm.objects.custom.read` and `crm.schemas.custom.read`; writes: `crm.objects.custom.write`",
              API + "crm-custom-objects"),
    TableKind("<objects>_property_history", "property-history",
              "one per object type, the object table's name with `_property_history` "
              "(`deals_property_history`); the id column is `<singular>_id`",
              "one row per value a property of a record had, oldest to newest, the current value included "
              "(`value` NULL: the property was emptied)", _sample_history(), "(example: `deals_property_history`)",
              "`deal_id` (in the example); " + _key(_sample_history()),
              "SELECT only (HubSpot keeps the history: change the record to add a value)",
              "the read scope of the type", API + "properties", _history_defaults),
    TableKind("owners", "owners", "`owners`", "the users and queues records can be assigned to "
              "(`hubspot_owner_id` holds an owner's `id`)", owners_table(), "",
              "`id`; " + _key(owners_table()), "SELECT only", "`crm.objects.owners.read` (older apps: `contacts`)", API + "owners"),
    TableKind("pipelines", "pipelines", "`pipelines`", "the pipelines of deals and tickets "
              "(`pipeline` / `hs_pipeline` of records hold a pipeline's `id`)", pipelines_table(), "",
              _key(pipelines_table()), "SELECT only",
              "`crm.objects.deals.read` (deal pipelines), `tickets` (ticket pipelines)", API + "pipelines"),
    TableKind("pipeline_stages", "pipeline_stages", "`pipeline_stages`", "the stages of every pipeline "
              "(`dealstage` / `hs_pipeline_stage` of records hold a stage's `id`)", pipeline_stages_table(), "",
              _key(pipeline_stages_table()), "SELECT only",
              "`crm.objects.deals.read` (deal pipelines), `tickets` (ticket pipelines)", API + "pipelines"),
    TableKind("associations_<a>_<b>", "associations", "one per unordered pair of types HubSpot can "
              "associate: the two singular names in alphabetical order (`associations_company_contact`); "
              "the columns of a type associated with itself are `<a>_id` and `related_<a>_id`",
              "one row per associated pair of records, with the pair's labels", _sample_pair(),
              "(example: `associations_company_contact`)", _key(_sample_pair()),
              "SELECT; INSERT associates two records (with the given labels); DELETE removes the association; "
              "UPDATE of `labels` adds and removes labels",
              "the read scopes of both types; writes: the write scopes of both types", API + "associations",
              _association_tables),
)


def render() -> str:
    out = ["# Tables", "",
           "<!-- Generated by `python -m hubspot_fdw.devtools.tables_doc > docs/tables.md`; do not edit. -->", "",
           "`IMPORT FOREIGN SCHEMA` creates one foreign table per kind below (`LIMIT TO` / `EXCEPT` "
           "choose). Every table reads from its cache table once the sync has filled it, live from "
           "HubSpot before ([reads.md](reads.md)).", ""]
    out += [f"- [{k.title}](#{k.anchor})" for k in KINDS] + ["- [Type mapping](#type-mapping)", ""]
    for kind in KINDS:
        out += [f'<a id="{kind.anchor}"></a>', f"## {kind.title}", "",
                f"- **Names**: {kind.names}.", f"- **Holds**: {kind.holds}.", f"- **Keys**: {kind.keys}.",
                f"- **Operations**: {kind.operations}.", f"- **Scopes**: {kind.scopes}.",
                f"- **HubSpot API**: <{kind.api_page}>", ""]
        if kind.spec is not None:
            out += ["Fixed columns" + (f" {kind.fixed_note}" if kind.fixed_note and kind.spec.kind in ("association", "history")
                                       else "") + ":", ""]
            if kind.spec.kind == "object":
                out += _columns(kind.spec, lambda c: c.kind in ("id", "envelope", "sync"))
                out += ["", f"{kind.fixed_note[0].upper()}{kind.fixed_note[1:]}."]
            else:
                out += _columns(kind.spec)
            out.append("")
        if kind.extra is not None:
            out += kind.extra() + [""]
    out += ['<a id="type-mapping"></a>', "## Type mapping", "",
            "A property's column type follows its HubSpot `type` and `fieldType`. Dropdowns hold the option's "
            "value (`closedwon`), not its label; `hubspot_fdw.property_options` lists both. Read-only "
            "columns cannot be written (HubSpot computes them).", ""]
    out += _type_mapping()
    out += ["", "HubSpot-managed properties (`hs_object_id`, `createdate`, `lastmodifieddate`, "
            "`hs_lastmodifieddate`, `hs_merged_object_ids`) and calculated ones are read-only too."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
