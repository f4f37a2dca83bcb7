import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  setWorkflowOptions,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  caClassicSearchEventSignal,
  type CaClassicSearchEvent,
  type CaClassicSearchEventsInput,
} from '../../contracts/ca-classic';
import type { CaseDecision } from '../../contracts/case-decision';
import type { CaseSnapshot } from '../../contracts/screening-activities';
import { kycExternalIdentifier } from '../../contracts/search-attributes';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { providerActivities } from '../common/provider-activities';
import { deliverRead, readScreeningCase, startMonitoringReviewOnce } from './event-delivery';

const ONBOARDING_CASE_TYPE = 'CUSTOMER_ONBOARDING';

/**
 * After this long without an event the run continues as new (keeping whose search it is), or ends when it
 * never learned that; the bridge's next signal-with-start starts it again.
 */
const IDLE_MS = 30 * 24 * 3600 * 1000;

const REPEAT_WINDOW_MS = 10 * 60 * 1000;

export interface CaClassicSearchEventsStatus {
  searchId: string;
  account: string;
  externalIdentifier?: string;
  events: number;
  duplicates: number;
  reads: number;
  /** What the last read found, in the port's words. */
  lastVerdict?: CaseSnapshot['verdict'];
  deliveries: { onboarding: number; monitoringReview: number; noRunningWorkflow: number; unroutable: number };
  monitoringReviewWorkflowId?: string;
}

interface CarriedOver {
  seenEventIds: string[];
  status: CaClassicSearchEventsStatus;
}

/**
 * The event inbox of one ComplyAdvantage classic search (`ca-classic-search-<account>-<searchId>`). The
 * onboarding starts it once the search exists (so it knows whose search it is, and its first read reaches
 * a run that is still waiting); the bridge signals it with signal-with-start for every accepted webhook.
 * Classic webhooks are unsigned and mostly name only the search: each batch of events makes this run
 * re-read the search through the account's rate-limited queue and hand what it read to the onboarding
 * `onboarding-<client_ref>` as a `provider-read` decision, which the onboarding acts on for its own case
 * only. Monitoring changes (new or updated entities) start a monitoring review; so does an open search no
 * onboarding waits for. A repeated body (same sha256) changes nothing.
 */
export async function caClassicSearchEvents(
  input: CaClassicSearchEventsInput,
  carriedOver?: CarriedOver,
): Promise<CaClassicSearchEventsStatus> {
  const status: CaClassicSearchEventsStatus = carriedOver?.status ?? {
    searchId: input.searchId,
    account: input.account,
    ...(input.externalIdentifier !== undefined && { externalIdentifier: input.externalIdentifier }),
    events: 0,
    duplicates: 0,
    reads: 0,
    deliveries: { onboarding: 0, monitoringReview: 0, noRunningWorkflow: 0, unroutable: 0 },
  };
  // Event ids are body hashes: a status that goes A → B → A sends A's body again, a real change. So a
  // repeat is dropped only within REPEAT_WINDOW_MS (a replay or retry), remembered no longer.
  const seenEventIds = new Map<string, number>(
    (carriedOver?.seenEventIds ?? []).map((id) => [id, Date.now()] as const),
  );
  const inbox: CaClassicSearchEvent[] = [];
  setHandler(caClassicSearchEventSignal, (event) => {
    const now = Date.now();
    for (const [id, at] of seenEventIds) if (now - at > REPEAT_WINDOW_MS) seenEventIds.delete(id);
    if (event.searchId !== input.searchId || seenEventIds.has(event.eventId)) {
      status.duplicates += 1;
      return;
    }
    seenEventIds.set(event.eventId, now);
    status.events += 1;
    if (status.externalIdentifier === undefined && event.clientRef !== undefined) {
      status.externalIdentifier = event.clientRef;
    }
    inbox.push(event);
  });
  if (status.externalIdentifier !== undefined) {
    upsertSearchAttributes([{ key: kycExternalIdentifier, value: status.externalIdentifier }]);
  }

  const ca = providerActivities({ provider: 'ca-classic', account: input.account });
  // Started by the onboarding for a re-screen: one read now, so a search no onboarding takes (a re-screen
  // after approval that found hits) still reaches a person.
  let pending: CaClassicSearchEvent[] | undefined =
    carriedOver === undefined && input.readAtStart === true ? [] : undefined;

  for (;;) {
    if (pending === undefined) {
      if (!(await condition(() => inbox.length > 0, IDLE_MS))) {
        // Idle. The run is the only record of whose search this is: it carries the link on rather than
        // end with it (a continuation holds nothing else, so it costs a few events a month).
        if (status.externalIdentifier === undefined) break;
        await condition(allHandlersFinished);
        if (inbox.length > 0) continue;
        await continueAsNew<typeof caClassicSearchEvents>(input, { seenEventIds: [], status });
      }
      pending = inbox.splice(0);
    }
    const batch = pending;
    pending = undefined;
    const snapshot = await readSearch();
    if (snapshot !== undefined) await route(batch, snapshot);
    if (workflowInfo().continueAsNewSuggested && inbox.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof caClassicSearchEvents>(input, {
        seenEventIds: [...seenEventIds.keys()],
        status,
      });
    }
  }
  await condition(allHandlersFinished);
  return status;

  function readSearch(): Promise<CaseSnapshot | undefined> {
    return readScreeningCase(ca, input.searchId, status);
  }

  async function route(batch: CaClassicSearchEvent[], snapshot: CaseSnapshot): Promise<void> {
    // The read's client_ref is ComplyAdvantage's own word; the event's or the onboarding's only stand in.
    if (snapshot.externalIdentifier !== undefined && snapshot.externalIdentifier !== '') {
      status.externalIdentifier = snapshot.externalIdentifier;
      upsertSearchAttributes([{ key: kycExternalIdentifier, value: snapshot.externalIdentifier }]);
    }
    const externalIdentifier = status.externalIdentifier;
    if (externalIdentifier === undefined) {
      status.deliveries.unroutable += 1;
      log.warn('a search whose customer is unknown: neither the read nor the events name it');
      return;
    }
    const last = batch[batch.length - 1];
    const decision: CaseDecision = {
      caseIdentifier: snapshot.caseIdentifier,
      decisionType: snapshot.decisionType,
      ...(snapshot.verdict !== undefined && { verdict: snapshot.verdict }),
      caseType: ONBOARDING_CASE_TYPE,
      source: 'provider-read',
      webhookId: `ca-classic:${last?.eventId ?? `read-${status.reads}`}`,
      receivedAt: last?.receivedAt ?? new Date().toISOString(),
    };
    const monitoringEvent = batch.find((event) => (event.monitoringChanges ?? 0) > 0);
    if (monitoringEvent !== undefined) {
      await startMonitoringReview(monitoringEvent.eventId, externalIdentifier, true);
    }
    const toOnboarding = await deliver(externalIdentifier, decision);
    const needsPerson = snapshot.verdict === 'open' || snapshot.verdict === 'unrecognised';
    if (!toOnboarding && needsPerson && status.monitoringReviewWorkflowId === undefined) {
      await startMonitoringReview(last?.eventId ?? `read-${status.reads}`, externalIdentifier, false);
    }
  }

  function deliver(externalIdentifier: string, decision: CaseDecision): Promise<boolean> {
    return deliverRead(externalIdentifier, decision, status);
  }

  async function startMonitoringReview(
    eventId: string,
    externalIdentifier: string,
    decisionAfterOpen: boolean,
  ): Promise<void> {
    // Event ids are sha256 hex: the first 16 characters keep the ID short and still one per change.
    const workflowId = `monitoring-case-ca-classic-${input.account}-${input.searchId}-${eventId.slice(0, 16)}`;
    await startMonitoringReviewOnce(workflowId, {
      caseIdentifier: input.searchId,
      externalIdentifier,
      customerIdentifier: input.searchId,
      provider: 'ca-classic',
      account: input.account,
      decisionAfterOpen,
    });
    status.monitoringReviewWorkflowId = workflowId;
  }
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.caClassicSearchEvents), caClassicSearchEvents);
