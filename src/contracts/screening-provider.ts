import { defineSignal } from '@temporalio/workflow';

/**
 * The screening providers a run can be screened by, and the neutral words the workflows decide on
 * (docs/providers/README.md, "The screening port"). Each provider's adapter (src/providers/<name>/)
 * translates its own vocabulary into these; the workflows never read a provider's words to decide, they
 * only record them (`providerWords`) for the people who read the status.
 */
export const SCREENING_PROVIDERS = ['mesh', 'complycube', 'ca-classic'] as const;
export type ScreeningProviderName = (typeof SCREENING_PROVIDERS)[number];
/** The provider of runs whose terms name none: every run recorded before the port was screened by Mesh. */
export const DEFAULT_SCREENING_PROVIDER: ScreeningProviderName = 'mesh';

/** How people read each provider's name (status reasons, activity summaries in the Web UI). */
export const SCREENING_PROVIDER_NAMES: Record<ScreeningProviderName, string> = {
  mesh: 'Mesh',
  complycube: 'ComplyCube',
  'ca-classic': 'ComplyAdvantage classic',
};

export function isScreeningProvider(value: unknown): value is ScreeningProviderName {
  return typeof value === 'string' && (SCREENING_PROVIDERS as readonly string[]).includes(value);
}

/**
 * Each provider account's calls run on a task queue of their own, whose server-side rate limit is the
 * account's budget across every worker: `<queue>-mesh`, `<queue>-complycube`, `<queue>-ca-classic` for the
 * worker's own accounts, `<queue>-<provider>-<tenant>` for a tenant that maps its own credentials
 * (src/worker/tenants.ts).
 */
export function providerTaskQueue(
  taskQueue: string,
  provider: ScreeningProviderName,
  account?: string,
): string {
  return account === undefined || account === 'default'
    ? `${taskQueue}-${provider}`
    : `${taskQueue}-${provider}-${account}`;
}

/**
 * What a screening found, in the port's words:
 * - `clear`: nothing found, approval allowed (subject to the run's other rules);
 * - `hits`: possible matches, a person reviews them at the provider;
 * - `prohibited`: the provider's risk model forbids the customer outright;
 * - `pending`: the screening has not finished yet (asynchronous providers); the decision comes later;
 * - `unrecognised`: a value the adapter does not know, or an outcome it could not read: review, never approval.
 */
export type ScreeningOutcomeWord = 'clear' | 'hits' | 'prohibited' | 'pending' | 'unrecognised';

/**
 * Where a provider's case (or screening awaiting a person) stands, in the port's words:
 * - `pending`: the screening itself has not finished;
 * - `open`: finished, waiting for the provider's analyst;
 * - `approved` / `rejected`: decided;
 * - `partial`: decided in between (Mesh's PARTIAL_POSITIVE): the run's policy says what follows;
 * - `unrecognised`: anything else: escalated, never approved.
 */
export type CaseVerdict = 'pending' | 'open' | 'approved' | 'rejected' | 'partial' | 'unrecognised';

/** The provider's objects a run is about, as `status.screening` shows them. */
export interface ScreeningReference {
  provider: ScreeningProviderName;
  /** The provider's customer: a Mesh customer, a ComplyCube client. */
  subjectId: string;
  /** The screening itself, when the provider has one of its own (a ComplyCube check). */
  screeningId?: string;
  /** Where the provider's analyst decides: a Mesh case; for ComplyCube the check itself. */
  caseId?: string;
  /** The screening profile used (the standard or the extensive one), when the risk score chose it. */
  profile?: string;
}

/** The optional `screening` of an onboarding's input: which provider screens this customer. */
export interface ScreeningChoice {
  provider?: ScreeningProviderName;
}

// --- ComplyCube check events (the bridge's route to the onboarding) ---------------------------------

export const COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE = 'complyCubeCheckEvents';
export const COMPLYCUBE_CHECK_EVENT_WORKFLOW_PREFIX = 'complycube-check-';

/** One workflow per check, started by the bridge with signal-with-start: the check's event inbox. */
export function complyCubeCheckEventWorkflowId(checkId: string): string {
  return `${COMPLYCUBE_CHECK_EVENT_WORKFLOW_PREFIX}${checkId}`;
}

export interface ComplyCubeCheckEventInput {
  checkId: string;
}

/**
 * A verified ComplyCube webhook, reduced to what routes it: the event is a hint that the check changed,
 * never the decision (the workflow reads the check). No personal data.
 */
export interface ComplyCubeCheckEvent {
  /** The event's `id`: a redelivery carries the same one, so it deduplicates. */
  eventId: string;
  /** `check.completed.attention`, `check.complete`, `check.monitoring.attention`, … (an open set). */
  eventType: string;
  checkId: string;
  receivedAt: string;
}

/** The Schedule that keeps ComplyCube's webhook registration enabled (src/worker/complycube-schedule.ts). */
export const COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID = 'complycube-webhook-health';

export const complyCubeCheckEventSignal = defineSignal<[ComplyCubeCheckEvent]>('complyCubeCheckEvent');
