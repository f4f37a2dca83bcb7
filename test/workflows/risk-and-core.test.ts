import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { createOnboardingTermsActivities } from '../../src/activities';
import {
  coreAmendCustomerUpdate,
  coreCustomerWorkflowId,
  coreDecideUpdate,
  coreEventSignal,
  coreStatusQuery,
  coreTaskQueue,
  type CoreBankingActivities,
  type CoreCustomerRecord,
  type CoreStatus,
  type CoreState,
} from '../../src/contracts/core-banking';
import {
  amendCustomerUpdate,
  decideUpdate,
  meshTaskQueue,
  statusQuery,
  type OnboardingDefaults,
  type OnboardingInput,
} from '../../src/contracts/onboarding';
import {
  riskTaskQueue,
  type RiskActivities,
  type RiskCheckInput,
  type RiskCheckResult,
} from '../../src/contracts/risk';
import { kycCoreCustomerId, kycCoreState, kycRiskRoute } from '../../src/contracts/search-attributes';
import { coreCustomerReview } from '../../src/workflows';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import {
  callsTo,
  fakeActivities,
  onboardingsOn,
  screeningOutcome,
  TEST_ONBOARDING_DEFAULTS,
  testPolicy,
  uniqueCustomer,
  waitForState,
} from '../helpers/onboarding';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';

/**
 * The steps around screening, with fake adapters on their own queues: the risk score choosing the
 * screening (and never a straight-through approval on the enhanced route), and the core-banking customer an
 * approved onboarding starts (creation once, its scans, the officer on a PEP hit, declines and expiry).
 */

const DEFAULTS: OnboardingDefaults = {
  ...TEST_ONBOARDING_DEFAULTS,
  providers: { mesh: { screeningProfile: 'sandbox-default', extensiveProfile: 'sandbox-extensive' } },
  risk: { standardLevels: ['low', 'medium'], checkTimeoutMs: 4_000 },
  core: { partnerId: 'partner-1', pollIntervalMs: 3_600_000, reviewDeadlineMs: 7_200_000 },
};

type RiskAnswer = (input: RiskCheckInput) => RiskCheckResult | Promise<RiskCheckResult>;

const scored =
  (riskLevel: string, caseStatus = 'not-opened'): RiskAnswer =>
  () => ({
    kind: 'scored',
    riskLevel,
    caseStatus,
    riskPoints: 10,
    customerId: 'risk-cust-1',
  });

interface CoreBoard {
  ofac: string;
  pepScan: string;
  /** Fail the first create attempt after it "reached" COS (a lost response). */
  loseFirstCreate?: boolean;
}

function fakeCore(board: CoreBoard) {
  const calls: { name: keyof CoreBankingActivities; input: unknown; attempt: number }[] = [];
  const seen = new Map<string, number>();
  const record = (name: keyof CoreBankingActivities, input: unknown) => {
    const key = `${name}:${JSON.stringify(input)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    calls.push({ name, input, attempt: seen.get(key)! });
  };
  const current = (): CoreCustomerRecord => ({
    id: 'cos-1',
    cifNumber: '32653745014',
    ofac: board.ofac,
    pepScan: board.pepScan,
  });
  const activities: CoreBankingActivities = {
    createCoreCustomer: (input) => {
      record('createCoreCustomer', input);
      if (
        board.loseFirstCreate === true &&
        calls.filter((c) => c.name === 'createCoreCustomer').length === 1
      ) {
        return Promise.reject(ApplicationFailure.retryable('the answer was lost', 'CoreUnavailable'));
      }
      return Promise.resolve({ ...current(), ofac: 'Pending', pepScan: 'Pending', replayed: false });
    },
    addCoreAddress: (input) => {
      record('addCoreAddress', input);
      return Promise.resolve({ id: 'addr-1', replayed: false });
    },
    addCorePhone: (input) => {
      record('addCorePhone', input);
      return Promise.resolve({ id: 'phone-1', replayed: false });
    },
    readCoreCustomer: (input) => {
      record('readCoreCustomer', input);
      return Promise.resolve(current());
    },
  };
  return { activities, calls };
}

const workflowsPath = require.resolve('../../src/workflows');

async function withWorkers<R>(
  o: { risk?: RiskAnswer; core?: CoreBoard; screening?: ReturnType<typeof fakeActivities> },
  fn: (
    tq: string,
    fakes: {
      risk: RiskCheckInput[];
      core: ReturnType<typeof fakeCore>;
      screening: ReturnType<typeof fakeActivities>;
    },
  ) => Promise<R>,
): Promise<R> {
  const taskQueue = uniqueTaskQueue('risk-core');
  const workflowBundle = await bundleOnce(workflowsPath);
  const riskCalls: RiskCheckInput[] = [];
  const risk: RiskActivities = {
    checkCustomerRisk: async (input) => {
      riskCalls.push(input);
      return await (o.risk ?? scored('low'))(input);
    },
  };
  const core = fakeCore(o.core ?? { ofac: 'Clear', pepScan: 'Clear' });
  const screening = o.screening ?? fakeActivities();
  return runWorker(
    {
      taskQueue,
      workflowBundle,
      activities: createOnboardingTermsActivities(DEFAULTS),
      enableNonLocalActivities: false,
    },
    () =>
      runWorker({ taskQueue: meshTaskQueue(taskQueue), activities: screening.activities }, () =>
        runWorker({ taskQueue: riskTaskQueue(taskQueue), activities: risk }, () =>
          runWorker({ taskQueue: coreTaskQueue(taskQueue), activities: core.activities }, () =>
            fn(taskQueue, { risk: riskCalls, core, screening }),
          ),
        ),
      ),
  );
}

const t = useTestConnection();
const { start } = onboardingsOn(t);

const BORN = { day: 1, month: 1, year: 1990 };
const ADDRESS = {
  address_line1: '123 Any St',
  city: 'Anywhere',
  country_subdivision: 'NY',
  postal_code: '12345',
  country: 'US',
};

function input(extra: Record<string, unknown> = {}): OnboardingInput {
  return {
    customer: uniqueCustomer({ date_of_birth: BORN, address: ADDRESS, phone_number: '2015552345', ...extra }),
    policy: testPolicy(),
  };
}

function coreHandle(externalIdentifier: string): WorkflowHandle {
  return t.client.workflow.getHandle(coreCustomerWorkflowId(externalIdentifier));
}

async function coreState(
  handle: WorkflowHandle,
  state: CoreState,
  also: (status: CoreStatus) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<CoreStatus> {
  return waitFor(
    async () => {
      try {
        const status = await handle.query(coreStatusQuery);
        return status.state === state && also(status) ? status : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs, description: `core state ${state}` },
  );
}

describe('risk-based screening', () => {
  it('screens a low-risk customer with no risk case by the standard profile and approves straight through', async () => {
    await withWorkers({}, async (tq, fakes) => {
      const request = input();
      const handle = await start(tq, request);
      const status = await handle.result();
      expect(status.state).toBe('APPROVED');
      expect(status.risk).toMatchObject({
        level: 'low',
        caseStatus: 'not-opened',
        route: 'standard',
        customerId: 'risk-cust-1',
      });
      expect(status.mandatoryReview).toBeUndefined();
      expect(callsTo(fakes.screening.calls, 'createAndScreen')).toEqual([
        expect.objectContaining({ screeningConfigurationIdentifier: 'sandbox-default' }),
      ]);
      expect(fakes.risk).toEqual([{ customer: request.customer }]);
      expect((await handle.describe()).typedSearchAttributes.get(kycRiskRoute)).toBe('standard');
    });
  });

  it.each([
    ['a high level', scored('high')],
    ['a level outside the known set', scored('severe')],
    ['an open risk case', scored('low', 'open')],
    ['a case status we do not know', scored('medium', 'escalated-to-mlro')],
    ['no score (202)', (): RiskCheckResult => ({ kind: 'unscored', reason: '202 accepted without a score' })],
  ])(
    'sends %s to the extensive screening and never approves a clean result straight through',
    async (_what, risk) => {
      await withWorkers({ risk }, async (tq, fakes) => {
        const handle = await start(tq, input());
        const waiting = await waitForState(handle, 'AWAITING_REVIEW');
        expect(waiting.risk?.route).toBe('enhanced');
        expect(waiting.mandatoryReview).toBe(true);
        expect(waiting.escalated).toBe(true);
        expect(waiting.screening?.profile).toBe('sandbox-extensive');
        expect(callsTo(fakes.screening.calls, 'createAndScreen')).toEqual([
          expect.objectContaining({ screeningConfigurationIdentifier: 'sandbox-extensive' }),
        ]);
        expect((await handle.describe()).typedSearchAttributes.get(kycRiskRoute)).toBe('enhanced');
        // No provider case exists for a clean screening: the officer's decision is the review.
        const approved = await handle.executeUpdate(decideUpdate, {
          args: [{ outcome: 'APPROVE', actor: 'officer-1', reason: 'enhanced due diligence done' }],
        });
        expect(approved.state).toBe('APPROVED');
        expect(approved.reason).toContain('officer');
      });
    },
  );

  it('goes on fail-closed when the risk API stays unavailable past RISK_CHECK_TIMEOUT', async () => {
    const down: RiskAnswer = () => {
      throw ApplicationFailure.retryable('503 from the risk API', 'RiskUnavailable');
    };
    await withWorkers({ risk: down }, async (tq, fakes) => {
      const handle = await start(tq, input());
      const waiting = await waitForState(handle, 'AWAITING_REVIEW', 30_000);
      expect(waiting.risk).toMatchObject({ level: 'unavailable', route: 'enhanced' });
      expect(waiting.risk?.reason).toContain('unavailable');
      expect(fakes.risk.length).toBeGreaterThanOrEqual(2);
      expect(callsTo(fakes.screening.calls, 'createAndScreen')).toEqual([
        expect.objectContaining({ screeningConfigurationIdentifier: 'sandbox-extensive' }),
      ]);
      await handle.terminate('test over');
    });
  });

  it('re-checks the risk with the whole merged customer before re-scoring an amendment', async () => {
    await withWorkers({ risk: scored('high') }, async (tq, fakes) => {
      const request = input();
      const handle = await start(tq, request);
      await waitForState(handle, 'AWAITING_REVIEW');
      await handle.executeUpdate(amendCustomerUpdate, {
        args: [{ customer: { phone_number: '2015550000' }, requestId: 'r1' }],
      });
      expect(fakes.risk).toHaveLength(2);
      expect(fakes.risk[1]).toEqual({
        customer: { ...request.customer, phone_number: '2015550000' },
        riskCustomerId: 'risk-cust-1',
      });
      expect(callsTo(fakes.screening.calls, 'updateAndRescore')).toHaveLength(1);
      await handle.terminate('test over');
    });
  });

  it('refuses an officer APPROVE when the route turned enhanced after a screening with hits whose case is not found yet', async () => {
    let checks = 0;
    const risk: RiskAnswer = (input) => scored(++checks === 1 ? 'low' : 'high')(input);
    const screening = fakeActivities({
      createAndScreen: (input) =>
        screeningOutcome({
          screeningResult: 'HAS_PROFILES',
          riskLevel: 'MEDIUM-RISK',
          externalIdentifier: input.customer.external_identifier,
        }),
      // The provider is still creating the case: nothing to find yet.
      checkOnboardingCase: () => ({ checkedAt: new Date().toISOString() }),
    });
    await withWorkers({ risk, screening }, async (tq) => {
      const handle = await start(tq, input());
      await waitForState(handle, 'AWAITING_REVIEW');
      const amended = await handle.executeUpdate(amendCustomerUpdate, {
        args: [{ customer: { phone_number: '2015550000' }, requestId: 'r1' }],
      });
      expect(amended).toMatchObject({ mandatoryReview: true, escalated: true, risk: { route: 'enhanced' } });
      await expect(
        handle.executeUpdate(decideUpdate, {
          args: [{ outcome: 'APPROVE', actor: 'officer-1', reason: 'looks fine' }],
        }),
      ).rejects.toThrow();
      expect((await handle.query(statusQuery)).state).toBe('AWAITING_REVIEW');
      await handle.terminate('test over');
    });
  });
});

describe('the core-banking customer', () => {
  it('creates the customer, address and phone once after approval (a lost answer retried with the same bytes) and ends CORE_READY', async () => {
    await withWorkers(
      { core: { ofac: 'Clear', pepScan: 'Clear', loseFirstCreate: true } },
      async (tq, fakes) => {
        const request = input({
          person: { first_name: 'Bob', last_name: 'Smith', date_of_birth: { day: 22, month: 9, year: 1953 } },
        });
        const onboarding = await (await start(tq, request)).result();
        const workflowId = coreCustomerWorkflowId(request.customer.external_identifier);
        expect(onboarding).toMatchObject({ state: 'APPROVED', core: { workflowId } });
        const core = coreHandle(request.customer.external_identifier);
        const status = (await core.result()) as CoreStatus;
        expect(status).toMatchObject({
          state: 'CORE_READY',
          coreCustomerId: 'cos-1',
          cifNumber: '32653745014',
          ofac: 'Clear',
          pepScan: 'Clear',
        });
        const creates = fakes.core.calls.filter((c) => c.name === 'createCoreCustomer');
        expect(creates).toHaveLength(2);
        expect(creates[1]!.input).toEqual(creates[0]!.input);
        expect(creates[0]!.input).toEqual({
          idempotencySeed: `${workflowId}|customer`,
          body: JSON.stringify({
            partnerId: 'partner-1',
            name: { firstName: 'Bob', lastName: 'Smith' },
            classification: 'Personal',
            profile: { birthDate: '1953-09-22' },
          }),
        });
        expect(fakes.core.calls.filter((c) => c.name === 'addCoreAddress').map((c) => c.input)).toEqual([
          {
            customerId: 'cos-1',
            idempotencySeed: `${workflowId}|address`,
            body: JSON.stringify({
              addressType: 'Home',
              classification: 'Residential',
              isPrimary: true,
              street1: '123 Any St',
              city: 'Anywhere',
              state: 'NY',
              postalCode: '12345',
              countryCode: 'US',
            }),
          },
        ]);
        expect(fakes.core.calls.filter((c) => c.name === 'addCorePhone').map((c) => c.input)).toEqual([
          {
            customerId: 'cos-1',
            idempotencySeed: `${workflowId}|phone`,
            body: JSON.stringify({ isPrimary: true, phoneType: 'Mobile', phoneNumber: '2015552345' }),
          },
        ]);
        const attributes = (await core.describe()).typedSearchAttributes;
        expect(attributes.get(kycCoreCustomerId)).toBe('cos-1');
        expect(attributes.get(kycCoreState)).toBe('CORE_READY');
      },
    );
  });

  it('waits in CORE_INCOMPLETE naming a missing phone until an amendCustomer Update supplies it', async () => {
    await withWorkers({}, async (tq, fakes) => {
      const request: OnboardingInput = {
        customer: uniqueCustomer({ date_of_birth: BORN, address: ADDRESS }),
        policy: testPolicy(),
      };
      await (await start(tq, request)).result();
      const core = coreHandle(request.customer.external_identifier);
      const incomplete = await coreState(core, 'CORE_INCOMPLETE');
      expect(incomplete.missing).toEqual(['customer.phone_number']);
      // Nothing is created before everything the core needs is there (its scans would start unwatched).
      expect(fakes.core.calls).toEqual([]);
      // Data is taken only while something is missing; an officer decides nothing here.
      await expect(
        core.executeUpdate(coreDecideUpdate, { args: [{ outcome: 'APPROVE', actor: 'o', reason: 'r' }] }),
      ).rejects.toThrow();
      await core.executeUpdate(coreAmendCustomerUpdate, {
        args: [{ customer: { phone_number: '2015552345' } }],
      });
      expect(((await core.result()) as CoreStatus).state).toBe('CORE_READY');
      expect(fakes.core.calls.map((c) => c.name).slice(0, 3)).toEqual([
        'createCoreCustomer',
        'addCoreAddress',
        'addCorePhone',
      ]);
      // Once the customer is settled, data is refused rather than taken and never sent.
      await expect(
        core.executeUpdate(coreAmendCustomerUpdate, { args: [{ customer: { phone_number: '2015550000' } }] }),
      ).rejects.toThrow();
    });
  });

  it('declines on OFAC Positive after a review period and starts the offboarding (monitoring off at the screening provider)', async () => {
    const board: CoreBoard = { ofac: 'Failed', pepScan: 'Clear' };
    await withWorkers({ core: board }, async (tq, fakes) => {
      const request = input();
      await (await start(tq, request)).result();
      const core = coreHandle(request.customer.external_identifier);
      const scanning = await coreState(core, 'CORE_SCANNING', (s) => s.ofac !== 'Pending');
      expect(scanning.ofac).toBe('Failed');
      board.ofac = 'Positive';
      await core.signal(coreEventSignal, {
        eventId: 'evt-1',
        eventName: 'Core.Customer.Ofac.Changed',
        coreCustomerId: 'cos-1',
        receivedAt: new Date().toISOString(),
      });
      const status = (await core.result()) as CoreStatus;
      expect(status.state).toBe('CORE_DECLINED');
      expect(status.offboardingWorkflowId).toBeDefined();
      const offboarding = t.client.workflow.getHandle(status.offboardingWorkflowId!);
      await offboarding.result();
      expect(callsTo(fakes.screening.calls, 'setMonitoring')).toEqual([
        expect.objectContaining({ customerIdentifier: 'cust-1', enabled: false }),
      ]);
    });
  });

  it('escalates a PEP hit to an officer, and an APPROVE with OFAC Clear makes the customer ready', async () => {
    await withWorkers({ core: { ofac: 'Clear', pepScan: 'Positive' } }, async (tq) => {
      const request = input();
      await (await start(tq, request)).result();
      const core = coreHandle(request.customer.external_identifier);
      const review = await coreState(core, 'CORE_REVIEW');
      expect(review.escalated).toBe(true);
      const decided = await core.executeUpdate(coreDecideUpdate, {
        args: [{ outcome: 'APPROVE', actor: 'officer-2', reason: 'EDD complete' }],
      });
      expect(decided.state).toBe('CORE_READY');
      expect(decided.officerDecision).toMatchObject({ outcome: 'APPROVE', actor: 'officer-2' });
    });
  });

  it('expires when the scans stay under review past the deadline, and dedupes events by id', async () => {
    await withWorkers({ core: { ofac: 'Reviewing', pepScan: 'Pending' } }, async (tq, fakes) => {
      const customer = uniqueCustomer({ date_of_birth: BORN, address: ADDRESS, phone_number: '2015552345' });
      const core = await t.client.workflow.start('coreCustomerOnboarding', {
        taskQueue: tq,
        workflowId: coreCustomerWorkflowId(customer.external_identifier),
        args: [
          {
            externalIdentifier: customer.external_identifier,
            customer,
            terms: { partnerId: 'p', pollIntervalMs: 3_600_000, reviewDeadlineMs: 4_000 },
          },
        ],
      });
      await coreState(core, 'CORE_SCANNING');
      const event = {
        eventId: 'evt-9',
        eventName: 'Core.Customer.Ofac.Changed',
        coreCustomerId: 'cos-1',
        receivedAt: new Date().toISOString(),
      };
      await core.signal(coreEventSignal, event);
      await core.signal(coreEventSignal, event);
      const status = (await core.result()) as CoreStatus;
      expect(status.state).toBe('CORE_EXPIRED');
      expect(status.eventsSeen).toBe(1);
      // The first read, one for the one distinct event, and a last one before expiring.
      expect(fakes.core.calls.filter((c) => c.name === 'readCoreCustomer')).toHaveLength(3);
    });
  });

  it('reviews a rescan of a customer already CORE_READY: Positive offboards', async () => {
    await withWorkers({ core: { ofac: 'Positive', pepScan: 'Clear' } }, async (tq, fakes) => {
      const review = await t.client.workflow.start(coreCustomerReview, {
        taskQueue: tq,
        workflowId: `core-review-test-${Date.now()}`,
        args: [
          {
            externalIdentifier: 'ext-1',
            coreCustomerId: 'cos-1',
            event: {
              eventId: 'nightly-1',
              eventName: 'Core.Customer.Ofac.Changed',
              coreCustomerId: 'cos-1',
              receivedAt: new Date().toISOString(),
            },
          },
        ],
      });
      const status = await review.result();
      expect(status.state).toBe('CORE_DECLINED');
      // The offboarding really ran: monitoring off at the screening provider.
      await t.client.workflow.getHandle(status.offboardingWorkflowId!).result();
      expect(callsTo(fakes.screening.calls, 'setMonitoring')).toEqual([
        expect.objectContaining({ enabled: false }),
      ]);
    });
  });
});
