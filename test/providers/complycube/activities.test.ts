import { ApplicationFailure } from '@temporalio/common';
import type { MeshCustomer } from '../../../src/contracts/customer';
import type {
  CreateAndScreenInput,
  ScreeningOutcome,
  ScreeningResume,
  ScreenResult,
} from '../../../src/contracts/screening-activities';
import { createComplyCubeActivities } from '../../../src/providers/complycube/activities';
import { createComplyCubeClient } from '../../../src/providers/complycube/client';
import { Secret } from '../../../src/providers/complycube/config';
import { API_KEY, capturingLogger, drive, FakeComplyCube, runActivity } from './fake-complycube';

/**
 * The ComplyCube activities against a small local fake: every step of every operation, exactly one HTTP
 * call per invocation (the task queue's rate limit counts activities), and the retries after a lost
 * response that must never create a second client or check.
 */

const CHECKED_AT = new Date('2025-06-01T12:00:00.000Z');
let sequence = 0;

function customer(overrides: Partial<MeshCustomer> = {}): MeshCustomer {
  sequence += 1;
  return {
    external_identifier: `CUST-${process.pid}-${sequence}`,
    person: { first_name: 'Ada', last_name: 'Lovelace' },
    email_address: 'ada@example.com',
    date_of_birth: { day: 10, month: 12, year: 1815 },
    nationality: ['GB'],
    ...overrides,
  };
}

function screenInput(c: MeshCustomer = customer(), monitoringEnabled = true): CreateAndScreenInput {
  return { customer: c, screeningConfigurationIdentifier: 'standard_screening_check', monitoringEnabled };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the activity to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('ComplyCube activities', () => {
  let fake: FakeComplyCube;
  let logger: ReturnType<typeof capturingLogger>;
  let activities: ReturnType<typeof createComplyCubeActivities>;

  beforeEach(async () => {
    fake = await FakeComplyCube.start();
    logger = capturingLogger();
    activities = createComplyCubeActivities({
      complycube: createComplyCubeClient({
        config: { baseUrl: fake.url, apiKey: new Secret(API_KEY), retryBackoffMs: 1_000 },
        requestTimeoutMs: 2_000,
      }),
      config: { checkType: 'standard_screening_check', webhookUrl: undefined },
      logger,
      clock: () => CHECKED_AT,
      random: () => 0.5,
    });
  });
  afterEach(() => fake.close());

  const clientOf = (c: MeshCustomer, extra: Record<string, unknown> = {}) =>
    fake.seedClient({
      externalId: c.external_identifier,
      email: 'ada@example.com',
      personDetails: { firstName: 'Ada', lastName: 'Lovelace' },
      metadata: { kycExternalId: c.external_identifier },
      ...extra,
    });

  describe('createAndScreen', () => {
    it('screens a new customer in three calls, one per invocation: find the client, create it, create the check', async () => {
      const c = customer();
      const { result, steps, requestsPerStep } = await drive(
        activities.createAndScreen,
        screenInput(c),
        fake,
      );

      expect(steps).toEqual(['start', 'create-client', 'create-check']);
      expect(requestsPerStep).toEqual([1, 1, 1]);
      expect(fake.sent()).toEqual(['GET /clients', 'POST /clients', 'POST /checks']);
      expect(fake.requests[0]!.query).toEqual({
        'metadata.kycExternalId': c.external_identifier,
        page: '1',
        pageSize: '100',
      });
      expect(fake.requests[1]!.body).toEqual({
        type: 'person',
        email: 'ada@example.com',
        personDetails: { firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10', nationality: 'GB' },
        externalId: c.external_identifier,
        metadata: { kycExternalId: c.external_identifier },
      });
      const [client] = fake.clients;
      const [check] = fake.checks;
      expect(fake.requests[2]!.body).toEqual({
        clientId: client!.id,
        type: 'standard_screening_check',
        enableMonitoring: true,
      });
      expect(result).toEqual<ScreeningOutcome>({
        outcome: 'pending',
        providerWords: 'check status pending',
        customerIdentifier: client!.id,
        screeningIdentifier: check!.id,
        caseIdentifier: check!.id,
        externalIdentifier: c.external_identifier,
        workflowStatus: 'pending',
        amlTypes: [],
        alertIdentifiers: [],
        recoveredFromDuplicate: false,
      });
    });

    it('sends the Authorization header as the bare key', async () => {
      await runActivity(activities.createAndScreen, screenInput());
      expect(fake.requests.map((r) => r.authorization)).toEqual([API_KEY]);
    });

    it.each([
      [{ status: 'complete', outcome: 'clear' }, 'clear', 'check outcome clear', 'clear'],
      [{ status: 'complete', outcome: 'attention' }, 'hits', 'check outcome attention', 'attention'],
      [
        { status: 'complete', outcome: 'match_confirmed' },
        'unrecognised',
        'check outcome match_confirmed',
        'match_confirmed',
      ],
      [
        { status: 'complete', outcome: 'not_processed' },
        'unrecognised',
        'check outcome not_processed',
        'not_processed',
      ],
      [
        { status: 'complete', outcome: 'something_new' },
        'unrecognised',
        'check outcome something_new',
        'something_new',
      ],
      [{ status: 'failed' }, 'unrecognised', 'check status failed', undefined],
      [{ status: 'archived' }, 'unrecognised', 'check status archived', undefined],
    ])('reads a check %j as %s', async (newCheck, outcome, providerWords, screeningResult) => {
      fake.newCheck = newCheck;
      const { result } = await drive(activities.createAndScreen, screenInput(), fake);
      expect(result).toMatchObject({ outcome, providerWords, workflowStatus: newCheck.status });
      expect((result as ScreeningOutcome).screeningResult).toBe(screeningResult);
    });

    it("gives a client that existed before the request's data and screens it afresh: its old checks screened other data", async () => {
      const c = customer();
      const client = clientOf(c);
      const old = fake.seedCheck({ clientId: client.id, status: 'complete', result: { outcome: 'clear' } });
      const { result, steps, requestsPerStep } = await drive(
        activities.createAndScreen,
        screenInput(c, false),
        fake,
      );
      expect(steps).toEqual(['start', 'update-client', 'find-check', 'create-check']);
      expect(requestsPerStep).toEqual([1, 1, 1, 1]);
      expect(fake.sent()).toEqual([
        'GET /clients',
        `POST /clients/${client.id}`,
        'GET /checks',
        'POST /checks',
      ]);
      expect(fake.requests[1]!.body).toMatchObject({ email: c.email_address });
      expect(fake.requests[3]!.body).toMatchObject({ clientId: client.id, enableMonitoring: false });
      expect(result).toMatchObject({ customerIdentifier: client.id, recoveredFromDuplicate: true });
      expect((result as { screeningIdentifier: string }).screeningIdentifier).not.toBe(old.id);
    });

    it('after the update, reuses a pending or complete check created since, never a failed one or one of another type', async () => {
      const c = customer();
      const client = clientOf(c);
      const resume = {
        step: 'find-check',
        clientId: client.id,
        clientRecovered: true,
        since: new Date(Date.now() - 60_000).toISOString(),
      };
      const complete = fake.seedCheck({
        clientId: client.id,
        status: 'complete',
        result: { outcome: 'clear' },
      });
      fake.seedCheck({ clientId: client.id, status: 'failed' });
      fake.seedCheck({ clientId: client.id, status: 'pending', type: 'extensive_screening_check' });
      const { result } = await drive(activities.createAndScreen, { ...screenInput(c), resume }, fake);
      expect(result).toMatchObject({
        screeningIdentifier: complete.id,
        outcome: 'clear',
        screeningResult: 'clear',
        recoveredFromDuplicate: true,
      });
    });

    it('takes the oldest of several clients with our external identifier, and never a stranger', async () => {
      const c = customer();
      const oldest = clientOf(c, { createdAt: '2025-01-01T00:00:00.000Z' });
      clientOf(c, { createdAt: '2025-02-01T00:00:00.000Z' });
      // Our metadata value, but another externalId: not ours.
      clientOf(c, { createdAt: '2024-01-01T00:00:00.000Z', externalId: 'SOMEONE-ELSE' });
      const { result } = await drive(activities.createAndScreen, screenInput(c), fake);
      expect(result).toMatchObject({ customerIdentifier: oldest.id });
    });

    it('reads the last page of a long filtered list, where the oldest client is (one page per call)', async () => {
      const c = customer();
      const oldest = clientOf(c, { createdAt: '2020-01-01T00:00:00.000Z' });
      for (let i = 0; i < 100; i++) clientOf(c);
      const { result, steps, requestsPerStep } = await drive(
        activities.createAndScreen,
        screenInput(c),
        fake,
      );
      expect(steps).toEqual(['start', 'find-client', 'update-client', 'find-check', 'create-check']);
      expect(requestsPerStep).toEqual([1, 1, 1, 1, 1]);
      expect(fake.requests[1]!.query).toMatchObject({ page: '2' });
      expect(result).toMatchObject({ customerIdentifier: oldest.id });
    });

    it('refuses to conclude "no client" when the account ignores the metadata filter', async () => {
      fake.metadataFilterIgnored = true;
      fake.seedClient({ externalId: 'SOMEONE-ELSE', metadata: { kycExternalId: 'SOMEONE-ELSE' } });
      const failure = await failureOf(runActivity(activities.createAndScreen, screenInput()));
      expect(failure).toMatchObject({ type: 'ComplyCubeInvalidResponse', nonRetryable: true });
      expect(fake.sent()).toEqual(['GET /clients']);
    });

    it('is not misled by a filter that ignores case: another client is no sign of an ignored filter', async () => {
      fake.metadataFilterIgnoresCase = true;
      const c = customer();
      fake.seedClient({
        externalId: c.external_identifier.toLowerCase(),
        metadata: { kycExternalId: c.external_identifier.toLowerCase() },
      });
      const { steps } = await drive(activities.createAndScreen, screenInput(c), fake);
      expect(steps).toEqual(['start', 'create-client', 'create-check']);
    });

    it('refuses an incomplete customer before sending anything, naming the fields', async () => {
      const c = customer({ person: { full_name: 'Ada King Lovelace' } });
      delete c.email_address;
      const failure = await failureOf(runActivity(activities.createAndScreen, screenInput(c)));
      expect(failure).toMatchObject({ type: 'ComplyCubeApplicantIncomplete', nonRetryable: true });
      expect(failure.message.split('\n').map((l) => l.slice(0, l.indexOf(':')))).toEqual([
        'customer.email_address',
        'customer.person.full_name',
      ]);
      expect(failure.message).not.toContain('Lovelace');
      expect(fake.requests).toHaveLength(0);
      expect(logger.lines.join('\n')).not.toContain('Lovelace');
    });

    it('refuses a resume it did not write', async () => {
      const failure = await failureOf(
        runActivity(activities.createAndScreen, { ...screenInput(), resume: { step: 'mesh-something' } }),
      );
      expect(failure).toMatchObject({ type: 'ComplyCubeInvalidResume', nonRetryable: true });
      expect(fake.requests).toHaveLength(0);
    });

    describe('after a lost response, never a second client or check', () => {
      /** Runs the steps up to (not including) `step`, returning its resume. */
      async function resumeAt(input: CreateAndScreenInput, step: string) {
        let resume = input.resume;
        for (let i = 0; i < 10; i++) {
          const result: ScreenResult = await runActivity(activities.createAndScreen, {
            ...input,
            ...(resume !== undefined && { resume }),
          });
          if (!('next' in result)) throw new Error(`finished before ${step}`);
          if (result.next.step === step) return result.next;
          resume = result.next;
        }
        throw new Error(`never reached ${step}`);
      }

      it('client created but its answer lost: the retry finds it by the metadata filter', async () => {
        const input = screenInput();
        const resume = await resumeAt(input, 'create-client');
        fake.fault({ method: 'POST', path: '/clients', status: 502, afterHandling: true });
        const first = await failureOf(runActivity(activities.createAndScreen, { ...input, resume }));
        expect(first).toMatchObject({ type: 'ComplyCubeServerError', nonRetryable: false });
        expect(fake.clients).toHaveLength(1);

        // Temporal's retry of the same step: it looks, in one call, instead of creating.
        const before = fake.requests.length;
        const retried = await runActivity(activities.createAndScreen, { ...input, resume }, { attempt: 2 });
        expect(fake.sent(before)).toEqual(['GET /clients']);
        expect(retried).toEqual({
          next: {
            step: 'find-check',
            clientId: fake.clients[0]!.id,
            clientRecovered: true,
            since: (resume as unknown as { createdAfter: string }).createdAfter,
          },
        });

        const { result } = await drive(
          activities.createAndScreen,
          { ...input, resume: (retried as { next: ScreeningResume }).next },
          fake,
        );
        expect(fake.clients).toHaveLength(1);
        expect(fake.checks).toHaveLength(1);
        expect(result).toMatchObject({
          customerIdentifier: fake.clients[0]!.id,
          recoveredFromDuplicate: true,
        });
        expect(fake.sent().filter((r) => r === 'POST /clients')).toHaveLength(1);
      });

      it('client created, answer lost, and the filter answers empty (the trap): the scan of new clients finds it', async () => {
        const input = screenInput();
        const resume = await resumeAt(input, 'create-client');
        fake.metadataFilterBlind = true;
        fake.fault({ method: 'POST', path: '/clients', status: 504, afterHandling: true });
        await failureOf(runActivity(activities.createAndScreen, { ...input, resume }));
        const ours = fake.clients[0]!;
        // Busy account: 150 clients created after ours push it to page 2 of the newest-first list.
        for (let i = 0; i < 150; i++) fake.seedClient({ externalId: `OTHER-${i}` });

        const retried = await runActivity(activities.createAndScreen, { ...input, resume }, { attempt: 2 });
        expect(retried).toEqual({
          next: { step: 'scan-clients', createdAfter: resume.createdAfter, page: 1 },
        });
        const before = fake.requests.length;
        const { result, steps, requestsPerStep } = await drive(
          activities.createAndScreen,
          { ...input, resume: (retried as { next: ScreeningResume }).next },
          fake,
        );
        expect(steps).toEqual(['scan-clients', 'scan-clients', 'find-check', 'create-check']);
        expect(requestsPerStep).toEqual([1, 1, 1, 1]);
        expect(fake.sent(before)).toEqual(['GET /clients', 'GET /clients', 'GET /checks', 'POST /checks']);
        // Unfiltered, newest first, one page per call.
        expect(fake.requests.slice(before, before + 2).map((r) => r.query)).toEqual([
          { page: '1', pageSize: '100' },
          { page: '2', pageSize: '100' },
        ]);
        expect(fake.clients.filter((c) => c.externalId === input.customer.external_identifier)).toEqual([
          ours,
        ]);
        expect(result).toMatchObject({ customerIdentifier: ours.id, recoveredFromDuplicate: true });
      });

      it('client not created (the attempt failed before): the scan stops at older clients and the client is created once', async () => {
        for (let i = 0; i < 150; i++)
          fake.seedClient({ externalId: `OLD-${i}`, createdAt: '2024-01-01T00:00:00.000Z' });
        const input = screenInput();
        const resume = await resumeAt(input, 'create-client');
        fake.metadataFilterBlind = true;
        fake.fault({ method: 'POST', path: '/clients', status: 503 });
        await failureOf(runActivity(activities.createAndScreen, { ...input, resume }));
        expect(fake.clients).toHaveLength(150);

        const retried = await runActivity(activities.createAndScreen, { ...input, resume }, { attempt: 2 });
        const before = fake.requests.length;
        const { steps } = await drive(
          activities.createAndScreen,
          { ...input, resume: (retried as { next: ScreeningResume }).next },
          fake,
        );
        // Page 1 already reaches back past createdAfter: no page 2.
        expect(steps).toEqual(['scan-clients', 'create-client', 'create-check']);
        expect(fake.sent(before)).toEqual(['GET /clients', 'POST /clients', 'POST /checks']);
        expect(fake.clients.filter((c) => c.externalId === input.customer.external_identifier)).toHaveLength(
          1,
        );
      });

      it('check created but its answer lost: the retry finds and reuses it', async () => {
        const input = screenInput();
        const resume = await resumeAt(input, 'create-check');
        fake.fault({ method: 'POST', path: '/checks', status: 502, afterHandling: true });
        await failureOf(runActivity(activities.createAndScreen, { ...input, resume }));
        expect(fake.checks).toHaveLength(1);

        const before = fake.requests.length;
        const result = await runActivity(activities.createAndScreen, { ...input, resume }, { attempt: 2 });
        expect(fake.sent(before)).toEqual(['GET /checks']);
        expect(fake.checks).toHaveLength(1);
        expect(result).toMatchObject({ screeningIdentifier: fake.checks[0]!.id, outcome: 'pending' });
      });

      it('check not created (the attempt failed before): the retry looks, then the next call creates it once', async () => {
        const input = screenInput();
        const resume = await resumeAt(input, 'create-check');
        fake.fault({ method: 'POST', path: '/checks', status: 500 });
        await failureOf(runActivity(activities.createAndScreen, { ...input, resume }));
        const retried = await runActivity(activities.createAndScreen, { ...input, resume }, { attempt: 2 });
        expect(retried).toEqual({ next: resume });
        const { result } = await drive(
          activities.createAndScreen,
          { ...input, resume: (retried as { next: ScreeningResume }).next },
          fake,
        );
        expect(fake.checks).toHaveLength(1);
        expect(result).toMatchObject({ screeningIdentifier: fake.checks[0]!.id });
      });
    });
  });

  describe('checkOnboardingCase', () => {
    it.each([
      [{ status: 'pending' }, 'pending', null],
      [{ status: 'complete', result: { outcome: 'attention' } }, 'open', null],
      [{ status: 'complete', result: { outcome: 'clear' } }, 'approved', 'clear'],
      [{ status: 'complete', result: { outcome: 'match_confirmed' } }, 'rejected', 'match_confirmed'],
      [{ status: 'complete', result: { outcome: 'not_processed' } }, 'unrecognised', 'not_processed'],
      [{ status: 'complete', result: { outcome: 'rejected' } }, 'unrecognised', 'rejected'],
      [{ status: 'complete' }, 'unrecognised', null],
      [{ status: 'failed' }, 'unrecognised', 'failed'],
    ])(
      'reads a named check %j in one call: verdict %s, decision %s',
      async (state, verdict, decisionType) => {
        const client = fake.seedClient({ externalId: 'E' });
        const check = fake.seedCheck({ clientId: client.id, ...state });
        const result = await runActivity(activities.checkOnboardingCase, {
          customerIdentifier: client.id,
          caseIdentifier: check.id,
        });
        expect(fake.sent()).toEqual([`GET /checks/${check.id}`]);
        expect(result).toEqual({
          case: {
            caseIdentifier: check.id,
            verdict,
            caseType: 'CUSTOMER_ONBOARDING',
            decisionType,
            customerIdentifier: client.id,
          },
          checkedAt: CHECKED_AT.toISOString(),
        });
      },
    );

    it("finds the client's newest screening check when no check is named, skipping other check types", async () => {
      const client = fake.seedClient({ externalId: 'E' });
      fake.seedCheck({ clientId: client.id, createdAt: '2025-01-01T00:00:00.000Z' });
      const newest = fake.seedCheck({ clientId: client.id, createdAt: '2025-02-01T00:00:00.000Z' });
      fake.seedCheck({ clientId: client.id, type: 'document_check', createdAt: '2025-03-01T00:00:00.000Z' });
      const result = await runActivity(activities.checkOnboardingCase, { customerIdentifier: client.id });
      expect(fake.sent()).toEqual(['GET /checks']);
      expect(result.case?.caseIdentifier).toBe(newest.id);
    });

    it('answers without a case when the client has no screening check yet', async () => {
      const client = fake.seedClient({ externalId: 'E' });
      expect(await runActivity(activities.checkOnboardingCase, { customerIdentifier: client.id })).toEqual({
        checkedAt: CHECKED_AT.toISOString(),
      });
    });

    it('ends at once for a named check that does not exist (404 is final)', async () => {
      const failure = await failureOf(
        runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl', caseIdentifier: 'nope' }),
      );
      expect(failure).toMatchObject({ type: 'ComplyCubeNotFound', nonRetryable: true });
    });
  });

  describe('setMonitoring', () => {
    it('switches the named check in one call', async () => {
      const client = fake.seedClient({ externalId: 'E' });
      const check = fake.seedCheck({ clientId: client.id, status: 'complete', enableMonitoring: true });
      const result = await runActivity(activities.setMonitoring, {
        customerIdentifier: client.id,
        screeningIdentifier: check.id,
        enabled: false,
      });
      expect(result).toEqual({ enabled: false });
      expect(fake.sent()).toEqual([`POST /checks/${check.id}`]);
      expect(fake.requests[0]!.body).toEqual({ enableMonitoring: false });
      expect(check.enableMonitoring).toBe(false);
    });

    it('retries while the check is still pending (pending_check_unmodifiable)', async () => {
      const client = fake.seedClient({ externalId: 'E' });
      const check = fake.seedCheck({ clientId: client.id, status: 'pending', enableMonitoring: true });
      const failure = await failureOf(
        runActivity(activities.setMonitoring, {
          customerIdentifier: client.id,
          screeningIdentifier: check.id,
          enabled: false,
        }),
      );
      expect(failure).toMatchObject({ type: 'ComplyCubeCheckPending', nonRetryable: false });
    });

    it("without a check named, lists the client's screening checks, then updates one per call", async () => {
      const client = fake.seedClient({ externalId: 'E' });
      const a = fake.seedCheck({ clientId: client.id, status: 'complete', enableMonitoring: true });
      const b = fake.seedCheck({ clientId: client.id, status: 'complete', enableMonitoring: true });
      fake.seedCheck({ clientId: client.id, status: 'complete', enableMonitoring: false });
      fake.seedCheck({ clientId: client.id, status: 'failed', enableMonitoring: true });
      fake.seedCheck({
        clientId: client.id,
        type: 'document_check',
        status: 'complete',
        enableMonitoring: true,
      });

      const { result, steps, requestsPerStep } = await drive(
        activities.setMonitoring,
        { customerIdentifier: client.id, enabled: false },
        fake,
      );
      expect(result).toEqual({ enabled: false });
      expect(steps).toEqual(['start', 'update-checks', 'update-checks']);
      expect(requestsPerStep).toEqual([1, 1, 1]);
      expect(fake.sent()).toEqual(['GET /checks', `POST /checks/${b.id}`, `POST /checks/${a.id}`]);
      expect([a.enableMonitoring, b.enableMonitoring]).toEqual([false, false]);
    });

    it('answers `enabled` as it stands while checks remain', async () => {
      const client = fake.seedClient({ externalId: 'E' });
      const check = fake.seedCheck({ clientId: client.id, status: 'complete', enableMonitoring: true });
      expect(
        await runActivity(activities.setMonitoring, { customerIdentifier: client.id, enabled: false }),
      ).toEqual({
        enabled: true,
        next: { step: 'update-checks', remaining: [check.id] },
      });
    });

    it('has nothing to do when every check already is as asked, and skips a check gone since the listing', async () => {
      const client = fake.seedClient({ externalId: 'E' });
      fake.seedCheck({ clientId: client.id, status: 'complete', enableMonitoring: false });
      expect(
        await runActivity(activities.setMonitoring, { customerIdentifier: client.id, enabled: false }),
      ).toEqual({
        enabled: false,
      });
      expect(
        await runActivity(activities.setMonitoring, {
          customerIdentifier: client.id,
          enabled: false,
          resume: { step: 'update-checks', remaining: ['gone'] },
        }),
      ).toEqual({ enabled: false });
    });
  });

  describe('updateAndRescore', () => {
    function onboarded() {
      const c = customer();
      const client = clientOf(c);
      const original = fake.seedCheck({
        clientId: client.id,
        status: 'complete',
        result: { outcome: 'clear' },
        createdAt: '2025-01-01T00:00:00.000Z',
      });
      return { c, client, original };
    }

    it('updates the client, then screens again with a new check: one call per invocation', async () => {
      const { c, client, original } = onboarded();
      const updated = { ...c, email_address: 'ada@new.example' };
      const { result, steps, requestsPerStep } = await drive(
        activities.updateAndRescore,
        { customerIdentifier: client.id, customer: updated, monitoringEnabled: true },
        fake,
      );
      expect(steps).toEqual(['start', 'create-check']);
      expect(requestsPerStep).toEqual([1, 1]);
      expect(fake.sent()).toEqual([`POST /clients/${client.id}`, 'POST /checks']);
      expect(fake.requests[0]!.body).toMatchObject({
        email: 'ada@new.example',
        externalId: c.external_identifier,
      });
      expect(fake.requests[1]!.body).toEqual({
        clientId: client.id,
        type: 'standard_screening_check',
        enableMonitoring: true,
      });
      const fresh = fake.checks.find((check) => check.id !== original.id)!;
      expect(result).toEqual({
        customerIdentifier: client.id,
        outcome: 'pending',
        screeningIdentifier: fresh.id,
        providerWords: 'check status pending',
      });
    });

    it('check created but its answer lost: the retry reuses the new check, never the one from before the update', async () => {
      const { c, client, original } = onboarded();
      const first = await runActivity(activities.updateAndRescore, {
        customerIdentifier: client.id,
        customer: c,
      });
      if (!('next' in first)) throw new Error('expected a next step');
      fake.fault({ method: 'POST', path: '/checks', status: 502, afterHandling: true });
      await failureOf(
        runActivity(activities.updateAndRescore, {
          customerIdentifier: client.id,
          customer: c,
          resume: first.next,
        }),
      );
      const before = fake.requests.length;
      const retried = await runActivity(
        activities.updateAndRescore,
        { customerIdentifier: client.id, customer: c, resume: first.next },
        { attempt: 2 },
      );
      expect(fake.sent(before)).toEqual(['GET /checks']);
      expect(fake.checks).toHaveLength(2);
      const fresh = fake.checks.find((check) => check.id !== original.id)!;
      expect(retried).toMatchObject({ screeningIdentifier: fresh.id, outcome: 'pending' });
    });

    it('check not created: the retry finds only the old check, and the next call creates one', async () => {
      const { c, client } = onboarded();
      const first = await runActivity(activities.updateAndRescore, {
        customerIdentifier: client.id,
        customer: c,
      });
      if (!('next' in first)) throw new Error('expected a next step');
      const retried = await runActivity(
        activities.updateAndRescore,
        { customerIdentifier: client.id, customer: c, resume: first.next },
        { attempt: 2 },
      );
      expect(retried).toEqual({ customerIdentifier: client.id, next: first.next });
      await drive(
        activities.updateAndRescore,
        { customerIdentifier: client.id, customer: c, resume: first.next },
        fake,
      );
      expect(fake.checks).toHaveLength(2);
    });

    it('refuses an incomplete customer before sending anything', async () => {
      const failure = await failureOf(
        runActivity(activities.updateAndRescore, {
          customerIdentifier: 'cl',
          customer: { external_identifier: 'E', person: { last_name: 'Lovelace' } },
        }),
      );
      expect(failure).toMatchObject({ type: 'ComplyCubeApplicantIncomplete', nonRetryable: true });
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('getCustomer', () => {
    it('reads a client by id in one call, rebuilt in our layout', async () => {
      const c = customer();
      const client = clientOf(c, {
        personDetails: { firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' },
      });
      const record = await runActivity(activities.getCustomer, { customerIdentifier: client.id });
      expect(fake.sent()).toEqual([`GET /clients/${client.id}`]);
      expect(record).toEqual({
        customerIdentifier: client.id,
        externalIdentifier: c.external_identifier,
        customer: {
          external_identifier: c.external_identifier,
          person: { first_name: 'Ada', last_name: 'Lovelace' },
          date_of_birth: { day: 10, month: 12, year: 1815 },
          email_address: 'ada@example.com',
        },
      });
      expect(record.monitoringEnabled).toBeUndefined();
    });

    it('finds a client by our external identifier with the metadata filter, in one call', async () => {
      const c = customer();
      const client = clientOf(c);
      const record = await runActivity(activities.getCustomer, { externalIdentifier: c.external_identifier });
      expect(fake.sent()).toEqual(['GET /clients']);
      expect(fake.requests[0]!.query['metadata.kycExternalId']).toBe(c.external_identifier);
      expect(record.customerIdentifier).toBe(client.id);
    });

    it('ends at once when there is no such client', async () => {
      for (const input of [{ externalIdentifier: 'NOPE-1' }, { customerIdentifier: 'nope' }]) {
        const failure = await failureOf(runActivity(activities.getCustomer, input));
        expect(failure).toMatchObject({ type: 'ComplyCubeClientNotFound', nonRetryable: true });
      }
    });
  });

  describe('a check read for its webhook', () => {
    it('reads a check in one call, as the case the port knows', async () => {
      const client = fake.seedClient({ externalId: 'E' });
      const check = fake.seedCheck({
        clientId: client.id,
        status: 'complete',
        result: { outcome: 'attention' },
      });
      const read = await runActivity(activities.checkOnboardingCase, {
        customerIdentifier: '',
        caseIdentifier: check.id,
      });
      expect(read).toEqual({
        case: expect.objectContaining({
          caseIdentifier: check.id,
          customerIdentifier: client.id,
          decisionType: null,
          verdict: 'open',
        }),
        checkedAt: CHECKED_AT.toISOString(),
      });
      expect(fake.sent()).toEqual([`GET /checks/${check.id}`]);
    });
  });

  it('logs identifiers only, never the customer data', async () => {
    const c = customer();
    await drive(activities.createAndScreen, screenInput(c), fake);
    const log = logger.lines.join('\n');
    expect(log).toContain(c.external_identifier);
    expect(log).not.toMatch(/Ada|Lovelace|example\.com|1815/);
  });
});
