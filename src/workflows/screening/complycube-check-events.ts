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
import type { CaseDecision } from '../../contracts/case-decision';
import type { CaseSnapshot } from '../../contracts/screening-activities';
import {
  complyCubeCheckEventSignal,
  type ComplyCubeCheckEvent,
  type ComplyCubeCheckEventInput,
} from '../../contracts/screening-provider';
import { kycExternalIdentifier } from '../../contracts/search-attributes';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { providerActivities } from '../common/provider-activities';
import { failureTypeOf } from '../common/failures';
import { deliverRead, readScreeningCase, startMonitoringReviewOnce } from './event-delivery';

const ONBOARDING_CASE_TYPE = 'CUSTOMER_ONBOARDING';

/** Ends after this long without an event; the bridge's next signal-with-start starts it again. */
const IDLE_MS = 10 * 60 * 1000;

export interface ComplyCubeCheckEventsStatus {
  checkId: string;
  externalIdentifier?: string;
  events: number;
  duplicates: number;
  reads: number;
  /** What the last read found, in the port's words. */
  lastVerdict?: CaseSnapshot['verdict'];
  /** Where the reads went: the onboarding, a monitoring review, or nowhere (nothing running). */
  deliveries: { onboarding: number; monitoringReview: number; noRunningWorkflow: number };
  monitoringReviewWorkflowId?: string;
}

interface CarriedOver {
  seenEventIds: string[];
  status: ComplyCubeCheckEventsStatus;
}

/**
 * The event inbox of one ComplyCube check (ID `complycube-check-<checkId>`), started by the webhook
 * bridge with signal-with-start. A ComplyCube event names only the check and is a hint, never the
 * decision; the bridge keeps no database and never calls ComplyCube. So this run does: it reads the
 * check once per batch of events (through the rate-limited ComplyCube queue), finds the client's
 * external identifier (once), and hands what it read to the onboarding `onboarding-<externalId>` as a
 * `provider-read` decision; a `check.monitoring.*` event starts a monitoring review of the check. A
 * repeated event id changes nothing. It ends when idle.
 */
export async function complyCubeCheckEvents(
  input: ComplyCubeCheckEventInput,
  carriedOver?: CarriedOver,
): Promise<ComplyCubeCheckEventsStatus> {
  const status: ComplyCubeCheckEventsStatus = carriedOver?.status ?? {
    checkId: input.checkId,
    events: 0,
    duplicates: 0,
    reads: 0,
    deliveries: { onboarding: 0, monitoringReview: 0, noRunningWorkflow: 0 },
  };
  const seenEventIds = new Set(carriedOver?.seenEventIds ?? []);
  const inbox: ComplyCubeCheckEvent[] = [];
  setHandler(complyCubeCheckEventSignal, (event) => {
    if (event.checkId !== input.checkId || seenEventIds.has(event.eventId)) {
      status.duplicates += 1;
      return;
    }
    seenEventIds.add(event.eventId);
    status.events += 1;
    inbox.push(event);
  });

  const complycube = providerActivities({ provider: 'complycube' });

  for (;;) {
    if (!(await condition(() => inbox.length > 0, IDLE_MS))) break;
    const batch = inbox.splice(0);
    const snapshot = await readCheck();
    if (snapshot === undefined) continue;
    if (snapshot.caseType !== undefined && snapshot.caseType !== ONBOARDING_CASE_TYPE) {
      // Not a screening check (a document check): no onboarding or review decides on it.
      log.info('events of a check that is not a screening check are not routed', {
        caseType: snapshot.caseType,
      });
      continue;
    }
    const externalIdentifier = await externalIdentifierOf(snapshot);
    if (externalIdentifier === undefined) continue;
    const last = batch[batch.length - 1]!;
    const decision: CaseDecision = {
      caseIdentifier: snapshot.caseIdentifier,
      decisionType: snapshot.decisionType,
      ...(snapshot.verdict !== undefined && { verdict: snapshot.verdict }),
      ...(snapshot.stageName !== undefined && { stageName: snapshot.stageName }),
      caseType: ONBOARDING_CASE_TYPE,
      source: 'provider-read',
      webhookId: `complycube:${last.eventId}`,
      receivedAt: last.receivedAt,
    };
    const monitoringEvent = batch.find((event) => event.eventType.startsWith('check.monitoring'));
    if (monitoringEvent !== undefined) {
      await startMonitoringReview(monitoringEvent, snapshot, externalIdentifier, true);
    }
    const toOnboarding = await deliver(externalIdentifier, decision);
    // Findings on a check no onboarding waits for (a re-screen after approval): a person must still see them.
    const needsPerson = snapshot.verdict === 'open' || snapshot.verdict === 'unrecognised';
    if (!toOnboarding && needsPerson && status.monitoringReviewWorkflowId === undefined) {
      await startMonitoringReview(last, snapshot, externalIdentifier, false);
    }
    if (workflowInfo().continueAsNewSuggested && inbox.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof complyCubeCheckEvents>(input, {
        seenEventIds: [...seenEventIds],
        status,
      });
    }
  }
  await condition(allHandlersFinished);
  return status;

  function readCheck(): Promise<CaseSnapshot | undefined> {
    return readScreeningCase(complycube, input.checkId, status);
  }

  async function externalIdentifierOf(snapshot: CaseSnapshot): Promise<string | undefined> {
    if (status.externalIdentifier !== undefined) return status.externalIdentifier;
    if (snapshot.customerIdentifier === undefined) return undefined;
    try {
      const client = await complycube.customerRead.getCustomer({
        customerIdentifier: snapshot.customerIdentifier,
      });
      status.externalIdentifier = client.externalIdentifier;
      upsertSearchAttributes([{ key: kycExternalIdentifier, value: client.externalIdentifier }]);
      return client.externalIdentifier;
    } catch (err) {
      // Only a permanent refusal gets here: a client that is not one of ours.
      log.warn("the check's client could not be read; its events are dropped", {
        failureType: failureTypeOf(err),
      });
      return undefined;
    }
  }

  function deliver(externalIdentifier: string, decision: CaseDecision): Promise<boolean> {
    return deliverRead(externalIdentifier, decision, status);
  }

  async function startMonitoringReview(
    event: ComplyCubeCheckEvent,
    snapshot: CaseSnapshot,
    externalIdentifier: string,
    decisionAfterOpen: boolean,
  ): Promise<void> {
    const workflowId = `monitoring-case-complycube-${input.checkId}-${event.eventId}`;
    await startMonitoringReviewOnce(workflowId, {
      caseIdentifier: input.checkId,
      externalIdentifier,
      ...(snapshot.customerIdentifier !== undefined && {
        customerIdentifier: snapshot.customerIdentifier,
      }),
      provider: 'complycube',
      decisionAfterOpen,
    });
    status.monitoringReviewWorkflowId = workflowId;
  }
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.complyCubeCheckEvents), complyCubeCheckEvents);
