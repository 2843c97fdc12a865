"""Registry, naming, column specs and quoting."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from hubspot_fdw.api.models import ObjectSchema, PropertyDefinition, SchemaAssociation
from hubspot_fdw.catalog import Catalog, Registry
from hubspot_fdw.catalog.columns import object_table, sql_type
from hubspot_fdw.catalog.naming import association_columns, association_table, property_columns, snake_case
from hubspot_fdw.catalog.sql import create_table_sql, quote_ident, quote_literal


def P(name: str, type_: str = "string", field: str = "text", **kw) -> PropertyDefinition:
    return PropertyDefinition(name, name.title(), type_, field, **kw)


CARS = ObjectSchema(id="1", object_type_id="2-100", name="cars", fully_qualified_name="p1_cars",
                    singular_label="Car", plural_label="Cars",
                    associations=(SchemaAssociation("9", "2-100", "0-1", "car_to_contact"),
                                  SchemaAssociation("10", "2-100", "2-200", "car_to_service_request")))
REQUESTS = ObjectSchema(id="2", object_type_id="2-200", name="service_requests", fully_qualified_name="p1_sr",
                        singular_label="Service request", plural_label="Service requests",
                        associations=(SchemaAssociation("11", "2-200", "2-100", "service_request_to_car"),))


def test_standard_registry() -> None:
    reg = Registry.standard()
    assert reg.get("0-1").table == "contacts" and reg.get("contacts").last_modified_property == "lastmodifieddate"
    assert reg.get("deal").last_modified_property == "hs_lastmodifieddate"
    assert reg.get("0-46").name == "notes" and reg.get("postal_mail").object_type_id == "0-116"
    assert reg.get("deals").pipelines and not reg.get("contacts").pipelines


def test_custom_types_and_pairs() -> None:
    reg = Registry.from_schemas([REQUESTS, CARS])
    assert reg.get("2-200").table == "service_requests" and reg.get("2-200").singular == "service_request"
    assert reg.get("2-100").api_path == "2-100"
    tables = [p.table for p in reg.association_pairs()]
    assert "associations_car_contact" in tables and "associations_car_service_request" in tables
    assert "associations_company_contact" in tables and "associations_contact_company" not in tables
    assert len(tables) == len(set(tables))
    assert not any("product" in t for t in tables)
    assert not any(t == "associations_contact_contact" for t in tables)
    with_self = Registry.from_schemas([CARS], include_self_pairs=True)
    assert "associations_contact_contact" in [p.table for p in with_self.association_pairs()]
    assert association_columns("contact", "contact") == ("contact_id", "related_contact_id")


def test_custom_table_name_collision() -> None:
    deals = ObjectSchema(id="3", object_type_id="2-300", name="deals", fully_qualified_name=None,
                         singular_label="Deal", plural_label="Deals")
    assert Registry.from_schemas([deals]).get("2-300").table == "deals_2_300"


@given(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
def test_association_name_is_symmetric(a: str, b: str) -> None:
    assert association_table(a, b) == association_table(b, a)


def test_naming() -> None:
    assert snake_case("Service requests") == "service_requests"
    assert snake_case("LineItem") == "line_item"
    assert snake_case("2 wheels!") == "t_2_wheels"
    cols = property_columns(["id", "email", "archived", "prop_id", "created_at"])
    assert cols == {"id": "prop_id_2", "email": "email", "archived": "prop_archived", "prop_id": "prop_id",
                    "created_at": "prop_created_at"}


def test_column_types_and_order() -> None:
    props = [P("email"), P("amount", "number", "number"), P("closedate", "date", "date"),
             P("hs_lastmodifieddate", "datetime", "date", read_only_value=True), P("flag", "bool", "booleancheckbox"),
             P("tags", "enumeration", "checkbox"), P("stage", "enumeration", "select"),
             P("calc", "number", "calculation_equation", calculated=True), P("old", archived=True)]
    table = object_table(Registry.standard().get("deals"), props)
    assert table.column_names == ["id", "email", "amount", "closedate", "hs_lastmodifieddate", "flag", "tags",
                                  "stage", "calc", "created_at", "updated_at", "archived", "_sync_hash",
                                  "_sync_inserted_at", "_sync_updated_at"]
    assert [table.column(c).sql_type for c in table.column_names[:9]] == [
        "text", "text", "numeric", "date", "timestamptz", "boolean", "text[]", "text", "numeric"]
    assert table.column("email").writable and not table.column("hs_lastmodifieddate").writable
    assert not table.column("calc").writable and not table.column("id").writable
    assert sql_type(P("x", "phone_number", "phonenumber")) == "text"


def test_catalog_from_definitions() -> None:
    reg = Registry.from_schemas([CARS, REQUESTS])
    props = {t.table: [P("name")] for t in reg}
    catalog = Catalog.from_definitions(reg, props)
    assert {"contacts", "cars", "service_requests", "owners", "pipelines", "pipeline_stages",
            "associations_car_contact", "associations_deal_line_item"} <= set(catalog.tables)
    assoc = catalog.table("associations_company_contact")
    assert assoc.column_names == ["company_id", "contact_id", "labels"] and assoc.column("labels").sql_type == "text[]"
    partial = Catalog.from_definitions(reg, {"contacts": [P("email")]})
    assert [t.name for t in partial.object_tables()] == ["contacts"] and not partial.association_tables()


def test_quoting() -> None:
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_ident("select") == '"select"'
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal("a\\b") == "E'a\\\\b'"
    table = object_table(Registry.standard().get("contacts"), [P("Drop Table")])
    assert '"Drop Table" text' in create_table_sql(table, "hub spot")
    assert create_table_sql(table, "hub spot").startswith('CREATE TABLE "hub spot"."contacts"')


class _Refusing:
    """A client whose portal has not activated leads (HubSpot answers 403 for them)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def list_schemas(self):
        return []

    def list_properties(self, api_path: str):
        from hubspot_fdw.api.models import PropertyDefinition
        if api_path == "leads":
            raise self.error
        return [PropertyDefinition.from_json({"name": "name", "label": "Name", "type": "string",
                                              "fieldType": "text", "groupName": "g"})]


def test_a_later_type_the_portal_refuses_is_left_out_unless_asked_for():
    from hubspot_fdw.api.errors import HubSpotPermissionError, HubSpotValidationError
    from hubspot_fdw.catalog import build_catalog
    for error in (HubSpotPermissionError("no scope", status=403), HubSpotValidationError("unknown", status=400)):
        catalog = build_catalog(_Refusing(error))
        assert "leads" not in catalog.tables and "contacts" in catalog.tables
        assert "associations_contact_lead" not in catalog.tables
        with pytest.raises(type(error)):
            build_catalog(_Refusing(error), only=["leads"])
    with pytest.raises(HubSpotPermissionError):   # a type every portal has is never skipped
        class _NoContacts(_Refusing):
            def list_properties(self, api_path):
                if api_path == "contacts":
                    raise self.error
                return []
        build_catalog(_NoContacts(HubSpotPermissionError("no scope", status=403)))
