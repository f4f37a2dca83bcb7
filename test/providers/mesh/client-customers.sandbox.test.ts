import type { MeshError } from '../../../src/providers/mesh/api';
import { guidePerson, screenInput, useSandboxHarness } from '../../helpers/mesh-sandbox';

/** Customer, monitoring, re-score and webhook calls against the real sandbox (src/sandbox). */
describe('Mesh client: customers, monitoring and webhooks (sandbox)', () => {
  const h = useSandboxHarness();
  let mesh: ReturnType<typeof h.client>;
  beforeEach(() => {
    mesh = h.client();
  });

  const onboard = (name = 'Test CleanUser', monitoringEnabled = true) =>
    mesh.createAndScreen(screenInput(guidePerson(name), monitoringEnabled));

  it('reads a customer by identifier and by external identifier (following the 308 with the token)', async () => {
    const outcome = await onboard();
    const byId = await mesh.getCustomer(outcome.customerIdentifier);
    const byExternal = await mesh.getCustomerByExternalIdentifier(outcome.externalIdentifier);
    expect(byExternal).toEqual(byId);
    expect(byId).toMatchObject({
      customerIdentifier: outcome.customerIdentifier,
      externalIdentifier: outcome.externalIdentifier,
      riskLevel: 'LOW-RISK',
      monitoringEnabled: true,
      customer: {
        external_identifier: outcome.externalIdentifier,
        person: { first_name: 'Test', last_name: 'CleanUser' },
      },
    });
    // Only the customer as it can be sent back, without the record's own fields.
    expect(byId.customer).not.toHaveProperty('identifier');
    expect(byId.customer).not.toHaveProperty('risk_level');
    const stats = await h.stats();
    expect(stats.byRoute['GET /v2/customers/external/:external']).toBe(1);
    expect(stats.byStatus['401']).toBeUndefined();
  });

  it('switches monitoring off and on again', async () => {
    const { customerIdentifier } = await onboard();
    expect(await mesh.setMonitoring(customerIdentifier, false)).toEqual({ enabled: false });
    expect((await mesh.getCustomer(customerIdentifier)).monitoringEnabled).toBe(false);
    expect(await mesh.setMonitoring(customerIdentifier, true)).toEqual({ enabled: true });
    expect((await mesh.getCustomer(customerIdentifier)).monitoringEnabled).toBe(true);
  });

  it('re-scores with the full customer, which replaces the record', async () => {
    const { customerIdentifier } = await onboard();
    const before = await mesh.getCustomer(customerIdentifier);
    expect(before.customer).toHaveProperty('email_address');
    // The merged customer without the e-mail address, now a high-risk name.
    const { email_address: _dropped, ...rest } = before.customer;
    const updated = { ...rest, person: { first_name: 'Hugo', last_name: 'Highrisk' } };
    const rescored = await mesh.updateAndRescore(customerIdentifier, updated);
    expect(rescored).toEqual({ customerIdentifier, riskLevel: 'HIGH-RISK', riskValue: 80 });
    const after = await mesh.getCustomer(customerIdentifier);
    expect(after.riskLevel).toBe('HIGH-RISK');
    expect(after.customer).not.toHaveProperty('email_address');
    expect(after.customer.address).toEqual(before.customer.address);
  });

  it('accepts a customer read back from Mesh as the body of a re-score', async () => {
    const { customerIdentifier } = await onboard('Victor Bout');
    const record = await mesh.getCustomer(customerIdentifier);
    expect(await mesh.updateAndRescore(customerIdentifier, record.customer)).toMatchObject({
      riskLevel: 'MEDIUM-RISK',
    });
  });

  it('falls back to PATCH once when the account refuses POST for update-and-rescore (405)', async () => {
    await h.settings({ updateAndRescoreAcceptsPost: false });
    const { customerIdentifier } = await onboard();
    const record = await mesh.getCustomer(customerIdentifier);
    const rescored = await mesh.updateAndRescore(customerIdentifier, {
      ...record.customer,
      person: { full_name: 'Pablo Prohibited' },
    });
    expect(rescored.riskLevel).toBe('PROHIBITED');
    const stats = await h.stats();
    expect(stats.byRoute['POST /v2/customers/:id/workflows/sync/update-and-rescore']).toBe(1);
    expect(stats.byRoute['PATCH /v2/customers/:id/workflows/sync/update-and-rescore']).toBe(1);
  });

  it('registers, lists and updates webhooks', async () => {
    const created = await mesh.registerWebhook({
      name: 'Case state updates',
      type: 'CASE_STATE_UPDATED',
      url: 'https://kyc.example.com/webhooks/mesh',
      isActive: true,
    });
    expect(created).toMatchObject({
      type: 'CASE_STATE_UPDATED',
      url: 'https://kyc.example.com/webhooks/mesh',
      isActive: true,
    });
    await mesh.registerWebhook({
      name: 'New cases',
      type: 'CASE_CREATED',
      url: 'https://kyc.example.com/webhooks/mesh',
      isActive: true,
    });

    expect((await mesh.listWebhooks('CASE_STATE_UPDATED')).map((w) => w.identifier)).toEqual([
      created.identifier,
    ]);
    expect(await mesh.listWebhooks()).toHaveLength(2);

    const paused = await mesh.updateWebhook(created.identifier, { isActive: false });
    expect(paused).toMatchObject({
      identifier: created.identifier,
      isActive: false,
      name: 'Case state updates',
    });
  });

  it('refuses a webhook URL Mesh would not deliver to, naming the field', async () => {
    const error = await mesh
      .registerWebhook({ name: 'x', type: 'CASE_CREATED', url: 'http://10.0.0.8/hook', isActive: true })
      .catch((e: unknown) => e as MeshError);
    expect(error).toMatchObject({ kind: 'BAD_REQUEST', retryable: false });
    expect((error as MeshError).message).toContain('rejected fields: url');
    expect((error as MeshError).message).not.toContain('HTTPS');
  });

  it('follows list pagination to the end', async () => {
    const total = 105;
    for (let i = 0; i < total; i++) {
      await mesh.registerWebhook({
        name: `hook ${i}`,
        type: 'CASE_CREATED',
        url: `https://kyc.example.com/h/${i}`,
        isActive: true,
      });
    }
    const all = await mesh.listWebhooks('CASE_CREATED');
    expect(new Set(all.map((w) => w.identifier)).size).toBe(total);
  });
});
