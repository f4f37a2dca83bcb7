import { ApplicationFailure } from '@temporalio/common';
import type { MeshCustomer } from '../../../src/contracts/customer';
import type {
  CreateAndScreenInput,
  ScreeningOutcome,
  ScreeningResume,
  ScreenResult,
} from '../../../src/contracts/screening-activities';
import { createCaClassicActivities } from '../../../src/providers/ca-classic/activities';
import { createCaClassicClient } from '../../../src/providers/ca-classic/client';
import { Secret } from '../../../src/providers/ca-classic/config';
import { API_KEY, capturingLogger, drive, FakeCaClassic, runActivity } from './fake-ca-classic';

/**
 * The classic activities against a small local fake: every mapping to the port's words, at most one HTTP
 * call per invocation (the task queue's rate limit counts activities), and the retries after a lost
 * answer that must never leave two searches for one onboarding.
 */

const CHECKED_AT = new Date('2025-06-01T12:00:00.000Z');
let sequence = 0;

function person(overrides: Partial<MeshCustomer> = {}, last = 'Lovelace'): MeshCustomer {
  sequence += 1;
  return {
    external_identifier: `CUST-${process.pid}-${sequence}`,
    person: { first_name: 'Ada', last_name: last },
    date_of_birth: { day: 10, month: 12, year: 1815 },
    nationality: ['GB'],
    ...overrides,
  };
}

function screenInput(c: MeshCustomer = person(), monitoringEnabled = false): CreateAndScreenInput {
  return { customer: c, screeningConfigurationIdentifier: 'std-profile', monitoringEnabled };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the activity to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const nextOf = (result: unknown): ScreeningResume => {
  const next = (result as { next?: ScreeningResume }).next;
  if (next === undefined) throw new Error(`expected { next }, got ${JSON.stringify(result)}`);
  return next;
};

describe('ComplyAdvantage classic activities', () => {
  let fake: FakeCaClassic;
  let logger: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    fake = await FakeCaClassic.start();
    logger = capturingLogger();
  });
  afterEach(() => fake.close());

  function activitiesFor(config: { tagName?: string; searchProfile?: string } = {}) {
    return createCaClassicActivities({
      api: createCaClassicClient({
        config: { baseUrl: fake.url, apiKey: new Secret(API_KEY) },
        requestTimeoutMs: 2_000,
      }),
      config: { tagName: config.tagName, searchProfile: config.searchProfile ?? 'std-profile' },
      logger,
      clock: () => CHECKED_AT,
    });
  }

  describe('createAndScreen', () => {
    it('screens in one call: the body the reference describes, a clear outcome when nothing is found', async () => {
      const activities = activitiesFor();
      const c = person();
      const { result, steps, requestsPerStep } = await drive(
        activities.createAndScreen,
        screenInput(c),
        fake,
      );
      expect(steps).toEqual(['start']);
      expect(requestsPerStep).toEqual([1]);
      expect(fake.requests[0]!.body).toEqual({
        search_term: { first_name: 'Ada', last_name: 'Lovelace' },
        client_ref: c.external_identifier,
        search_profile: 'std-profile',
        filters: { birth_year: 1815, country_codes: ['GB'] },
      });
      const id = String(fake.searches[0]!.id);
      expect(result).toEqual<ScreeningOutcome>({
        outcome: 'clear',
        providerWords: 'match_status no_match, risk_level unknown, 0 hits',
        customerIdentifier: id,
        screeningIdentifier: id,
        caseExpected: false,
        externalIdentifier: c.external_identifier,
        workflowStatus: 'COMPLETED',
        riskLevel: 'unknown',
        screeningResult: 'NO_HITS',
        amlTypes: [],
        alertIdentifiers: [],
        recoveredFromDuplicate: false,
      });
    });

    it('reads potential matches as hits: a case expected, the search as the case, the open hits’ types', async () => {
      const activities = activitiesFor();
      const c = person({}, 'Mugabe');
      const { result } = await drive(activities.createAndScreen, screenInput(c), fake);
      const id = String(fake.searches[0]!.id);
      expect(result).toEqual<ScreeningOutcome>({
        outcome: 'hits',
        providerWords: 'match_status potential_match, risk_level unknown, 1 hit',
        customerIdentifier: id,
        screeningIdentifier: id,
        caseExpected: true,
        caseIdentifier: id,
        externalIdentifier: c.external_identifier,
        workflowStatus: 'COMPLETED',
        riskLevel: 'unknown',
        screeningResult: 'HITS',
        amlTypes: ['sanction', 'pep'],
        alertIdentifiers: [],
        recoveredFromDuplicate: false,
      });
      // Logs carry ids and statuses, never the name.
      expect(logger.lines.join('\n')).not.toMatch(/Ada|Mugabe/);
    });

    it('takes hits dismissed for this client_ref (whitelisted) as no hits', async () => {
      const activities = activitiesFor();
      const c = person({}, 'Mugabe');
      fake.whitelist.set(c.external_identifier, ['RU4326M8GFUAHMF']);
      const { result } = await drive(activities.createAndScreen, screenInput(c), fake);
      expect(result).toMatchObject({
        outcome: 'clear',
        caseExpected: false,
        providerWords: 'match_status no_match, risk_level unknown, 0 hits (1 whitelisted)',
        screeningResult: 'NO_HITS',
        amlTypes: [],
      });
    });

    it.each([
      ['escalated', 0, 'unrecognised'],
      ['true_positive_approve', 1, 'unrecognised'],
      ['true_positive_reject', 1, 'hits'],
      ['no_match', 2, 'hits'],
    ])('reads a new search answered %s with %i hits as %s', async (matchStatus, hits, outcome) => {
      fake.fault({
        method: 'POST',
        path: '/searches',
        status: 200,
        body: {
          status: 'success',
          content: {
            data: {
              id: 4242,
              match_status: matchStatus,
              risk_level: 'high',
              total_hits: hits,
              hits: Array.from({ length: hits }, (_, i) => ({ doc: { id: `E${i}`, types: ['pep'] } })),
            },
          },
        },
      });
      const { result } = await drive(activitiesFor().createAndScreen, screenInput(), fake);
      expect(result).toMatchObject({
        outcome,
        caseExpected: true,
        caseIdentifier: '4242',
        riskLevel: 'high',
        providerWords: `match_status ${matchStatus}, risk_level high, ${hits} ${hits === 1 ? 'hit' : 'hits'}`,
      });
    });

    it('searches a company by its legal name, with our tag when one is configured', async () => {
      const activities = activitiesFor({ tagName: 'kyc_id' });
      const c: MeshCustomer = {
        external_identifier: `ACME-${process.pid}`,
        company: { legal_name: 'A Bad Company Ltd' },
      };
      await drive(activities.createAndScreen, screenInput(c), fake);
      expect(fake.requests[0]!.body).toEqual({
        search_term: 'A Bad Company Ltd',
        client_ref: c.external_identifier,
        search_profile: 'std-profile',
        tags: { kyc_id: c.external_identifier },
      });
    });

    it('switches monitoring on in a second call, the new id recorded in `next` first, no name carried', async () => {
      const activities = activitiesFor();
      const c = person({}, 'Mugabe');
      const { result, steps, requestsPerStep, nexts } = await drive(
        activities.createAndScreen,
        screenInput(c, true),
        fake,
      );
      const stored = fake.searches[0]!;
      expect(steps).toEqual(['start', 'monitor']);
      expect(requestsPerStep).toEqual([1, 1]);
      expect(fake.sent()).toEqual(['POST /searches', `PATCH /searches/${stored.id}/monitors`]);
      expect(fake.requests[1]!.body).toEqual({ is_monitored: true });
      expect(stored.is_monitored).toBe(true);
      expect(nexts[0]).toMatchObject({ step: 'monitor', searchId: String(stored.id) });
      expect(JSON.stringify(nexts)).not.toMatch(/Ada|Mugabe|1815/);
      expect(result).toMatchObject({ outcome: 'hits', screeningIdentifier: String(stored.id) });
    });

    it('refuses a customer without a name to search, sending nothing', async () => {
      const failure = await failureOf(
        runActivity(
          activitiesFor().createAndScreen,
          screenInput({ external_identifier: 'E-1', person: { first_name: 'Ada' } }),
        ),
      );
      expect(failure).toMatchObject({ type: 'CaClassicApplicantIncomplete', nonRetryable: true });
      expect(failure.message).toMatch(/^customer\.person\.last_name: required/);
      expect(fake.requests).toEqual([]);
    });

    it('refuses a resume it did not write', async () => {
      const failure = await failureOf(
        runActivity(activitiesFor().createAndScreen, {
          ...screenInput(),
          resume: { step: 'find-client', page: 1 },
        }),
      );
      expect(failure).toMatchObject({ type: 'CaClassicInvalidResume', nonRetryable: true });
    });

    describe('after a lost answer, never a second search', () => {
      async function loseTheCreate(
        input: CreateAndScreenInput,
        activities: ReturnType<typeof activitiesFor>,
      ) {
        fake.fault({ method: 'POST', path: '/searches', lose: true });
        const stored = fake.searches.length;
        const scheduledTimestampMs = Date.now();
        const failure = await failureOf(
          runActivity(activities.createAndScreen, input, { scheduledTimestampMs }),
        );
        // Processed, the answer lost on the way back.
        expect(failure).toMatchObject({ type: 'CaClassicNetwork', nonRetryable: false });
        expect(fake.searches).toHaveLength(stored + 1);
        return scheduledTimestampMs;
      }

      it('without a tag: the retry lists by search term from the day before, and adopts the search by client_ref', async () => {
        const activities = activitiesFor();
        const c = person({}, 'Mugabe');
        const input = screenInput(c, true);
        const scheduledTimestampMs = await loseTheCreate(input, activities);
        const before = fake.requests.length;
        const retried = await runActivity(activities.createAndScreen, input, {
          attempt: 2,
          scheduledTimestampMs,
        });
        expect(fake.requests.length).toBe(before);
        const resume = nextOf(retried);
        expect(resume).toEqual({
          step: 'find',
          dateFrom: new Date(scheduledTimestampMs - 86_400_000).toISOString().slice(0, 10),
          since: new Date(scheduledTimestampMs - 5 * 60_000).toISOString(),
          page: 1,
          candidates: [],
        });
        const { result, steps, requestsPerStep } = await drive(
          activities.createAndScreen,
          { ...input, resume },
          fake,
        );
        expect(steps).toEqual(['find', 'monitor']);
        expect(requestsPerStep).toEqual([1, 1]);
        expect(fake.requests[before]!.query).toEqual({
          search_term: 'Ada Mugabe',
          date_from: resume.dateFrom,
          sort_by: 'created_at',
          sort_dir: 'desc',
          per_page: '100',
          page: '1',
        });
        expect(fake.searches).toHaveLength(1);
        expect(fake.sent().filter((s) => s === 'POST /searches')).toHaveLength(1);
        expect(result).toMatchObject({
          screeningIdentifier: String(fake.searches[0]!.id),
          recoveredFromDuplicate: true,
          // The list has no hits: the outcome comes from total_hits and match_status.
          outcome: 'hits',
          providerWords: 'match_status potential_match, risk_level unknown, 1 hit',
        });
        expect(fake.searches[0]!.is_monitored).toBe(true);
      });

      it('with a tag: the retry lists by tag and adopts the search it proves ours', async () => {
        const activities = activitiesFor({ tagName: 'kyc_id' });
        const c = person();
        const input = screenInput(c);
        const scheduledTimestampMs = await loseTheCreate(input, activities);
        const resume = nextOf(
          await runActivity(activities.createAndScreen, input, { attempt: 3, scheduledTimestampMs }),
        );
        const before = fake.requests.length;
        const { result } = await drive(activities.createAndScreen, { ...input, resume }, fake);
        expect(fake.requests[before]!.query).toMatchObject({ tags: `kyc_id:${c.external_identifier}` });
        expect(fake.searches).toHaveLength(1);
        expect(result).toMatchObject({ outcome: 'clear', recoveredFromDuplicate: true, caseExpected: false });
      });

      it('list items without client_ref are verified one by one through GET /searches/{id}', async () => {
        const activities = activitiesFor();
        const c = person();
        const input = screenInput(c);
        fake.listShape = { clientRef: false, tags: false };
        fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'SOMEONE-ELSE' });
        const scheduledTimestampMs = await loseTheCreate(input, activities);
        const ours = fake.searches.find((s) => s.client_ref === c.external_identifier)!;
        const resume = nextOf(
          await runActivity(activities.createAndScreen, input, { attempt: 2, scheduledTimestampMs }),
        );
        const { result, steps, requestsPerStep } = await drive(
          activities.createAndScreen,
          { ...input, resume },
          fake,
        );
        // Newest first: ours (the lost one) is the first candidate read.
        expect(steps).toEqual(['find', 'verify']);
        expect(requestsPerStep).toEqual([1, 1]);
        expect(fake.sent().slice(-1)).toEqual([`GET /searches/${ours.id}`]);
        expect(result).toMatchObject({ screeningIdentifier: String(ours.id), recoveredFromDuplicate: true });
        expect(fake.searches).toHaveLength(2);
      });

      it('a search no read proves ours is never adopted: after the candidates, it creates', async () => {
        const activities = activitiesFor();
        const c = person();
        fake.listShape = { clientRef: false, tags: false };
        fake.getShape = { clientRef: false, tags: false };
        const other = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'SOMEONE-ELSE' });
        const resume = nextOf(
          await runActivity(activitiesFor().createAndScreen, screenInput(c), { attempt: 2 }),
        );
        const { result, steps } = await drive(
          activities.createAndScreen,
          { ...screenInput(c), resume },
          fake,
        );
        expect(steps).toEqual(['find', 'verify', 'create']);
        expect(result).toMatchObject({ recoveredFromDuplicate: false });
        expect((result as ScreeningOutcome).screeningIdentifier).not.toBe(String(other.id));
      });

      it("never adopts another customer's search of the same name, nor one older than the step", async () => {
        const activities = activitiesFor();
        const c = person();
        fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'SOMEONE-ELSE' });
        const scheduledTimestampMs = Date.now();
        fake.clock = () => scheduledTimestampMs - 60 * 60_000;
        const older = fake.seedSearch({ term: 'Ada Lovelace', client_ref: c.external_identifier });
        fake.clock = () => Date.now();
        const resume = nextOf(
          await runActivity(activities.createAndScreen, screenInput(c), { attempt: 2, scheduledTimestampMs }),
        );
        const { result, steps } = await drive(
          activities.createAndScreen,
          { ...screenInput(c), resume },
          fake,
        );
        expect(steps).toEqual(['find', 'create']);
        expect((result as ScreeningOutcome).screeningIdentifier).not.toBe(String(older.id));
        expect(fake.searches).toHaveLength(3);
      });

      it('lookFirst looks before creating, over the day window: an earlier call’s search is adopted', async () => {
        const activities = activitiesFor();
        const c = person();
        fake.clock = () => Date.now() - 3 * 60 * 60_000;
        const earlier = fake.seedSearch({ term: 'Ada Lovelace', client_ref: c.external_identifier });
        fake.clock = () => Date.now();
        const { result, steps, requestsPerStep, nexts } = await drive(
          activities.createAndScreen,
          { ...screenInput(c), lookFirst: true },
          fake,
        );
        expect(steps).toEqual(['start', 'find']);
        expect(requestsPerStep).toEqual([0, 1]);
        expect(nexts[0]).not.toHaveProperty('since');
        expect(result).toMatchObject({
          screeningIdentifier: String(earlier.id),
          recoveredFromDuplicate: true,
        });
        expect(fake.sent()).not.toContain('POST /searches');
      });

      it('lookFirst with nothing found creates once, and a retried create looks again', async () => {
        const activities = activitiesFor();
        const input = { ...screenInput(), lookFirst: true };
        const { steps } = await drive(activities.createAndScreen, input, fake);
        expect(steps).toEqual(['start', 'find', 'create']);
        expect(fake.searches).toHaveLength(1);
        const createStep = { step: 'create', dateFrom: '2025-05-31' };
        const retried = await runActivity(
          activities.createAndScreen,
          { ...input, resume: createStep },
          { attempt: 2 },
        );
        expect(nextOf(retried)).toMatchObject({ step: 'find', dateFrom: '2025-05-31', page: 1 });
      });

      it('pages through a full page of others before concluding', async () => {
        const activities = activitiesFor();
        const c = person();
        for (let i = 0; i < 100; i++) fake.seedSearch({ term: 'Ada Lovelace', client_ref: `OTHER-${i}` });
        const resume = nextOf(await runActivity(activities.createAndScreen, screenInput(c), { attempt: 2 }));
        const { steps, requestsPerStep } = await drive(
          activities.createAndScreen,
          { ...screenInput(c), resume },
          fake,
        );
        expect(steps).toEqual(['find', 'find', 'create']);
        expect(requestsPerStep).toEqual([1, 1, 1]);
        expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.query.page)).toEqual(['1', '2']);
      });
    });
  });

  describe('checkOnboardingCase', () => {
    it.each([
      ['potential_match', 'open', null],
      ['unknown', 'open', null],
      ['no_match', 'approved', 'no_match'],
      ['false_positive', 'approved', 'false_positive'],
      ['true_positive_approve', 'approved', 'true_positive_approve'],
      ['true_positive_reject', 'rejected', 'true_positive_reject'],
      ['true_positive', 'partial', 'true_positive'],
      ['something_new', 'unrecognised', 'something_new'],
    ])('reads a search %s as %s', async (matchStatus, verdict, decisionType) => {
      const search = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-7', match_status: matchStatus });
      const result = await runActivity(activitiesFor().checkOnboardingCase, {
        customerIdentifier: '1',
        caseIdentifier: String(search.id),
      });
      expect(result).toEqual({
        case: {
          caseIdentifier: String(search.id),
          verdict,
          caseType: 'CUSTOMER_ONBOARDING',
          decisionType,
          externalIdentifier: 'E-7',
        },
        checkedAt: CHECKED_AT.toISOString(),
      });
      expect(fake.sent()).toEqual([`GET /searches/${search.id}`]);
    });

    it('reads the subject’s search without a case named; a search that does not exist is final', async () => {
      const search = fake.seedSearch({ term: 'Ada Lovelace' });
      const result = await runActivity(activitiesFor().checkOnboardingCase, {
        customerIdentifier: String(search.id),
      });
      expect(result.case).toMatchObject({ caseIdentifier: String(search.id), verdict: 'approved' });
      expect(result.case).not.toHaveProperty('externalIdentifier');
      const failure = await failureOf(
        runActivity(activitiesFor().checkOnboardingCase, { customerIdentifier: '1', caseIdentifier: '999' }),
      );
      expect(failure).toMatchObject({ type: 'CaClassicNotFound', nonRetryable: true });
    });
  });

  describe('setMonitoring', () => {
    it('switches the named search, else the subject’s, in one call', async () => {
      const first = fake.seedSearch({ term: 'Ada Lovelace' });
      const second = fake.seedSearch({ term: 'Ada Lovelace', is_monitored: true });
      const activities = activitiesFor();
      expect(
        await runActivity(activities.setMonitoring, {
          customerIdentifier: String(first.id),
          screeningIdentifier: String(second.id),
          enabled: false,
        }),
      ).toEqual({ enabled: false });
      expect(
        await runActivity(activities.setMonitoring, { customerIdentifier: String(first.id), enabled: true }),
      ).toEqual({
        enabled: true,
      });
      expect(fake.sent()).toEqual([
        `PATCH /searches/${second.id}/monitors`,
        `PATCH /searches/${first.id}/monitors`,
      ]);
      expect(fake.requests.map((r) => r.body)).toEqual([{ is_monitored: false }, { is_monitored: true }]);
      expect([first.is_monitored, second.is_monitored]).toEqual([true, false]);
    });

    it('ends at once on a search that does not exist', async () => {
      const failure = await failureOf(
        runActivity(activitiesFor().setMonitoring, { customerIdentifier: '999', enabled: false }),
      );
      expect(failure).toMatchObject({ type: 'CaClassicNotFound', nonRetryable: true });
    });
  });

  describe('updateAndRescore', () => {
    it('makes a new search with the same client_ref and the given profile, monitored, as the run’s case', async () => {
      const activities = activitiesFor();
      const c = person({}, 'Mugabe');
      const original = fake.seedSearch({ term: 'Ada Lovelace', client_ref: c.external_identifier });
      const { result, steps, requestsPerStep } = await drive(
        activities.updateAndRescore,
        {
          customerIdentifier: String(original.id),
          customer: c,
          screeningConfigurationIdentifier: 'enhanced-profile',
          monitoringEnabled: true,
        },
        fake,
      );
      const created = fake.searches[1]!;
      expect(steps).toEqual(['start', 'monitor']);
      expect(requestsPerStep).toEqual([1, 1]);
      expect(fake.requests[0]!.body).toMatchObject({
        client_ref: c.external_identifier,
        search_profile: 'enhanced-profile',
      });
      expect(created.is_monitored).toBe(true);
      expect(result).toEqual({
        customerIdentifier: String(original.id),
        outcome: 'pending',
        screeningIdentifier: String(created.id),
        riskLevel: 'unknown',
        providerWords: 'match_status potential_match, risk_level unknown, 1 hit',
      });
    });

    it('after a lost answer adopts the new search, never the subject’s first one (same client_ref and tag)', async () => {
      const activities = activitiesFor({ tagName: 'kyc_id' });
      const c = person();
      const original = fake.seedSearch({
        term: 'Ada Lovelace',
        client_ref: c.external_identifier,
        tags: { kyc_id: c.external_identifier },
      });
      const input = { customerIdentifier: String(original.id), customer: c };
      fake.fault({ method: 'POST', path: '/searches', lose: true });
      const scheduledTimestampMs = Date.now();
      await failureOf(runActivity(activities.updateAndRescore, input, { scheduledTimestampMs }));
      const lost = fake.searches[1]!;
      const retried = await runActivity(activities.updateAndRescore, input, {
        attempt: 2,
        scheduledTimestampMs,
      });
      expect(retried).toMatchObject({ customerIdentifier: String(original.id), next: { step: 'find' } });
      const { result } = await drive(
        activities.updateAndRescore,
        { ...input, resume: nextOf(retried) },
        fake,
      );
      expect(result).toMatchObject({ outcome: 'pending', screeningIdentifier: String(lost.id) });
      expect(fake.searches).toHaveLength(2);
      // The configured profile when the input names none.
      expect(fake.requests.find((r) => r.method === 'POST')!.body).toMatchObject({
        search_profile: 'std-profile',
      });
    });
  });

  describe('getCustomer', () => {
    it('by id: the search’s client_ref and name, its risk level', async () => {
      const search = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-9', risk_level: 'low' });
      expect(
        await runActivity(activitiesFor().getCustomer, { customerIdentifier: String(search.id) }),
      ).toEqual({
        customerIdentifier: String(search.id),
        externalIdentifier: 'E-9',
        riskLevel: 'low',
        customer: { external_identifier: 'E-9', person: { full_name: 'Ada Lovelace' } },
      });
    });

    it('by id without client_ref: from our tag, else a final ClientRefUnknown', async () => {
      fake.getShape = { clientRef: false, tags: true };
      const search = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-9', tags: { kyc_id: 'E-9' } });
      const id = String(search.id);
      expect(
        await runActivity(activitiesFor({ tagName: 'kyc_id' }).getCustomer, { customerIdentifier: id }),
      ).toMatchObject({
        externalIdentifier: 'E-9',
      });
      const failure = await failureOf(runActivity(activitiesFor().getCustomer, { customerIdentifier: id }));
      expect(failure).toMatchObject({ type: 'CaClassicClientRefUnknown', nonRetryable: true });
    });

    it('by external identifier: the oldest search carrying our tag, in one call', async () => {
      const first = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-5', tags: { kyc_id: 'E-5' } });
      fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-5', tags: { kyc_id: 'E-5' } });
      fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-6', tags: { kyc_id: 'E-6' } });
      const record = await runActivity(activitiesFor({ tagName: 'kyc_id' }).getCustomer, {
        externalIdentifier: 'E-5',
      });
      expect(record).toMatchObject({ customerIdentifier: String(first.id), externalIdentifier: 'E-5' });
      expect(fake.requests.map((r) => r.query)).toEqual([
        { tags: 'kyc_id:E-5', sort_by: 'created_at', sort_dir: 'asc', per_page: '100' },
      ]);
      const missing = await failureOf(
        runActivity(activitiesFor({ tagName: 'kyc_id' }).getCustomer, { externalIdentifier: 'E-404' }),
      );
      expect(missing).toMatchObject({ type: 'CaClassicNotFound', nonRetryable: true });
    });

    it('by external identifier when list items show neither client_ref nor tags: reads the candidates', async () => {
      fake.listShape = { clientRef: false, tags: false };
      const other = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-7', tags: { kyc_id: 'E-5' } });
      const ours = fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-5', tags: { kyc_id: 'E-5' } });
      const record = await runActivity(activitiesFor({ tagName: 'kyc_id' }).getCustomer, {
        externalIdentifier: 'E-5',
      });
      expect(record).toMatchObject({ customerIdentifier: String(ours.id), externalIdentifier: 'E-5' });
      expect(fake.requests.map((r) => r.path)).toEqual([
        '/searches',
        `/searches/${other.id}`,
        `/searches/${ours.id}`,
      ]);
      // Listed under our tag, read, and none of them ours: not "nothing there".
      fake.seedSearch({ term: 'Ada Lovelace', client_ref: 'E-x', tags: { kyc_id: 'E-8' } });
      const unproven = await failureOf(
        runActivity(activitiesFor({ tagName: 'kyc_id' }).getCustomer, { externalIdentifier: 'E-8' }),
      );
      expect(unproven).toMatchObject({ type: 'CaClassicLookupUnproven', nonRetryable: true });
      const missing = await failureOf(
        runActivity(activitiesFor({ tagName: 'kyc_id' }).getCustomer, { externalIdentifier: 'E-9' }),
      );
      expect(missing).toMatchObject({ type: 'CaClassicNotFound' });
    });

    it('by external identifier without a tag configured: LookupUnsupported, nothing sent', async () => {
      const failure = await failureOf(
        runActivity(activitiesFor().getCustomer, { externalIdentifier: 'E-5' }),
      );
      expect(failure).toMatchObject({ type: 'CaClassicLookupUnsupported', nonRetryable: true });
      expect(failure.message).toContain('CA_CLASSIC_TAG_NAME');
      expect(fake.requests).toEqual([]);
    });
  });

  it('makes at most one HTTP call per invocation, whatever the step', async () => {
    const activities = activitiesFor();
    const results: ScreenResult[] = [];
    for (const monitoringEnabled of [false, true]) {
      const { requestsPerStep, result } = await drive(
        activities.createAndScreen,
        { ...screenInput(person({}, 'Putin'), monitoringEnabled), lookFirst: true },
        fake,
      );
      expect(Math.max(...requestsPerStep)).toBeLessThanOrEqual(1);
      results.push(result);
    }
    expect(results.map((r) => (r as ScreeningOutcome).amlTypes)).toEqual([
      ['pep', 'sanction'],
      ['pep', 'sanction'],
    ]);
  });
});
