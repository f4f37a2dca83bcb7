import { Secret } from '../../../src/providers/mesh/config';
import type { MeshApi } from '../../../src/providers/mesh/api';
import type { MeshCustomer } from '../../../src/contracts/customer';
import {
  company,
  guidePerson,
  referencePerson,
  screenInput,
  useSandboxHarness,
} from '../../helpers/mesh-sandbox';
import { waitFor } from '../../../testkit/wait';

/** createAndScreen against the real sandbox (src/sandbox): the guide's sample customers (duplicates: client-duplicates.sandbox.test.ts). */
describe('Mesh client: create and screen (sandbox)', () => {
  const h = useSandboxHarness();
  let mesh: MeshApi;
  beforeEach(() => {
    mesh = h.client();
  });

  const screen = (customer: MeshCustomer, client = mesh) => client.createAndScreen(screenInput(customer));

  it('screens "Test CleanUser" as NO_PROFILES with no case, using /v2/token credentials', async () => {
    const viaV2 = h.client({
      config: {
        credentials: {
          kind: 'password',
          realm: 'acme',
          username: 'api@acme.test',
          password: new Secret('sandbox'),
        },
      },
    });
    const customer = guidePerson('Test CleanUser');
    const outcome = await screen(customer, viaV2);
    expect(outcome).toMatchObject({
      externalIdentifier: customer.external_identifier,
      workflowStatus: 'COMPLETED',
      riskLevel: 'LOW-RISK',
      screeningResult: 'NO_PROFILES',
      alertIdentifiers: [],
      recoveredFromDuplicate: false,
    });
    expect(outcome.customerIdentifier).toMatch(/^cust_/);
    expect(outcome.caseIdentifier).toBeUndefined();
    expect((await h.stats()).byRoute['POST /v2/token']).toBe(1);
  });

  it('screens "Victor Bout" as HAS_PROFILES with alerts and an onboarding case', async () => {
    const outcome = await screen(guidePerson('Victor Bout'));
    expect(outcome).toMatchObject({
      riskLevel: 'MEDIUM-RISK',
      riskValue: 45,
      screeningResult: 'HAS_PROFILES',
      amlTypes: ['SANCTION', 'PEP_CLASS_2'],
      recoveredFromDuplicate: false,
    });
    expect(outcome.alertIdentifiers).toHaveLength(1);
    expect(outcome.caseIdentifier).toBeDefined();

    const onboardingCase = await mesh.getCase(outcome.caseIdentifier!);
    expect(onboardingCase).toMatchObject({
      caseIdentifier: outcome.caseIdentifier,
      caseType: 'CUSTOMER_ONBOARDING',
      customerIdentifier: outcome.customerIdentifier,
      externalIdentifier: outcome.externalIdentifier,
      stage: { decisionType: null },
    });
    expect((await mesh.listCustomerCases(outcome.customerIdentifier)).map((c) => c.caseIdentifier)).toEqual([
      outcome.caseIdentifier,
    ]);
  });

  it("accepts the API reference's layout (details under person, full_name)", async () => {
    const outcome = await screen(referencePerson('Victor Bout'));
    expect(outcome.screeningResult).toBe('HAS_PROFILES');
  });

  it('screens companies by legal name', async () => {
    expect((await screen(company('Sanctioned Shipping LLC'))).screeningResult).toBe('HAS_PROFILES');
    expect((await screen(company('Example Corp Inc'))).screeningResult).toBe('NO_PROFILES');
  });

  it('reports PROHIBITED with no screening result (screening was skipped)', async () => {
    const outcome = await screen(guidePerson('Pablo Prohibited'));
    expect(outcome.riskLevel).toBe('PROHIBITED');
    expect(outcome.screeningResult).toBeUndefined();
    expect(outcome.caseIdentifier).toBeUndefined();
  });

  it('passes unknown screening results and risk levels through as strings', async () => {
    expect((await screen(guidePerson('Ursula Unknown'))).screeningResult).toBe('POSSIBLE_PROFILES');
    expect((await screen(guidePerson('Fiona Future'))).riskLevel).toBe('EXTREME-RISK');
    expect((await screen(guidePerson('Harry Hits'))).screeningResult).toBe('HAS-HITS');
  });

  it('returns an ERRORED screening as such, with the customer identifier', async () => {
    const outcome = await screen(guidePerson('Eric Error'));
    expect(outcome.workflowStatus).toBe('ERRORED');
    expect(outcome.customerIdentifier).toMatch(/^cust_/);
    expect(outcome.screeningResult).toBeUndefined();
  });

  it('leaves the case out while Mesh is still creating it; listCustomerCases finds it afterwards', async () => {
    await h.settings({ caseCreationDelayMs: 300 });
    const outcome = await screen(guidePerson('Victor Bout'));
    expect(outcome.workflowStatus).toBe('IN-PROGRESS');
    expect(outcome.screeningResult).toBe('HAS_PROFILES');
    expect(outcome.caseIdentifier).toBeUndefined();
    const cases = await waitFor(() => mesh.listCustomerCases(outcome.customerIdentifier), {
      timeoutMs: 10_000,
      until: (found) => found.length > 0,
      description: 'the condition',
    });
    expect(cases[0]?.caseType).toBe('CUSTOMER_ONBOARDING');
  });

  it('gets the original outcome back when Mesh replays an identical request', async () => {
    await h.settings({ identicalRetry: 'replay' });
    const customer = guidePerson('Victor Bout');
    const first = await screen(customer);
    const again = await screen(customer);
    expect(again).toEqual(first);
  });
});
