"""The official hubspot-api-client 12.0.0, only its host pointed at the simulator,
parses every response into its models."""

from __future__ import annotations

import hubspot
import pytest
from hubspot.crm.associations.v4 import AssociationSpec, BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.contacts import (BatchInputSimplePublicObjectBatchInput, BatchInputSimplePublicObjectBatchInputForCreate,
                                  BatchInputSimplePublicObjectBatchInputUpsert, BatchInputSimplePublicObjectId,
                                  BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest,
                                  SimplePublicObjectInput, SimplePublicObjectInputForCreate)
from hubspot.crm.contacts.exceptions import ApiException, NotFoundException
from hubspot.crm.properties import PropertyCreate


@pytest.fixture
def client(fresh):
    return hubspot.Client.create(access_token=fresh.token, host=fresh.base_url, base_url=fresh.base_url)


def test_pages_get_and_get_all(client):
    page = client.crm.contacts.basic_api.get_page(limit=100, properties=["email", "firstname"],
                                                  associations=["companies"])
    assert len(page.results) == 100 and page.paging.next.after
    rec = page.results[0]
    assert rec.id and rec.properties["email"] and rec.created_at.year >= 2022
    assert rec.associations["companies"].results[0].type
    assert len(client.crm.contacts.get_all()) == 300
    got = client.crm.contacts.basic_api.get_by_id(rec.id, properties_with_history=["email"])
    assert got.properties_with_history["email"][0].value == rec.properties["email"]
    by_email = client.crm.contacts.basic_api.get_by_id(rec.properties["email"], id_property="email")
    assert by_email.id == rec.id
    with pytest.raises(NotFoundException):
        client.crm.contacts.basic_api.get_by_id("999")
    arch = client.crm.contacts.basic_api.get_page(archived=True)
    assert arch.results == []


def test_create_update_archive_merge(client):
    api = client.crm.contacts.basic_api
    c = api.create(simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
        properties={"email": "sdk@example.com", "firstname": "Sdk"}))
    assert c.properties["email"] == "sdk@example.com"
    u = api.update(c.id, simple_public_object_input=SimplePublicObjectInput(properties={"lastname": "Client"}))
    assert u.updated_at > c.updated_at
    with pytest.raises(ApiException) as exc:
        api.create(simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": "sdk@example.com"}))
    assert exc.value.status == 409 and "Existing ID" in exc.value.body
    other = client.crm.contacts.get_all()[0]
    from hubspot.crm.contacts import PublicMergeInput
    m = api.merge(public_merge_input=PublicMergeInput(primary_object_id=c.id, object_id_to_merge=other.id))
    assert other.id in m.properties["hs_merged_object_ids"]
    api.archive(c.id)
    assert client.crm.contacts.basic_api.get_by_id(c.id, archived=True).archived is True


def test_batch_calls(client):
    b = client.crm.companies.batch_api
    ids = [r.id for r in client.crm.companies.basic_api.get_page(limit=3).results]
    read = b.read(batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
        inputs=[{"id": i} for i in ids] + [{"id": "999"}], properties=["name"]))
    assert len(read.results) == 3 and read.num_errors == 1 and read.errors[0].category == "OBJECT_NOT_FOUND"
    created = b.create(batch_input_simple_public_object_batch_input_for_create=BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[{"properties": {"name": "A"}}, {"properties": {"name": "B"}}]))
    assert created.status == "COMPLETE" and len(created.results) == 2
    upd = b.update(batch_input_simple_public_object_batch_input=BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": created.results[0].id, "properties": {"name": "A2"}}]))
    assert upd.results[0].properties["name"] == "A2"
    up = client.crm.contacts.batch_api.upsert(batch_input_simple_public_object_batch_input_upsert=BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[{"id": "up@example.com", "idProperty": "email", "properties": {"firstname": "U"}}]))
    assert up.results[0].new is True
    b.archive(batch_input_simple_public_object_id=BatchInputSimplePublicObjectId(inputs=[{"id": created.results[1].id}]))


def test_search_with_filters_and_paging(client):
    req = PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "amount", "operator": "GTE", "value": "1000"}]}],
        sorts=[{"propertyName": "amount", "direction": "ASCENDING"}], properties=["amount", "dealname"], limit=20)
    res = client.crm.deals.search_api.do_search(public_object_search_request=req)
    assert res.total > 20 and len(res.results) == 20 and res.paging.next.after == "20"
    amounts = [float(r.properties["amount"]) for r in res.results]
    assert amounts == sorted(amounts)
    req.after = res.paging.next.after
    nxt = client.crm.deals.search_api.do_search(public_object_search_request=req)
    assert float(nxt.results[0].properties["amount"]) >= amounts[-1]


def test_generic_objects_and_engagements(client):
    schemas = client.crm.schemas.core_api.get_all()
    car = next(s for s in schemas.results if s.name == "cars")
    assert car.object_type_id.startswith("2-") and car.properties
    page = client.crm.objects.basic_api.get_page(car.object_type_id, limit=5, properties=["vin"])
    assert page.results[0].properties["vin"]
    assert client.crm.schemas.core_api.get_by_id(car.object_type_id).name == "cars"
    assert client.crm.objects.notes.basic_api.get_page(limit=5).results
    assert client.crm.objects.calls.search_api.do_search(
        public_object_search_request={"limit": 3}).total == 20


def test_properties_owners_pipelines(client):
    props = client.crm.properties.core_api.get_all("contacts")
    assert any(p.name == "email" and p.has_unique_value for p in props.results)
    p = client.crm.properties.core_api.create("deals", property_create=PropertyCreate(
        name="sdk_flag", label="SDK flag", type="bool", field_type="booleancheckbox", group_name="dealinformation"))
    assert p.name == "sdk_flag" and p.modification_metadata.read_only_value is False
    assert client.crm.properties.core_api.get_by_name("deals", "sdk_flag").type == "bool"
    owners = client.crm.owners.owners_api.get_page(limit=5)
    assert owners.results[0].email and owners.paging.next.after
    assert client.crm.owners.owners_api.get_by_id(owners.results[0].id).id == owners.results[0].id
    pipes = client.crm.pipelines.pipelines_api.get_all("deals")
    assert pipes.results[0].stages[0].metadata["probability"]
    stages = client.crm.pipelines.pipeline_stages_api.get_all("tickets", "0")
    assert len(stages.results) == 4


def test_associations_v4(client):
    v4 = client.crm.associations.v4
    contact = client.crm.contacts.basic_api.get_page(limit=1).results[0].id
    company = client.crm.companies.basic_api.get_page(limit=1).results[0].id
    labels = v4.schema.definitions_api.get_all("contacts", "companies")
    assert any(x.type_id == 279 for x in labels.results)
    made = v4.basic_api.create("contacts", contact, "companies", company, association_spec=[
        AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)])
    assert made.labels == ["Primary"]
    d = v4.basic_api.create_default("contacts", contact, "companies", company)
    assert d.status == "COMPLETE"
    page = v4.basic_api.get_page("contacts", contact, "companies")
    assert page.results[0].association_types
    batch = v4.batch_api.get_page("companies", "contacts", batch_input_public_fetch_associations_batch_request=
                                  BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": company}, {"id": "1"}]))
    assert batch.results[0].to and batch.num_errors == 1
    v4.basic_api.archive("contacts", contact, "companies", company)
    types = client.crm.associations.schema.types_api.get_all("contacts", "companies")
    assert any(t.name == "contact_to_company" for t in types.results)


def test_pipeline_and_stage_writes_and_audits(client):
    from hubspot.crm.pipelines import PipelineInput, PipelinePatchInput, PipelineStageInput, PipelineStagePatchInput
    api, stages = client.crm.pipelines.pipelines_api, client.crm.pipelines.pipeline_stages_api
    made = api.create("deals", pipeline_input=PipelineInput(label="SDK pipeline", display_order=7, stages=[
        PipelineStageInput(label="Open", display_order=0, metadata={"probability": "0.2"}),
        PipelineStageInput(label="Won", display_order=1, metadata={"probability": "1.0"})]))
    assert made.id and len(made.stages) == 2 and made.created_at.year >= 2025
    patched = api.update("deals", made.id, pipeline_patch_input=PipelinePatchInput(label="SDK pipeline 2"))
    assert patched.label == "SDK pipeline 2" and patched.updated_at >= made.updated_at
    stage = stages.create("deals", made.id, pipeline_stage_input=PipelineStageInput(
        label="Lost", display_order=2, metadata={"probability": "0.0"}))
    assert stages.update("deals", made.id, stage.id, pipeline_stage_patch_input=PipelineStagePatchInput(
        label="Lost!", metadata={"probability": "0.0"})).label == "Lost!"
    # (PipelineStageAuditsApi.get_audit in SDK 12.0.0 takes no pipelineId, so it cannot fill its
    # own path; the conformance test calls that operation directly)
    assert [a.action for a in client.crm.pipelines.pipeline_audits_api.get_audit("deals", made.id).results] == \
        ["UPDATE", "CREATE"]
    dealstage = client.crm.properties.core_api.get_by_name("deals", "dealstage")
    assert dealstage.external_options and dealstage.options == []   # the stages are in the pipelines
    from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealInput
    deal = client.crm.deals.basic_api.create(simple_public_object_input_for_create=DealInput(
        properties={"dealname": "SDK stage", "pipeline": made.id, "dealstage": stage.id}))
    assert deal.properties["dealstage"] == stage.id
    stages.archive("deals", made.id, stage.id)
    api.archive("deals", made.id)
    assert made.id not in {p.id for p in api.get_all("deals").results}


def test_property_groups_and_property_batches(client):
    from hubspot.crm.properties import (BatchInputPropertyCreate, BatchInputPropertyName, PropertyGroupCreate,
                                        PropertyGroupUpdate)
    groups, batch = client.crm.properties.groups_api, client.crm.properties.batch_api
    g = groups.create("contacts", property_group_create=PropertyGroupCreate(name="sdk_group", label="SDK", display_order=2))
    assert g.name == "sdk_group" and groups.get_by_name("contacts", "sdk_group").label == "SDK"
    assert groups.update("contacts", "sdk_group", property_group_update=PropertyGroupUpdate(label="SDK 2")).label == "SDK 2"
    made = batch.create("contacts", batch_input_property_create=BatchInputPropertyCreate(inputs=[
        {"name": "sdk_one", "label": "One", "type": "string", "fieldType": "text", "groupName": "sdk_group"},
        {"name": "sdk_two", "label": "Two", "type": "number", "fieldType": "number", "groupName": "sdk_group"}]))
    assert {p.name for p in made.results} == {"sdk_one", "sdk_two"} and made.completed_at >= made.started_at
    batch.archive("contacts", batch_input_property_name=BatchInputPropertyName(inputs=[{"name": "sdk_one"},
                                                                                      {"name": "sdk_two"}]))
    groups.archive("contacts", "sdk_group")
    assert "sdk_group" not in {x.name for x in groups.get_all("contacts").results}


def test_schema_associations_and_definition_configurations(client):
    from hubspot.crm.associations.v4.schema import (BatchInputPublicAssociationDefinitionConfigurationCreateRequest,
                                                    BatchInputPublicAssociationSpec)
    from hubspot.crm.schemas import AssociationDefinitionEgg
    core = client.crm.schemas.core_api
    car = next(s for s in core.get_all().results if s.name == "cars")
    a = core.create_association(car.object_type_id, association_definition_egg=AssociationDefinitionEgg(
        from_object_type_id=car.object_type_id, to_object_type_id="0-5", name="car_to_ticket"))
    assert a.id and a.created_at.year >= 2025
    core.archive_association(car.object_type_id, a.id)
    conf = client.crm.associations.v4.schema.definition_configurations_api
    made = conf.batch_create("contacts", "companies",
                             batch_input_public_association_definition_configuration_create_request=
                             BatchInputPublicAssociationDefinitionConfigurationCreateRequest(inputs=[
                                 {"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 3}]))
    assert made.results[0].user_enforced_max_to_object_ids == 3
    assert any(c.type_id == 279 for c in conf.get_all().results)
    assert conf.get_all_between_two_object_types("contacts", "companies").results
    conf.batch_remove("contacts", "companies", batch_input_public_association_spec=BatchInputPublicAssociationSpec(
        inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 279}]))
    assert not conf.get_all().results
