import { Secret } from '../../src/config/mesh';
import type { MeshApi } from '../../src/mesh/mesh-api';
import type { MeshCustomer } from '../../src/shared/customer';
import {
  company,
  externalId,
  guidePerson,
  pollUntil,
  referencePerson,
  screenInput,
  useSandboxHarness,
} from './support/sandbox-client';

/** createAndScreen against the real sandbox (src/sandbox): the guide's sample customers and the three duplicate shapes. */
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
    const cases = await pollUntil(
      () => mesh.listCustomerCases(outcome.customerIdentifier),
      (found) => found.length > 0,
    );
    expect(cases[0]?.caseType).toBe('CUSTOMER_ONBOARDING');
  });

  describe.each(['errored-200', 'conflict-problem', 'conflict-guide'] as const)(
    'a duplicate external identifier (%s)',
    (shape) => {
      beforeEach(async () => {
        // A different body for the same external identifier: the sandbox answers with the duplicate shape.
        await h.settings({ duplicateShape: shape });
      });

      /** A first onboarding, then a second attempt whose body differs (so it is not an identical replay). */
      async function screenTwice(name: string) {
        const ext = externalId();
        const first = await screen(guidePerson(name, ext));
        const second = await screen({ ...guidePerson(name, ext), email_address: 'changed@example.com' });
        return { ext, first, second };
      }

      it('recovers a matched customer with its case', async () => {
        const { ext, first, second } = await screenTwice('Victor Bout');
        expect(second).toMatchObject({
          customerIdentifier: first.customerIdentifier,
          externalIdentifier: ext,
          riskLevel: 'MEDIUM-RISK',
          screeningResult: 'HAS_PROFILES',
          caseIdentifier: first.caseIdentifier,
          recoveredFromDuplicate: true,
        });
        expect(await h.customerCount(ext)).toBe(1);
      });

      it('recovers a clean customer as NO_PROFILES', async () => {
        const { first, second } = await screenTwice('Test CleanUser');
        expect(second).toMatchObject({
          customerIdentifier: first.customerIdentifier,
          riskLevel: 'LOW-RISK',
          screeningResult: 'NO_PROFILES',
          recoveredFromDuplicate: true,
        });
        expect(second.caseIdentifier).toBeUndefined();
      });

      it('recovers a PROHIBITED customer without inventing a screening result', async () => {
        const { second } = await screenTwice('Pablo Prohibited');
        expect(second.riskLevel).toBe('PROHIBITED');
        expect(second.screeningResult).toBeUndefined();
        expect(second.recoveredFromDuplicate).toBe(true);
      });
    },
  );

  it('reads the original workflow a 409 names, so a case still being created is not mistaken for no profiles', async () => {
    await h.settings({ duplicateShape: 'conflict-problem', caseCreationDelayMs: 5_000 });
    const ext = externalId();
    const first = await screen(guidePerson('Victor Bout', ext));
    const second = await screen({ ...guidePerson('Victor Bout', ext), email_address: 'changed@example.com' });
    expect(second).toMatchObject({
      customerIdentifier: first.customerIdentifier,
      workflowStatus: 'IN-PROGRESS',
      screeningResult: 'HAS_PROFILES',
      amlTypes: ['SANCTION', 'PEP_CLASS_2'],
      alertIdentifiers: first.alertIdentifiers,
      recoveredFromDuplicate: true,
    });
  });

  it('recovers from a lost response: the retry finds the customer the first attempt created', async () => {
    await h.settings({ identicalRetry: 'duplicate', duplicateShape: 'conflict-guide' });
    await h.fault({ match: { method: 'POST', path: 'create-and-screen' }, kind: 'lost-response', count: 1 });
    const customer = guidePerson('Victor Bout');
    await expect(screen(customer)).rejects.toMatchObject({ kind: 'NETWORK', retryable: true });
    // got made exactly one attempt: Temporal, not the HTTP client, owns retries.
    expect((await h.stats()).byRoute['POST /v2/workflows/sync/create-and-screen']).toBe(1);

    const retried = await screen(customer);
    expect(retried).toMatchObject({ screeningResult: 'HAS_PROFILES', recoveredFromDuplicate: true });
    expect(retried.caseIdentifier).toBeDefined();
    expect(await h.customerCount(customer.external_identifier)).toBe(1);
  });

  it('gets the original outcome back when Mesh replays an identical request', async () => {
    await h.settings({ identicalRetry: 'replay' });
    const customer = guidePerson('Victor Bout');
    const first = await screen(customer);
    const again = await screen(customer);
    expect(again).toEqual(first);
  });
});
