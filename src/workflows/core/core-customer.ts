import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  sleep,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  CORE_FINAL_STATES,
  CORE_REQUEST_REFUSED,
  coreAmendCustomerUpdate,
  coreDecideUpdate,
  coreEventSignal,
  coreStatusQuery,
  coreTaskQueue,
  type CoreBankingActivities,
  type CoreContinuation,
  type CoreCustomerInput,
  type CoreCustomerRecord,
  type CoreEvent,
  type CoreReviewInput,
  type CoreState,
  type CoreStatus,
  type CoreTerms,
  type CoreWrite,
} from '../../contracts/core-banking';
import type { MeshCustomer } from '../../contracts/customer';
import { checkCustomerUpdate, checkOfficerDecision } from '../../contracts/message-checks';
import { OnboardingFailureType, type OfficerDecisionRequest } from '../../contracts/onboarding';
import type { ScreeningProviderName } from '../../contracts/screening-provider';
import {
  kycCoreCustomerId,
  kycCoreState,
  kycExternalIdentifier,
  kycScreeningProvider,
} from '../../contracts/search-attributes';
import { mergeCustomer } from '../common/customer-merge';
import { failureTypeOf } from '../common/failures';
import { termsActivities } from '../common/provider-activities';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { startOffboarding } from '../operations/start-offboarding';
import { addressBody, customerBody, phoneBody, type CoreBody } from './core-requests';
import { isPepHit, scanVerdict } from './scan-rules';

/**
 * The customer in the bank's core-banking system (COS), after its onboarding was approved
 * (docs/providers/cos.md; the whole flow in docs/workflow.md). `coreCustomerOnboarding` creates the
 * customer, its primary address and phone, then waits for the core's own OFAC and PEP scans;
 * `coreCustomerReview` watches a customer already CORE_READY whose OFAC status changed (the core rescans
 * nightly). COS events are hints that reach the run through the bridge (`coreEvent`); the run reads the
 * customer before acting, and reads it every CORE_POLL_INTERVAL anyway, in case an event was lost.
 */

/**
 * One COS write: a customer must not be lost to an outage, so there is no attempt limit; every retry resends
 * the recorded body under the same key, and COS replays its first answer instead of creating a second record.
 */
const CORE_WRITE: ActivityOptions = {
  heartbeatTimeout: '10 seconds',
  // COS asks callers to wait at least 30 s for an answer; a 401 then costs a token fetch and one more call.
  startToCloseTimeout: '75 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
};

/** A read of the scans: cheap to skip, the next event or poll reads again. */
const CORE_READ: ActivityOptions = {
  heartbeatTimeout: '10 seconds',
  startToCloseTimeout: '75 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '30 seconds', maximumAttempts: 3 },
};

/** When neither the run nor the worker says otherwise (CORE_POLL_INTERVAL, CORE_REVIEW_DEADLINE). */
const DEFAULT_POLL_INTERVAL_MS = 15 * 60_000;
const DEFAULT_REVIEW_DEADLINE_MS = 7 * 24 * 3_600_000;

function coreActivities(preset: ActivityOptions) {
  return proxyActivities<CoreBankingActivities>({
    ...preset,
    taskQueue: coreTaskQueue(workflowInfo().taskQueue),
  });
}

interface CoreRun {
  status: CoreStatus;
  /** Set only by a continuation: the PEP value an officer accepted earlier. */
  pepAccepted?: string | undefined;
  /** Hands the wait to a fresh run when the history grows long (never returns). */
  continueAsNew(continuation: CoreContinuation): Promise<never>;
  terms: Pick<CoreTerms, 'pollIntervalMs' | 'reviewDeadlineMs'>;
  provider: ScreeningProviderName | undefined;
  account: string | undefined;
  screeningCustomerId: string | undefined;
  deadlineAt: number;
}

/**
 * The run's messages: events (deduplicated by event id), data for CORE_INCOMPLETE, an officer's decision
 * on a PEP hit. Set up before the first await, so nothing sent early is lost.
 */
function openInbox(
  status: CoreStatus,
  seenEventIds: readonly string[],
  onData?: (update: Partial<MeshCustomer>) => void,
) {
  const seenEvents = new Set<string>(seenEventIds);
  const inbox = {
    events: [] as CoreEvent[],
    decisions: [] as { request: OfficerDecisionRequest; done: boolean; refusal?: ApplicationFailure }[],
    dataChanged: false,
    seenEvents,
  };
  const refuse = (message: string) =>
    ApplicationFailure.create({ type: OnboardingFailureType.UPDATE_REFUSED, message, nonRetryable: true });
  const isFinal = () => CORE_FINAL_STATES.includes(status.state);

  setHandler(coreStatusQuery, () => status);
  setHandler(coreEventSignal, (event) => {
    if (seenEvents.has(event.eventId)) return;
    seenEvents.add(event.eventId);
    inbox.events.push(event);
  });
  setHandler(
    coreAmendCustomerUpdate,
    async (update) => {
      onData?.(update.customer);
      inbox.dataChanged = true;
      // Answered once the data was used: sent to COS, or still short of something (CORE_INCOMPLETE again).
      await condition(() => (!inbox.dataChanged && status.state !== 'CORE_CREATING') || isFinal());
      return status;
    },
    {
      validator: (update) => {
        if (onData === undefined) throw refuse('a review of a core-banking customer takes no customer data');
        // Data reaches COS only while a write waits for it; after that an update would be taken and never sent.
        if (status.state !== 'CORE_INCOMPLETE') {
          throw refuse(
            `the core-banking customer is ${status.state}: data is taken only while CORE_INCOMPLETE names what is missing; nothing was changed`,
          );
        }
        const checked = checkCustomerUpdate(update, status.externalIdentifier);
        if (!checked.ok) throw refuse(`invalid update: ${checked.problems.join('; ')}`);
      },
    },
  );
  setHandler(
    coreDecideUpdate,
    async (request) => {
      const item: (typeof inbox.decisions)[number] = { request, done: false };
      inbox.decisions.push(item);
      await condition(() => item.done);
      if (item.refusal !== undefined) throw item.refusal;
      return status;
    },
    {
      validator: (request) => {
        const checked = checkOfficerDecision(request);
        if (!checked.ok) throw refuse(`invalid decision: ${checked.problems.join('; ')}`);
        if (status.state !== 'CORE_REVIEW') {
          throw refuse(
            `the core-banking customer is ${status.state}: an officer decides only a PEP hit (CORE_REVIEW)`,
          );
        }
      },
    },
  );
  return inbox;
}

type Inbox = ReturnType<typeof openInbox>;

function newStatus(externalIdentifier: string, state: CoreState): CoreStatus {
  return {
    state,
    externalIdentifier,
    escalated: false,
    eventsSeen: 0,
    history: [{ state, at: new Date().toISOString() }],
  };
}

function enter(status: CoreStatus, state: CoreState, reason?: string): void {
  status.state = state;
  if (reason !== undefined) status.reason = reason;
  status.history.push({ state, at: new Date().toISOString(), ...(reason !== undefined && { reason }) });
  upsertSearchAttributes([{ key: kycCoreState, value: state }]);
}

/** What a fresh read says, and only that: a scan value the read lacks is unknown now, not its old value. */
function noteRecord(status: CoreStatus, record: CoreCustomerRecord): void {
  if (record.cifNumber !== undefined) status.cifNumber = record.cifNumber;
  if (record.ofac !== undefined) status.ofac = record.ofac;
  else delete status.ofac;
  if (record.pepScan !== undefined) status.pepScan = record.pepScan;
  else delete status.pepScan;
}

/**
 * Waits for the scans to settle: reads the customer at once, after every event naming it, and every poll
 * interval; decides on what it read (scan-rules.ts); an officer's decision settles a PEP hit. Ends in a
 * final state, CORE_EXPIRED at the deadline.
 */
async function watchScans(run: CoreRun, inbox: Inbox): Promise<void> {
  const { status } = run;
  const reads = coreActivities(CORE_READ);
  // The PEP value an officer accepted: another hit value later is a new question for an officer.
  let pepAccepted: string | undefined = run.pepAccepted;
  let nextReadAt = Date.now();
  let expiring = false;
  const final = () => CORE_FINAL_STATES.includes(status.state);

  async function decline(reason: string, requestId: string): Promise<void> {
    // The offboarding switches monitoring off at the screening provider first, then marks the customer.
    status.offboardingWorkflowId = await startOffboarding({
      externalIdentifier: status.externalIdentifier,
      ...(run.screeningCustomerId !== undefined && { customerIdentifier: run.screeningCustomerId }),
      ...(run.provider !== undefined && { provider: run.provider }),
      ...(run.account !== undefined && { account: run.account }),
      reason,
      requestId,
    });
    enter(status, 'CORE_DECLINED', reason);
  }

  async function decide(): Promise<void> {
    const accepted = pepAccepted !== undefined && pepAccepted === status.pepScan;
    const verdict = scanVerdict(status, accepted);
    const scans = `OFAC ${status.ofac ?? 'unknown'}, PEP ${status.pepScan ?? 'unknown'}`;
    if (verdict === 'DECLINE') {
      await decline(`core OFAC scan Positive (${scans})`, `core-ofac-positive-${status.coreCustomerId}`);
    } else if (verdict === 'READY') {
      enter(status, 'CORE_READY', accepted ? `${scans}; PEP accepted by an officer` : scans);
    } else if (verdict === 'PEP_REVIEW') {
      if (status.state !== 'CORE_REVIEW') {
        status.escalated = true;
        enter(status, 'CORE_REVIEW', `${scans}: a PEP hit, an officer decides (enhanced due diligence)`);
      }
    } else if (status.state === 'CORE_REVIEW' && !isPepHit(status.pepScan)) {
      enter(status, 'CORE_SCANNING', `${scans}: the PEP hit was withdrawn by the core`);
    } else {
      status.reason = `${scans}: waiting for the core's scans`;
    }
  }

  async function read(): Promise<void> {
    try {
      noteRecord(status, await reads.readCoreCustomer({ customerId: status.coreCustomerId! }));
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('core customer read failed; the next event or poll reads again', {
        failureType: failureTypeOf(err),
      });
      return;
    }
    await decide();
  }

  while (!final()) {
    const officer = inbox.decisions.shift();
    if (officer !== undefined) {
      const { outcome, actor, reason } = officer.request;
      if (status.state !== 'CORE_REVIEW') {
        // The scans moved on since the Update was accepted (a read in between): the officer decides again.
        officer.refusal = ApplicationFailure.create({
          type: OnboardingFailureType.UPDATE_REFUSED,
          message: `the core-banking customer is ${status.state} now, no longer CORE_REVIEW: nothing was changed`,
          nonRetryable: true,
        });
        officer.done = true;
        continue;
      }
      status.officerDecision = { outcome, actor, reason, at: new Date().toISOString() };
      if (outcome === 'REJECT') {
        await decline(
          `PEP hit rejected by a compliance officer (${actor})`,
          `core-officer-reject-${status.coreCustomerId}`,
        );
      } else {
        pepAccepted = status.pepScan;
        enter(status, 'CORE_SCANNING', `PEP hit accepted by a compliance officer (${actor})`);
        // Read again: OFAC may have changed since the last read, and only a fresh read makes a customer ready.
        await read();
        nextReadAt = Date.now() + run.terms.pollIntervalMs;
      }
      officer.done = true;
      continue;
    }
    inbox.dataChanged = false;
    const events = inbox.events.splice(0);
    if (events.length > 0) {
      status.eventsSeen += events.length;
      if (events.some((event) => event.coreCustomerId === status.coreCustomerId)) nextReadAt = Date.now();
    }
    const now = Date.now();
    if (now >= run.deadlineAt && !expiring) {
      // One last read first: a decline (or a clearance) that came meanwhile is not lost to the deadline.
      expiring = true;
      await read();
      continue;
    }
    if (now >= run.deadlineAt) {
      enter(
        status,
        'CORE_EXPIRED',
        `the core's scans did not clear before the deadline (${status.reason ?? ''})`,
      );
      break;
    }
    if (now >= nextReadAt) {
      await read();
      nextReadAt = Date.now() + run.terms.pollIntervalMs;
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.events.length === 0 && inbox.decisions.length === 0) {
        await run.continueAsNew({
          status,
          deadlineAt: run.deadlineAt,
          ...(pepAccepted !== undefined && { pepAccepted }),
          seenEventIds: [...inbox.seenEvents],
        });
      }
      continue;
    }
    await condition(
      () => inbox.events.length > 0 || inbox.decisions.length > 0 || inbox.dataChanged,
      Math.min(run.deadlineAt, nextReadAt) - now,
    );
  }
  // Decisions that came too late to be taken are refused, never answered as if applied.
  for (const item of inbox.decisions.splice(0)) {
    item.refusal = ApplicationFailure.create({
      type: OnboardingFailureType.UPDATE_REFUSED,
      message: `the core-banking customer is ${status.state}: nothing was changed`,
      nonRetryable: true,
    });
    item.done = true;
  }
}

/**
 * The customer in COS: create it, its primary address and its phone (each write once, whatever is lost on
 * the way), then wait for its scans. Started by an approved onboarding as `core-customer-<external_identifier>`;
 * it outlives that run.
 */
export async function coreCustomerOnboarding(input: CoreCustomerInput): Promise<CoreStatus> {
  let customer = input.customer;
  const continued = input.continuation;
  const status = continued?.status ?? newStatus(input.externalIdentifier, 'CORE_CREATING');
  const inbox = openInbox(status, continued?.seenEventIds ?? [], (update) => {
    customer = mergeCustomer(customer, update);
  });
  const run: CoreRun = {
    status,
    terms: input.terms,
    provider: input.screening?.provider,
    account: input.screening?.account,
    screeningCustomerId: input.screening?.customerIdentifier,
    deadlineAt: continued?.deadlineAt ?? Date.now() + input.terms.reviewDeadlineMs,
    ...(continued !== undefined && { pepAccepted: continued.pepAccepted }),
    continueAsNew: (continuation) =>
      continueAsNew<typeof coreCustomerOnboarding>({ ...input, customer, continuation }),
  };
  if (continued !== undefined) {
    await watchScans(run, inbox);
    return status;
  }
  upsertSearchAttributes([
    { key: kycExternalIdentifier, value: input.externalIdentifier },
    { key: kycCoreState, value: status.state },
    ...(input.screening !== undefined
      ? [{ key: kycScreeningProvider, value: input.screening.provider }]
      : []),
  ]);
  const writes = coreActivities(CORE_WRITE);
  const seedOf = (step: string) => `${workflowInfo().workflowId}|${step}`;
  const allThree = (c: MeshCustomer): CoreBody => {
    const missing = [customerBody(c, input.terms.partnerId), addressBody(c), phoneBody(c)].flatMap((built) =>
      'missing' in built ? built.missing : [],
    );
    return missing.length > 0 ? { missing } : { body: '' };
  };

  /** Waits in CORE_INCOMPLETE for an `amendCustomer`; false (and CORE_EXPIRED) when the deadline came first. */
  async function awaitAmendment(expiredReason: string): Promise<boolean> {
    inbox.dataChanged = false;
    const supplied = await condition(() => inbox.dataChanged, Math.max(0, run.deadlineAt - Date.now()));
    if (!supplied) enter(status, 'CORE_EXPIRED', expiredReason);
    return supplied;
  }

  /**
   * The body of one write, waiting in CORE_INCOMPLETE (naming what is missing) until an `amendCustomer`
   * supplies it; undefined when the deadline passed first.
   */
  async function bodyOf(build: (c: MeshCustomer) => CoreBody): Promise<string | undefined> {
    for (;;) {
      const built = build(customer);
      if ('body' in built) {
        inbox.dataChanged = false;
        delete status.missing;
        if (status.state === 'CORE_INCOMPLETE')
          enter(status, 'CORE_CREATING', 'the missing data was supplied');
        return built.body;
      }
      status.missing = built.missing;
      if (status.state !== 'CORE_INCOMPLETE') {
        enter(
          status,
          'CORE_INCOMPLETE',
          `missing for the core-banking customer: ${built.missing.join(', ')}`,
        );
      }
      if (!(await awaitAmendment(`still missing at the deadline: ${built.missing.join(', ')}`)))
        return undefined;
    }
  }

  /**
   * One write; a refusal about the data (400/422) waits for corrected data and sends it under a new key
   * (the refused body is never resent). Undefined when the deadline passed first.
   */
  async function write<R>(
    step: string,
    build: (c: MeshCustomer) => CoreBody,
    send: (request: CoreWrite) => Promise<R>,
  ): Promise<R | undefined> {
    // A refused body is never sent again: the corrected one goes under a key of its own.
    let refusals = 0;
    let body = await bodyOf(build);
    while (body !== undefined) {
      try {
        return await send({
          idempotencySeed: seedOf(refusals === 0 ? step : `${step}#${refusals + 1}`),
          body,
        });
      } catch (err) {
        if (isCancellation(err)) throw err;
        const refusedBy = failureTypeOf(err);
        if (refusedBy !== CORE_REQUEST_REFUSED) {
          // Not a refusal of the data (the write may have happened): the same bytes again, same key, later.
          log.warn('core write failed; sent again with the same key', { step, failureType: refusedBy });
          await sleep(60_000);
          continue;
        }
        refusals += 1;
        status.missing = [];
        enter(status, 'CORE_INCOMPLETE', `COS refused the ${step} (${refusedBy}): amend the customer's data`);
        const expired = `COS refused the ${step} and no corrected data came before the deadline`;
        body = (await awaitAmendment(expired)) ? await bodyOf(build) : undefined;
      }
    }
    return undefined;
  }

  // Everything the core needs is there before the customer is created: a customer that exists makes the
  // core scan it, and a wait for data afterwards would leave those scans unwatched.
  if ((await bodyOf(allThree)) === undefined) return status;
  const created = await write(
    'customer',
    (c) => customerBody(c, input.terms.partnerId),
    (request) => writes.createCoreCustomer(request),
  );
  if (created === undefined) return status;
  status.coreCustomerId = created.id;
  noteRecord(status, created);
  upsertSearchAttributes([{ key: kycCoreCustomerId, value: created.id }]);
  const customerId = created.id;
  if (
    (await write('address', addressBody, (request) => writes.addCoreAddress({ ...request, customerId }))) ===
    undefined
  ) {
    return status;
  }
  if (
    (await write('phone', phoneBody, (request) => writes.addCorePhone({ ...request, customerId }))) ===
    undefined
  ) {
    return status;
  }
  enter(status, 'CORE_SCANNING', 'customer, address and phone created; waiting for the OFAC and PEP scans');
  await watchScans(run, inbox);
  return status;
}

/**
 * A customer already CORE_READY whose OFAC status changed (a nightly rescan): read it and decide as at
 * onboarding. Positive offboards; a PEP hit goes to an officer; anything under review waits until the deadline.
 */
export async function coreCustomerReview(input: CoreReviewInput): Promise<CoreStatus> {
  const continued = input.continuation;
  const status = continued?.status ?? newStatus(input.externalIdentifier, 'CORE_SCANNING');
  status.coreCustomerId = input.coreCustomerId;
  const inbox = openInbox(status, continued?.seenEventIds ?? [input.event.eventId]);
  if (continued !== undefined) {
    const terms = {
      pollIntervalMs: input.terms?.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      reviewDeadlineMs: input.terms?.reviewDeadlineMs ?? DEFAULT_REVIEW_DEADLINE_MS,
    };
    await watchScans(
      {
        status,
        terms,
        provider: input.provider,
        account: input.account,
        screeningCustomerId: undefined,
        deadlineAt: continued.deadlineAt,
        pepAccepted: continued.pepAccepted,
        continueAsNew: (continuation) => continueAsNew<typeof coreCustomerReview>({ ...input, continuation }),
      },
      inbox,
    );
    return status;
  }
  // The triggering event is the first hint; later ones for this customer reach the onboarding's run, not this one.
  status.eventsSeen = 1;
  // KycCoreCustomerId: later events for this customer reach this review while it runs (the bridge's lookup).
  upsertSearchAttributes([
    { key: kycExternalIdentifier, value: input.externalIdentifier },
    { key: kycCoreState, value: status.state },
    { key: kycCoreCustomerId, value: input.coreCustomerId },
    ...(input.provider !== undefined ? [{ key: kycScreeningProvider, value: input.provider }] : []),
  ]);
  let pollIntervalMs = input.terms?.pollIntervalMs;
  let reviewDeadlineMs = input.terms?.reviewDeadlineMs;
  if (pollIntervalMs === undefined || reviewDeadlineMs === undefined) {
    const worker = await termsActivities().resolveCoreTerms();
    pollIntervalMs ??= worker?.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    reviewDeadlineMs ??= worker?.reviewDeadlineMs ?? DEFAULT_REVIEW_DEADLINE_MS;
  }
  const terms = { pollIntervalMs, reviewDeadlineMs };
  await watchScans(
    {
      status,
      terms,
      provider: input.provider,
      account: input.account,
      screeningCustomerId: undefined,
      deadlineAt: Date.now() + reviewDeadlineMs,
      // The continuation carries the resolved durations: no second local activity.
      continueAsNew: (continuation) =>
        continueAsNew<typeof coreCustomerReview>({ ...input, terms, continuation }),
    },
    inbox,
  );
  return status;
}

setWorkflowOptions(
  behaviourWhenVersioned(VERSIONING_BEHAVIOR.coreCustomerOnboarding),
  coreCustomerOnboarding,
);
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.coreCustomerReview), coreCustomerReview);
