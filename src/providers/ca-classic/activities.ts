import { Context, log } from '@temporalio/activity';
import { z } from 'zod';
import type { MeshCustomer } from '../../contracts/customer';
import type {
  CaseSnapshot,
  CheckOnboardingCaseInput,
  CheckOnboardingCaseResult,
  CreateAndScreenInput,
  CustomerRecord,
  GetCustomerInput,
  RescoreOutcome,
  ScreeningActivities,
  ScreeningContinues,
  ScreeningOutcome,
  ScreeningResume,
  ScreenResult,
  SetMonitoringInput,
  UpdateAndRescoreInput,
} from '../../contracts/screening-activities';
import type { ActivityLogger } from '../common/logger';
import { CaClassicError, type CaClassicApi, type CaClassicSearch, type CaClassicSearchQuery } from './api';
import { callCaClassic, finalFailure } from './activity-failures';
import { MAX_PER_PAGE } from './client';
import type { CaClassicConfig } from './config';
import {
  amlTypesOf,
  caseVerdictOf,
  createdAtMs,
  customerFromSearch,
  decisionTypeOf,
  ownershipOf,
  providerWordsOf,
  screeningOutcomeOf,
  screeningResultOf,
  searchBodyOf,
  searchProblemsOf,
  searchTermOf,
  searchTermText,
  tagFilterOf,
} from './searches';

/**
 * The ComplyAdvantage classic activities (docs/providers/ca-classic.md): the screening port
 * (src/contracts/screening-activities.ts) on the `<queue>-ca-classic` task queue, whose rate limit counts
 * activities. So every invocation makes at most ONE HTTP call; an operation of several calls answers
 * `{ next }` and the workflow calls the same activity again with `resume: next`.
 *
 * A search is the screening, the case and (its first one) the subject. A create is never retried blindly:
 * a lost answer must not leave two searches for one onboarding. A retry of a create step (Temporal attempt
 * > 1), or a first call told `lookFirst`, looks instead: `GET /searches` by our tag (CA_CLASSIC_TAG_NAME)
 * or by the search term, from the day before the step was scheduled, newest first, one page per call;
 * a search is adopted only when `client_ref` (or our tag) proves it ours, read from the list item or, when
 * the item lacks both, from `GET /searches/{id}` of up to 5 candidates, one per call. A new search's id
 * is in the recorded `next` (the monitor step) or in the answer before anything else is done with it.
 *
 * Logs carry identifiers and counts only, never names or ComplyAdvantage's messages.
 */

export interface CaClassicActivityDeps {
  api: CaClassicApi;
  config: Pick<CaClassicConfig, 'searchProfile' | 'tagName'>;
  logger?: ActivityLogger;
  /** When a case was read; injectable so tests can pin it. */
  clock?: () => Date;
}

/** The most candidates lacking `client_ref` that are read one by one after a lookup. */
export const MAX_CANDIDATES = 5;
/** How far before the step was scheduled a search still counts as the step's own (clock skew). */
export const SINCE_MARGIN_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

// --- The resume shapes: opaque to the workflow, checked here because they come back through it. ---

const searchId = z.string().regex(/^\d{1,18}$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'expected an ISO time' });

/** Where a lookup searches: from `dateFrom` (a day), and, when set, only searches created at/after `since`. */
const window = { dateFrom: day, since: isoTime.optional() };

const lookupSteps = [
  /** `GET /searches?…&page=`: adopt a search proven ours, else collect candidates, else create. */
  z.object({
    step: z.literal('find'),
    ...window,
    page: z.number().int().positive(),
    candidates: z.array(searchId).max(MAX_CANDIDATES),
  }),
  /** `GET /searches/{candidates[0]}`: adopt it when it is ours, else the next one, else create. */
  z.object({
    step: z.literal('verify'),
    ...window,
    candidates: z.array(searchId).min(1).max(MAX_CANDIDATES),
  }),
  /** `POST /searches`; a retry looks (find) instead. */
  z.object({ step: z.literal('create'), ...window }),
] as const;

/** The small outcome a monitor step carries: identifiers and words, no names. */
const carriedOutcome = z.looseObject({
  outcome: z.enum(['clear', 'hits', 'unrecognised']),
  providerWords: z.string(),
  customerIdentifier: searchId,
  screeningIdentifier: searchId,
  externalIdentifier: z.string(),
  workflowStatus: z.string(),
  caseExpected: z.boolean(),
  amlTypes: z.array(z.string()),
  alertIdentifiers: z.array(z.string()),
  recoveredFromDuplicate: z.boolean(),
});

const carriedRescore = z.looseObject({
  customerIdentifier: z.string().min(1),
  outcome: z.literal('pending'),
  screeningIdentifier: searchId,
  providerWords: z.string(),
});

const createAndScreenResume = z.discriminatedUnion('step', [
  ...lookupSteps,
  /** `PATCH /searches/{searchId}/monitors {is_monitored: true}`, then the carried outcome. */
  z.object({ step: z.literal('monitor'), searchId, outcome: carriedOutcome }),
]);
export type CreateAndScreenResume = z.output<typeof createAndScreenResume>;

const rescoreResume = z.discriminatedUnion('step', [
  ...lookupSteps,
  z.object({ step: z.literal('monitor'), searchId, outcome: carriedRescore }),
]);
export type RescoreResume = z.output<typeof rescoreResume>;

type Lookup = Extract<CreateAndScreenResume, { step: 'find' | 'verify' | 'create' }>;
type Window = Pick<Lookup, 'dateFrom' | 'since'>;

function parseResume<S extends z.ZodType>(
  schema: S,
  resume: ScreeningResume | undefined,
  operation: string,
): z.output<S> | undefined {
  if (resume === undefined) return undefined;
  const parsed = schema.safeParse(resume);
  if (parsed.success) return parsed.data;
  throw finalFailure(
    'CaClassicInvalidResume',
    `ComplyAdvantage classic ${operation}: resume step ${JSON.stringify(String(resume.step)).slice(0, 40)} is not one this adapter wrote`,
    operation,
  );
}

/** Narrowed to what `ScreeningResume` promises (a `step` and details). */
const next = <T extends { step: string }>(step: T): ScreeningResume => step;

/** One screening's run of steps: what differs between createAndScreen and updateAndRescore. */
interface Flow<A> {
  operation: 'createAndScreen' | 'updateAndRescore';
  customer: MeshCustomer;
  profile: string;
  monitoringEnabled: boolean;
  /** Searches never adopted (a re-score's subject: the search before the update). */
  exclude: readonly string[];
  /** Look before creating on the first call (an earlier call's answer may be lost). */
  lookFirst: boolean;
  /** The answer once the search exists (the monitor step carries it). */
  answer(search: CaClassicSearch, recovered: boolean): A;
  continues(step: ScreeningResume): ScreeningContinues;
}

/** How many listed searches a lookup by external identifier reads to find the one that is ours. */
const MAX_LOOKUP_READS = 5;

export function createCaClassicActivities(deps: CaClassicActivityDeps): ScreeningActivities {
  const { api } = deps;
  const tagName = deps.config.tagName;
  const logger: ActivityLogger = deps.logger ?? log;
  const now = deps.clock ?? (() => new Date());
  const call = <T>(fn: () => Promise<T>): Promise<T> => callCaClassic(fn, { logger });
  const info = () => Context.current().info;

  /** The window of a lookup started now: from the day before the step was first scheduled. */
  function windowOf(withSince: boolean): Window {
    const scheduled = info().scheduledTimestampMs;
    const at = Number.isFinite(scheduled) && scheduled > 0 ? scheduled : now().getTime();
    return {
      dateFrom: new Date(at - DAY_MS).toISOString().slice(0, 10),
      ...(withSince && { since: new Date(at - SINCE_MARGIN_MS).toISOString() }),
    };
  }

  function refuseIncomplete(customer: MeshCustomer, operation: string): void {
    const problems = searchProblemsOf(customer);
    if (problems.length === 0) return;
    logger.warn('ca-classic cannot search for this customer; nothing sent', {
      operation,
      externalIdentifier: customer.external_identifier,
      fields: problems.map((p) => p.slice(0, p.indexOf(':'))),
    });
    throw finalFailure('CaClassicApplicantIncomplete', problems.join('\n'), operation);
  }

  /** Whether a search read back may be adopted as this step's own: proven ours, not excluded, new enough. */
  function adoptable<A>(flow: Flow<A>, search: CaClassicSearch, since: string | undefined) {
    if (flow.exclude.includes(search.id)) return 'theirs' as const;
    if (since !== undefined) {
      const created = createdAtMs(search);
      // Without a readable date the search cannot be proven new: not adopted.
      if (created === undefined || created < Date.parse(since)) return 'theirs' as const;
    }
    return ownershipOf(search, flow.customer.external_identifier, tagName);
  }

  function created<A>(flow: Flow<A>, search: CaClassicSearch, recovered: boolean): A | ScreeningContinues {
    const answer = flow.answer(search, recovered);
    if (!flow.monitoringEnabled) return answer;
    // The id is recorded (this `next`) before monitoring is switched on.
    return flow.continues(next({ step: 'monitor', searchId: search.id, outcome: answer }));
  }

  function lookupQuery<A>(flow: Flow<A>, step: Extract<Lookup, { step: 'find' }>): CaClassicSearchQuery {
    const tags = tagFilterOf(tagName, flow.customer.external_identifier);
    const term = searchTermOf(flow.customer);
    const text = term !== undefined ? searchTermText(term) : '';
    return {
      ...(tags !== undefined ? { tags } : text.length >= 3 ? { search_term: text } : {}),
      date_from: step.dateFrom,
      sort_by: 'created_at',
      sort_dir: 'desc',
      per_page: MAX_PER_PAGE,
      page: step.page,
    };
  }

  async function find<A>(
    flow: Flow<A>,
    step: Extract<Lookup, { step: 'find' }>,
  ): Promise<A | ScreeningContinues> {
    const page = await call(() => api.listSearches(lookupQuery(flow, step)));
    const candidates = [...step.candidates];
    for (const search of page) {
      const ownership = adoptable(flow, search, step.since);
      if (ownership === 'ours') {
        logger.info('ca-classic search created by an earlier call found; adopting it', {
          operation: flow.operation,
          externalIdentifier: flow.customer.external_identifier,
          searchId: search.id,
        });
        return created(flow, search, true);
      }
      if (ownership === 'unknown' && candidates.length < MAX_CANDIDATES && !candidates.includes(search.id)) {
        candidates.push(search.id);
      }
    }
    const window: Window = {
      dateFrom: step.dateFrom,
      ...(step.since !== undefined && { since: step.since }),
    };
    if (page.length >= MAX_PER_PAGE) {
      return flow.continues(next({ step: 'find', ...window, page: step.page + 1, candidates }));
    }
    if (candidates.length > 0) return flow.continues(next({ step: 'verify', ...window, candidates }));
    logger.info('ca-classic lookup found no search of ours; creating one', {
      operation: flow.operation,
      externalIdentifier: flow.customer.external_identifier,
      pages: step.page,
    });
    return flow.continues(next({ step: 'create', ...window }));
  }

  async function verify<A>(
    flow: Flow<A>,
    step: Extract<Lookup, { step: 'verify' }>,
  ): Promise<A | ScreeningContinues> {
    const [candidate, ...rest] = step.candidates as [string, ...string[]];
    const search = await call(() =>
      api.getSearch(candidate).catch((err: unknown) => {
        // Listed a moment ago and gone since: not ours to adopt.
        if (err instanceof CaClassicError && err.kind === 'CaClassicNotFound') return undefined;
        throw err;
      }),
    );
    if (search !== undefined && adoptable(flow, search, step.since) === 'ours') {
      logger.info('ca-classic search created by an earlier call found; adopting it', {
        operation: flow.operation,
        externalIdentifier: flow.customer.external_identifier,
        searchId: search.id,
      });
      return created(flow, search, true);
    }
    const window: Window = {
      dateFrom: step.dateFrom,
      ...(step.since !== undefined && { since: step.since }),
    };
    if (rest.length > 0) return flow.continues(next({ step: 'verify', ...window, candidates: rest }));
    return flow.continues(next({ step: 'create', ...window }));
  }

  async function create<A>(flow: Flow<A>): Promise<A | ScreeningContinues> {
    const body = searchBodyOf(flow.customer, flow.profile, tagName);
    if (body === undefined) throw new Error('unreachable: refuseIncomplete lets no such customer through');
    const search = await call(() => api.createSearch(body));
    logger.info('ca-classic search created', {
      operation: flow.operation,
      externalIdentifier: flow.customer.external_identifier,
      searchId: search.id,
      matchStatus: search.matchStatus,
      totalHits: search.totalHits,
    });
    return created(flow, search, false);
  }

  /** One step of a screening: at most one HTTP call. */
  async function run<A>(
    flow: Flow<A>,
    step: CreateAndScreenResume | RescoreResume | undefined,
  ): Promise<A | ScreeningContinues> {
    refuseIncomplete(flow.customer, flow.operation);
    const attempt = info().attempt;
    if (step === undefined || step.step === 'create') {
      if (step === undefined && flow.lookFirst) {
        // The earlier call may be older than this one: no `since`, the day window only.
        return flow.continues(next({ step: 'find', ...windowOf(false), page: 1, candidates: [] }));
      }
      if (attempt > 1) {
        logger.info('ca-classic search creation retried; looking for the search an earlier attempt made', {
          operation: flow.operation,
          externalIdentifier: flow.customer.external_identifier,
          attempt,
        });
        // The step's own window when it has one (a create after a lookup); else from this step's schedule.
        const fresh = windowOf(true);
        const since = step?.since ?? fresh.since;
        return flow.continues(
          next({
            step: 'find',
            dateFrom: step?.dateFrom ?? fresh.dateFrom,
            ...(since !== undefined && { since }),
            page: 1,
            candidates: [],
          }),
        );
      }
      return create(flow);
    }
    switch (step.step) {
      case 'find':
        return find(flow, step);
      case 'verify':
        return verify(flow, step);
      case 'monitor': {
        const monitor = await call(() => api.patchMonitors(step.searchId, true));
        logger.info('ca-classic monitoring switched', {
          operation: flow.operation,
          searchId: step.searchId,
          enabled: monitor.isMonitored ?? true,
        });
        return step.outcome as A;
      }
    }
  }

  function screeningOutcome(search: CaClassicSearch, externalIdentifier: string, recovered: boolean) {
    const outcome = screeningOutcomeOf(search);
    const caseExpected = outcome !== 'clear';
    const screeningResult = screeningResultOf(search);
    const result: ScreeningOutcome = {
      outcome,
      providerWords: providerWordsOf(search),
      customerIdentifier: search.id,
      screeningIdentifier: search.id,
      caseExpected,
      ...(caseExpected && { caseIdentifier: search.id }),
      externalIdentifier: search.clientRef ?? externalIdentifier,
      workflowStatus: 'COMPLETED',
      ...(search.riskLevel !== undefined && { riskLevel: search.riskLevel }),
      ...(screeningResult !== undefined && { screeningResult }),
      amlTypes: amlTypesOf(search),
      alertIdentifiers: [],
      recoveredFromDuplicate: recovered,
    };
    logger.info('customer screened', {
      externalIdentifier,
      searchId: search.id,
      matchStatus: search.matchStatus,
      outcome,
      recoveredFromDuplicate: recovered,
    });
    return result;
  }

  function caseSnapshotOf(search: CaClassicSearch): CaseSnapshot {
    return {
      caseIdentifier: search.id,
      verdict: caseVerdictOf(search),
      caseType: 'CUSTOMER_ONBOARDING',
      decisionType: decisionTypeOf(search),
      ...(search.clientRef !== undefined && { externalIdentifier: search.clientRef }),
    };
  }

  function recordOf(search: CaClassicSearch, operation: string): CustomerRecord {
    const externalIdentifier = search.clientRef ?? (tagName !== undefined ? search.tags[tagName] : undefined);
    if (externalIdentifier === undefined) {
      throw finalFailure(
        'CaClassicClientRefUnknown',
        `ComplyAdvantage classic ${operation}: search ${search.id} was read back without client_ref${tagName !== undefined ? ` or tag ${tagName}` : ''}: whose it is cannot be told, so it is not taken for one of this project's customers`,
        operation,
      );
    }
    return {
      customerIdentifier: search.id,
      externalIdentifier,
      ...(search.riskLevel !== undefined && { riskLevel: search.riskLevel }),
      customer: customerFromSearch(search, externalIdentifier),
    };
  }

  return {
    async createAndScreen(input: CreateAndScreenInput): Promise<ScreenResult> {
      const externalIdentifier = input.customer.external_identifier;
      const step = parseResume(createAndScreenResume, input.resume, 'createAndScreen');
      if (input.screeningConfigurationIdentifier.trim() === '') {
        throw finalFailure(
          'CaClassicSearchProfileMissing',
          'ComplyAdvantage classic createAndScreen: no search profile (screeningConfigurationIdentifier is empty)',
          'createAndScreen',
        );
      }
      return run<ScreeningOutcome>(
        {
          operation: 'createAndScreen',
          customer: input.customer,
          profile: input.screeningConfigurationIdentifier,
          monitoringEnabled: input.monitoringEnabled,
          exclude: [],
          lookFirst: input.lookFirst === true,
          answer: (search, recovered) => screeningOutcome(search, externalIdentifier, recovered),
          continues: (resume) => ({ next: resume }),
        },
        step,
      );
    },

    /** The search is the case: `GET /searches/{caseIdentifier ?? customerIdentifier}`; a 404 is final. */
    async checkOnboardingCase(input: CheckOnboardingCaseInput): Promise<CheckOnboardingCaseResult> {
      const id = input.caseIdentifier ?? input.customerIdentifier;
      const search = await call(() => api.getSearch(id));
      return { case: caseSnapshotOf(search), checkedAt: now().toISOString() };
    },

    /** Monitoring belongs to a search: `PATCH /searches/{screeningIdentifier ?? customerIdentifier}/monitors`. */
    async setMonitoring(input: SetMonitoringInput): Promise<{ enabled: boolean; next?: ScreeningResume }> {
      parseResume(z.never(), input.resume, 'setMonitoring');
      const id = input.screeningIdentifier ?? input.customerIdentifier;
      const monitor = await call(() => api.patchMonitors(id, input.enabled));
      logger.info('monitoring switched', {
        customerIdentifier: input.customerIdentifier,
        searchId: id,
        enabled: input.enabled,
      });
      return { enabled: monitor.isMonitored ?? input.enabled };
    },

    /**
     * A new search with the same `client_ref` (so dismissed hits stay dismissed) on the merged customer:
     * it is the run's case from now on (outcome `pending`: the run reads it). The same lost-answer
     * protection as a first screening; the subject's first search is never adopted as the new one.
     */
    async updateAndRescore(
      input: UpdateAndRescoreInput,
    ): Promise<RescoreOutcome | (ScreeningContinues & { customerIdentifier: string })> {
      const { customerIdentifier } = input;
      const step = parseResume(rescoreResume, input.resume, 'updateAndRescore');
      const profile = input.screeningConfigurationIdentifier ?? deps.config.searchProfile;
      if (profile === undefined || profile.trim() === '') {
        throw finalFailure(
          'CaClassicSearchProfileMissing',
          'ComplyAdvantage classic updateAndRescore: no search profile given and CA_CLASSIC_SEARCH_PROFILE unset',
          'updateAndRescore',
        );
      }
      return run<RescoreOutcome>(
        {
          operation: 'updateAndRescore',
          customer: input.customer,
          profile,
          monitoringEnabled: input.monitoringEnabled ?? false,
          exclude: [customerIdentifier],
          lookFirst: false,
          answer: (search, recovered) => {
            logger.info('customer re-screened', {
              customerIdentifier,
              searchId: search.id,
              matchStatus: search.matchStatus,
              recovered,
            });
            return {
              customerIdentifier,
              outcome: 'pending',
              screeningIdentifier: search.id,
              ...(search.riskLevel !== undefined && { riskLevel: search.riskLevel }),
              providerWords: providerWordsOf(search),
            };
          },
          continues: (resume) => ({ customerIdentifier, next: resume }),
        },
        step,
      ) as Promise<RescoreOutcome | (ScreeningContinues & { customerIdentifier: string })>;
    },

    /**
     * By id: the search (`client_ref`, or our tag, names whose it is). By external identifier: the oldest
     * search carrying our tag (`GET /searches?tags=`); without CA_CLASSIC_TAG_NAME no single call can find
     * it (`client_ref` is not a list filter): `CaClassicLookupUnsupported`.
     */
    async getCustomer(input: GetCustomerInput): Promise<CustomerRecord> {
      if ('customerIdentifier' in input) {
        const id = input.customerIdentifier;
        return recordOf(await call(() => api.getSearch(id)), 'getSearch');
      }
      const { externalIdentifier } = input;
      const tags = tagFilterOf(tagName, externalIdentifier);
      if (tags === undefined) {
        throw finalFailure(
          'CaClassicLookupUnsupported',
          tagName === undefined
            ? 'ComplyAdvantage classic getCustomer: a search cannot be found by external identifier without CA_CLASSIC_TAG_NAME (client_ref is not a list filter)'
            : 'ComplyAdvantage classic getCustomer: an external identifier containing "," or ":" cannot be asked for as a tag value',
          'listSearches',
        );
      }
      const page = await call(() =>
        api.listSearches({ tags, sort_by: 'created_at', sort_dir: 'asc', per_page: MAX_PER_PAGE }),
      );
      const candidates = page.filter((item) => ownershipOf(item, externalIdentifier, tagName) !== 'theirs');
      const listed = candidates.find((item) => ownershipOf(item, externalIdentifier, tagName) === 'ours');
      if (listed !== undefined) return recordOf(listed, 'listSearches');
      // List items may carry neither client_ref nor tags (the reference's list sample shows neither): the
      // search itself says whose it is. A lookup is rare (a reconciliation after a failover), so it may
      // read a few candidates in one activity.
      for (const candidate of candidates.slice(0, MAX_LOOKUP_READS)) {
        const full = await call(() => api.getSearch(candidate.id));
        if (ownershipOf(full, externalIdentifier, tagName) === 'ours') return recordOf(full, 'getSearch');
      }
      if (candidates.length === 0) {
        throw finalFailure(
          'CaClassicNotFound',
          `ComplyAdvantage classic getCustomer: no search listed under tag ${tagName} for this external identifier`,
          'listSearches',
        );
      }
      // Listed under our tag but never proven ours: not "nothing there" (fail closed: someone looks).
      throw finalFailure(
        'CaClassicLookupUnproven',
        `ComplyAdvantage classic getCustomer: ${candidates.length} search(es) listed under tag ${tagName}, none proven ours by client_ref or tag`,
        'getSearch',
      );
    },
  };
}

export { callCaClassic, finalFailure };
