import { defineSignal } from '@temporalio/workflow';

/**
 * ComplyAdvantage classic `/searches` events: the bridge's route to the runs (docs/providers/ca-classic.md).
 * The classic webhooks are unsigned, carry no delivery id and (but for `match_status_updated`) no
 * `client_ref`; so an event is only a hint. The bridge hands it, by search id, to the search's event inbox
 * (`ca-classic-search-<account>-<searchId>`), which re-reads the search through the account's rate-limited
 * queue and tells the onboarding what it read. The inbox is started by the onboarding as soon as the search
 * exists (it knows whose search it is) and lives while the search may send events: Temporal holds the
 * search → customer link, the bridge keeps no database.
 */

export const CA_CLASSIC_SEARCH_EVENTS_WORKFLOW_TYPE = 'caClassicSearchEvents';
export const CA_CLASSIC_SEARCH_EVENTS_PREFIX = 'ca-classic-search-';
/** The account of a tenant that maps no CA-classic variable: the worker's own. */
export const DEFAULT_ACCOUNT = 'default';
/** `POST /webhooks/complyadvantage-classic/<CA_CLASSIC_WEBHOOK_TOKEN>` */
export const CA_CLASSIC_WEBHOOK_ROUTE_PREFIX = '/webhooks/complyadvantage-classic';

/** Search ids are account-scoped integers: the account is part of the inbox's identity. */
export function caClassicSearchEventsWorkflowId(account: string, searchId: string): string {
  return `${CA_CLASSIC_SEARCH_EVENTS_PREFIX}${account}-${searchId}`;
}

export interface CaClassicSearchEventsInput {
  searchId: string;
  /** Which CA-classic account the search belongs to (`default`, or a tenant's name). */
  account: string;
  /** Known when the onboarding starts the inbox; from a `match_status_updated` event's `client_ref` otherwise. */
  externalIdentifier?: string;
  /**
   * Read the search once at start: for a re-screen the onboarding may no longer wait for (its hits must
   * still reach a person). The onboarding's first search needs none: the onboarding reads it itself.
   */
  readAtStart?: boolean;
}

/** The three documented events; any other name is carried as it came (an open set) and still re-reads. */
export type CaClassicEventName =
  'match_status_updated' | 'search_status_updated' | 'monitored_search_updated' | (string & {});

/**
 * An accepted classic webhook reduced to what routes it: identifiers and counts only, no names, no
 * entity data. Nothing in it is trusted as a decision.
 */
export interface CaClassicSearchEvent {
  /** sha256 of the raw body: the classic webhooks carry no delivery id, so a byte-identical replay is a repeat. */
  eventId: string;
  event: CaClassicEventName;
  searchId: string;
  /** `match_status_updated` only: routing help, never a decision. */
  clientRef?: string;
  /** `monitored_search_updated`: how many entities are new or updated (a monitoring review when > 0). */
  monitoringChanges?: number;
  /** `monitored_search_updated.is_suspended`, when present. */
  suspended?: boolean;
  receivedAt: string;
}

export const caClassicSearchEventSignal = defineSignal<[CaClassicSearchEvent]>('caClassicSearchEvent');
