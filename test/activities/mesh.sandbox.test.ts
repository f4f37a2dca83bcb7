import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities';
import type { ActivityLogger } from '../../src/providers/mesh/activities';
import type { MeshApi } from '../../src/providers/mesh/api';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  company,
  externalId,
  guidePerson,
  recoveredMatch,
  screenInput,
  useSandboxHarness,
} from '../helpers/mesh-sandbox';
import { waitFor } from '../../testkit/wait';

/**
 * The Mesh activities as Temporal runs them (inside an activity context, MockActivityEnvironment)
 * against the real sandbox (src/sandbox): what a workflow gets back from each one.
 */
describe('Mesh activities (sandbox)', () => {
  const h = useSandboxHarness();
  let mesh: MeshApi;
  let activities: Activities;
  let logged: string[];

  beforeEach(() => {
    mesh = h.client();
    logged = [];
    const logger: ActivityLogger = {
      info: (message, meta) => void logged.push(`${message} ${JSON.stringify(meta ?? {})}`),
      warn: (message, meta) => void logged.push(`${message} ${JSON.stringify(meta ?? {})}`),
    };
    activities = createActivities({ mesh, logger, clock: () => new Date('2026-02-03T04:05:06.000Z') });
  });

  const run = <A extends keyof Activities>(
    name: A,
    ...args: Parameters<Activities[A]>
  ): Promise<Awaited<ReturnType<Activities[A]>>> =>
    inActivity(
      activities[name] as (...a: Parameters<Activities[A]>) => Promise<Awaited<ReturnType<Activities[A]>>>,
      ...args,
    );
  const screen = (customer: MeshCustomer, monitoringEnabled = true) =>
    run('createAndScreen', screenInput(customer, monitoringEnabled));

  describe('createAndScreen', () => {
    it('screens "Test CleanUser" as LOW-RISK NO_PROFILES, with no case to review', async () => {
      const customer = guidePerson('Test CleanUser');
      const outcome = await screen(customer);
      expect(outcome).toMatchObject({
        externalIdentifier: customer.external_identifier,
        workflowStatus: 'COMPLETED',
        riskLevel: 'LOW-RISK',
        screeningResult: 'NO_PROFILES',
        recoveredFromDuplicate: false,
      });
      expect(outcome.customerIdentifier).toEqual(expect.any(String));
      expect(outcome.caseIdentifier).toBeUndefined();
    });

    it('screens "Victor Bout" as HAS_PROFILES with alerts and an onboarding case', async () => {
      const outcome = await screen(guidePerson('Victor Bout'));
      expect(outcome).toMatchObject({
        riskLevel: 'MEDIUM-RISK',
        screeningResult: 'HAS_PROFILES',
        amlTypes: ['SANCTION', 'PEP_CLASS_2'],
      });
      expect(outcome.alertIdentifiers).toHaveLength(1);
      expect(outcome.caseIdentifier).toEqual(expect.any(String));
    });

    it('reports PROHIBITED with no screening result, since Mesh skipped screening', async () => {
      const outcome = await screen(guidePerson('Pablo Prohibited'));
      expect(outcome.riskLevel).toBe('PROHIBITED');
      expect(outcome.screeningResult).toBeUndefined();
      expect(outcome.caseIdentifier).toBeUndefined();
    });

    it('screens a company by its legal name', async () => {
      expect(await screen(company('Prohibited Trading Ltd'))).toMatchObject({ riskLevel: 'PROHIBITED' });
    });

    it.each([
      ['the legacy NO-HITS', 'Nora Nohits', { riskLevel: 'LOW-RISK', screeningResult: 'NO-HITS' }],
      ['an unknown screening result', 'Ursula Unknown', { screeningResult: 'POSSIBLE_PROFILES' }],
      ['an unknown risk level', 'Fiona Future', { riskLevel: 'EXTREME-RISK' }],
    ])('passes %s through as it came, for the workflow to judge', async (_what, name, expected) => {
      expect(await screen(guidePerson(name))).toMatchObject(expected);
    });

    it('returns an ERRORED screening as such, with the customer it created', async () => {
      const outcome = await screen(guidePerson('Eric Error'));
      expect(outcome.workflowStatus).toBe('ERRORED');
      expect(outcome.screeningResult).toBeUndefined();
      expect(outcome.customerIdentifier).toEqual(expect.any(String));
    });

    it('asks Mesh for the monitoring the input chose', async () => {
      const outcome = await screen(guidePerson('Test CleanUser'), false);
      expect((await mesh.getCustomer(outcome.customerIdentifier)).monitoringEnabled).toBe(false);
    });

    it('logs identifiers and levels, never the customer’s name, birth date or e-mail', async () => {
      await screen(guidePerson('Victor Bout'));
      const log = logged.join('\n');
      expect(log).toContain('customer screened');
      for (const personal of ['Victor', 'Bout', '1967', 'applicant@example.com', 'Main Street']) {
        expect(log).not.toContain(personal);
      }
    });

    describe.each(['errored-200', 'conflict-problem', 'conflict-guide'] as const)(
      'a duplicate external identifier answered as %s',
      (duplicateShape) => {
        it('recovers the customer created first, with its case, and creates no second one', async () => {
          await h.settings({ duplicateShape });
          const ext = externalId();
          const first = await screen(guidePerson('Victor Bout', ext));
          // A body that differs from the first, so Mesh answers with its duplicate shape, not a replay.
          const second = await screen({
            ...guidePerson('Victor Bout', ext),
            email_address: 'new@example.com',
          });
          expect(second).toMatchObject(recoveredMatch(first, ext));
          expect(await h.customerCount(ext)).toBe(1);
          expect(logged.at(-1)).toContain('"recoveredFromDuplicate":true');
        });
      },
    );

    it('recovers after a lost response: the retried activity finds the customer the first attempt created', async () => {
      await h.loseNextScreeningAnswer({ duplicateShape: 'conflict-guide' });
      const customer = guidePerson('Test CleanUser');
      await expect(screen(customer)).rejects.toMatchObject({ type: 'NETWORK', nonRetryable: false });
      const recovered = await screen(customer);
      // No case is no proof of "no profiles": the outcome is unknown, for the workflow to review.
      expect(recovered).toMatchObject({
        riskLevel: 'LOW-RISK',
        recoveredFromDuplicate: true,
        recovery: { shape: 'conflict-guide', outcome: 'unknown', storedCustomerDiffers: false },
      });
      expect(recovered).not.toHaveProperty('screeningResult');
      expect(logged.at(-1)).toContain('"outcome":"unknown"');
      expect(await h.customerCount(customer.external_identifier)).toBe(1);
    });

    it('fetches a new token when the old one expired, without failing the activity', async () => {
      await h.settings({ tokenExpiresInSeconds: 1 });
      // A clock that never moves: the client keeps its token until Mesh refuses it as expired.
      const stale = createActivities({ mesh: h.client({ clock: { now: () => 0 } }), logger: quiet });
      const customers: string[] = [];
      const stats = await waitFor(
        async () => {
          const outcome = await inActivity(stale.createAndScreen, screenInput());
          customers.push(outcome.customerIdentifier);
          return h.stats();
        },
        {
          timeoutMs: 10_000,
          until: (s) => (s.byStatus['401'] ?? 0) >= 1,
          description: 'the condition',
        },
      );
      // Every attempt screened its customer; an expired token cost one token request, not a failure.
      expect(new Set(customers).size).toBe(customers.length);
      expect(stats.byRoute['POST /v3/token']).toBe(stats.byStatus['401']! + 1);
    });
  });

  describe('checkOnboardingCase', () => {
    it('reads the case a screening opened, undecided until the analyst decides', async () => {
      const customer = guidePerson('Victor Bout');
      const { customerIdentifier, caseIdentifier } = await screen(customer);
      expect(
        await run('checkOnboardingCase', { customerIdentifier, caseIdentifier: caseIdentifier! }),
      ).toEqual({
        case: expect.objectContaining({
          caseIdentifier,
          caseType: 'CUSTOMER_ONBOARDING',
          decisionType: null,
          customerIdentifier,
          externalIdentifier: customer.external_identifier,
        }),
        checkedAt: '2026-02-03T04:05:06.000Z',
      });

      await h.decideCase(caseIdentifier!, 'POSITIVE');
      const decided = await run('checkOnboardingCase', {
        customerIdentifier,
        caseIdentifier: caseIdentifier!,
      });
      expect(decided.case).toMatchObject({ caseIdentifier, decisionType: 'POSITIVE', stageType: 'DECISION' });
    });

    it('finds a case that was still being created when screening answered, by listing the customer’s cases', async () => {
      await h.settings({ caseCreationDelayMs: 500 });
      const { customerIdentifier, caseIdentifier } = await screen(guidePerson('Victor Bout'));
      expect(caseIdentifier).toBeUndefined();
      expect(await run('checkOnboardingCase', { customerIdentifier })).toEqual({
        checkedAt: '2026-02-03T04:05:06.000Z',
      });
      const found = await waitFor(() => run('checkOnboardingCase', { customerIdentifier }), {
        timeoutMs: 10_000,
        until: (result) => result.case !== undefined,
        description: 'the condition',
      });
      expect(found.case).toMatchObject({
        caseType: 'CUSTOMER_ONBOARDING',
        decisionType: null,
        customerIdentifier,
      });
    });
  });

  describe('setMonitoring', () => {
    it('switches ongoing monitoring off and on again at Mesh', async () => {
      const { customerIdentifier } = await screen(guidePerson('Test CleanUser'));
      expect(await run('setMonitoring', { customerIdentifier, enabled: false })).toEqual({ enabled: false });
      expect((await mesh.getCustomer(customerIdentifier)).monitoringEnabled).toBe(false);
      expect(await run('setMonitoring', { customerIdentifier, enabled: true })).toEqual({ enabled: true });
      expect((await mesh.getCustomer(customerIdentifier)).monitoringEnabled).toBe(true);
    });
  });

  describe('updateAndRescore', () => {
    async function rescoreAsHighRisk() {
      const { customerIdentifier } = await screen(guidePerson('Test CleanUser'));
      const record = await run('getCustomer', { customerIdentifier });
      const customer = { ...record.customer, person: { first_name: 'Hugo', last_name: 'Highrisk' } };
      return { customerIdentifier, outcome: await run('updateAndRescore', { customerIdentifier, customer }) };
    }

    it('returns the new risk level after replacing the record (POST, as the API reference says)', async () => {
      const { customerIdentifier, outcome } = await rescoreAsHighRisk();
      expect(outcome).toEqual({ customerIdentifier, riskLevel: 'HIGH-RISK', riskValue: 80 });
      expect((await mesh.getCustomer(customerIdentifier)).riskLevel).toBe('HIGH-RISK');
      expect((await h.stats()).byStatus['405']).toBeUndefined();
    });

    it('falls back to PATCH when the account refuses POST with 405 (the guide’s Step 5)', async () => {
      await h.settings({ updateAndRescoreAcceptsPost: false });
      const { outcome } = await rescoreAsHighRisk();
      expect(outcome.riskLevel).toBe('HIGH-RISK');
      expect((await h.stats()).byStatus['405']).toBe(1);
    });
  });

  describe('getCustomer', () => {
    it('reads the record by Mesh identifier and by external identifier alike', async () => {
      const customer = guidePerson('Test CleanUser');
      const { customerIdentifier } = await screen(customer);
      const byId = await run('getCustomer', { customerIdentifier });
      const byExternal = await run('getCustomer', { externalIdentifier: customer.external_identifier });
      expect(byExternal).toEqual(byId);
      expect(byId).toMatchObject({
        customerIdentifier,
        externalIdentifier: customer.external_identifier,
        riskLevel: 'LOW-RISK',
        customer: { person: { first_name: 'Test', last_name: 'CleanUser' } },
      });
    });
  });
});

const quiet: ActivityLogger = { info: () => undefined, warn: () => undefined };

/** The SDK logs every failed activity at WARN; the failures here are the point of the test. */
const mockEnvironment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** Runs one activity inside an activity context, as a worker would. */
function inActivity<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return mockEnvironment().run<P, R, typeof fn>(fn, ...args);
}
