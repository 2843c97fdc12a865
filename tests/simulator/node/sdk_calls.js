// The official Node SDK (@hubspot/api-client 13.5.0), only basePath pointed at the simulator:
// calls the routed operations the SDK has and checks what it parsed. Prints one JSON line
// {"ok": [...], "failed": [...]}; exit code 1 when any call failed.
// Usage: node sdk_calls.js BASE_URL TOKEN. Run by tests/simulator/test_node_sdk.py.
'use strict';
const hubspot = require('@hubspot/api-client');
const schemaCodegen = require('@hubspot/api-client/lib/codegen/crm/associations/v4/schema/index');

const [basePath, accessToken] = process.argv.slice(2);
const client = new hubspot.Client({ accessToken, basePath, numberOfApiCallRetries: 0 });
function codegenConfig(mod) {
  return mod.createConfiguration({ baseServer: new mod.ServerConfiguration(basePath, {}),
                                   authMethods: { oauth2: { accessToken } } });
}
const ok = [], failed = [];
async function step(name, fn) {
  try {
    const result = await fn();
    if (result === false) throw new Error('unexpected answer');
    ok.push(name);
  } catch (e) {
    failed.push(`${name}: ${e && (e.code || '')} ${String(e && e.message).slice(0, 300)}`);
  }
}

(async () => {
  let contactId, companyId, pipelineId, stageId;
  await step('contacts.getPage', async () => {
    const page = await client.crm.contacts.basicApi.getPage(5, undefined, ['email', 'phone']);
    contactId = page.results[0].id;
    return page.results.length === 5 && page.results[0].createdAt instanceof Date;
  });
  await step('companies.getPage', async () => { companyId = (await client.crm.companies.basicApi.getPage(1)).results[0].id; });
  await step('contacts.getById', async () => (await client.crm.contacts.basicApi.getById(contactId, ['email'])).id === contactId);
  let created;
  await step('contacts.create/update/archive', async () => {
    created = await client.crm.contacts.basicApi.create({ properties: { email: 'node@example.com' }, associations: [] });
    const u = await client.crm.contacts.basicApi.update(created.id, { properties: { firstname: 'Node' } });
    await client.crm.contacts.basicApi.archive(created.id);
    return u.properties.firstname === 'Node';
  });
  await step('contacts.batch.read', async () => (await client.crm.contacts.batchApi.read(
    { inputs: [{ id: contactId }], properties: ['email'], propertiesWithHistory: [] })).results.length === 1);
  await step('contacts.search', async () => (await client.crm.contacts.searchApi.doSearch(
    { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' }] }], limit: 3 })).results.length === 3);
  await step('objects.getPage (custom)', async () => (await client.crm.objects.basicApi.getPage('2-3465404', 2)).results.length === 2);
  await step('schemas.getAll', async () => (await client.crm.schemas.coreApi.getAll()).results.length >= 2);
  await step('owners.getPage', async () => (await client.crm.owners.ownersApi.getPage()).results.length > 0);
  await step('properties.getAll', async () => (await client.crm.properties.coreApi.getAll('contacts')).results.length > 5);
  await step('properties.groups.create/get/archive', async () => {
    await client.crm.properties.groupsApi.create('contacts', { name: 'node_group', label: 'Node', displayOrder: 1 });
    const g = await client.crm.properties.groupsApi.getByName('contacts', 'node_group');
    await client.crm.properties.groupsApi.archive('contacts', 'node_group');
    return g.label === 'Node';
  });
  await step('properties.batch.create/archive', async () => {
    const r = await client.crm.properties.batchApi.create('contacts', { inputs: [
      { name: 'node_prop', label: 'Node', type: 'string', fieldType: 'text', groupName: 'contactinformation' }] });
    await client.crm.properties.batchApi.archive('contacts', { inputs: [{ name: 'node_prop' }] });
    return r.results[0].name === 'node_prop';
  });
  await step('pipelines.create', async () => {
    const p = await client.crm.pipelines.pipelinesApi.create('deals', { label: 'Node pipeline', displayOrder: 9, stages: [
      { label: 'Open', displayOrder: 0, metadata: { probability: '0.5' } }] });
    pipelineId = p.id;
    return p.stages.length === 1;
  });
  await step('pipelines.stages.create/update', async () => {
    const s = await client.crm.pipelines.pipelineStagesApi.create('deals', pipelineId,
      { label: 'Won', displayOrder: 1, metadata: { probability: '1.0' } });
    stageId = s.id;
    return (await client.crm.pipelines.pipelineStagesApi.update('deals', pipelineId, stageId,
      { label: 'Won!', metadata: { probability: '1.0' } })).label === 'Won!';
  });
  await step('pipelines.audit', async () => (await client.crm.pipelines.pipelineAuditsApi.getAudit('deals', pipelineId)).results.length >= 1);
  await step('pipelines.archive', async () => {
    await client.crm.pipelines.pipelineStagesApi.archive('deals', pipelineId, stageId);
    await client.crm.pipelines.pipelinesApi.archive('deals', pipelineId);
  });
  await step('associations.v4.definitions.getAll', async () =>
    (await client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'companies')).results.some(d => d.typeId === 279));
  await step('associations.v4.basic.createDefault/getPage', async () => {
    await client.crm.associations.v4.basicApi.createDefault('contacts', contactId, 'companies', companyId);
    return (await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'companies')).results.length >= 1;
  });
  await step('associations.v4.definitionConfigurations', async () => {
    const api = new schemaCodegen.DefinitionConfigurationsApi(codegenConfig(schemaCodegen));
    await api.batchCreate('contacts', 'companies', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 279, maxToObjectIds: 4 }] });
    const all = await api.getAll();
    const pair = await api.getAllBetweenTwoObjectTypes('contacts', 'companies');
    await api.batchRemove('contacts', 'companies', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 279 }] });
    return all.results.length === 1 && pair.results.length >= 1;
  });
  process.stdout.write(JSON.stringify({ ok, failed }) + '\n');
  process.exit(failed.length ? 1 : 0);
})();
