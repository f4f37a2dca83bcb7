/**
 * The COS sandbox's control routes (docs/providers/cos-sandbox.md, "Control routes"), typed: what a test,
 * demo or drill does to the sandbox that COS's API cannot: play the bank's AML team, run the nightly
 * rescan, inject faults, suspend a registration, change settings, read the customers with their addresses
 * and phones, the events, the deliveries and the requests. Bodies are the ones the sandbox validates, so a
 * misspelt knob fails to compile instead of answering 400. Every call throws on a non-2xx answer.
 */
import type {
  CosDeliveryLogEntry,
  CosEventLogEntry,
  CosFaultBody,
  CosFaultView,
  CosSettings,
  CosSettingsPatchBody,
  CosStatsSnapshot,
  RequestLogEntry,
  ScanStatus,
} from '../src/sandbox/cos';
import { queryOf, SandboxControlBase } from './sandbox-http';

/** A customer as the control routes answer it: the API's record plus its addresses and phones. */
export interface CosSandboxCustomer {
  id: string;
  cifNumber: string;
  classification: 'Personal' | 'Business';
  status: string;
  ofac: ScanStatus;
  pepScan: ScanStatus;
  name: { fullName: string; firstName?: string; lastName?: string; businessName?: string };
  profile: Record<string, unknown>;
  partnerId: string;
  createdAt: string;
  lastModifiedAt: string;
  addresses: ({ id: string; isPrimary: boolean } & Record<string, unknown>)[];
  phones: ({ id: string; isPrimary: boolean; phoneNumber: string } & Record<string, unknown>)[];
  [field: string]: unknown;
}

/** A registration as the control routes list it (the API's shape plus how many events wait in its queue). */
export interface CosSandboxRegistration {
  id: string;
  partnerId: string;
  eventName: string;
  type: 'Push' | 'Poll';
  format: 'Basic' | 'Extended';
  callbackUrl?: string;
  authUsername?: string;
  state: 'Active' | 'Suspended';
  createdAt: string;
  lastModifiedAt: string;
  queued: number;
}

export interface CosScanChange {
  customer: CosSandboxCustomer;
  /** The fields that changed, each having raised its event (`ofac`, `pepScan`). */
  eventsRaised: ('ofac' | 'pepScan')[];
}

export class CosSandboxControl extends SandboxControlBase<
  CosSettings,
  CosSettingsPatchBody,
  CosFaultBody,
  CosFaultView,
  CosStatsSnapshot
> {
  /**
   * `url`: the sandbox's URL (`sandbox.url`, scheme, host and port). `reset()` forgets customers,
   * registrations (the start ones come back), idempotency keys, faults, events, deliveries, requests and
   * counters; settings back to the start options; tokens keep working. `clearFaults()` ends every fault,
   * `down` included.
   */
  constructor(url: string, timeoutMs = 10_000) {
    super(url, '/_sandbox/cos', timeoutMs);
  }

  /** Every token issued so far answers 401 from now on; answers how many there were. */
  async expireTokens(): Promise<number> {
    return (await this.request<{ expired: number }>('POST', '/tokens/expire', {})).expired;
  }

  /** Every customer, oldest first, with its addresses and phones. */
  customers(): Promise<CosSandboxCustomer[]> {
    return this.request('GET', '/customers');
  }

  customer(id: string): Promise<CosSandboxCustomer> {
    return this.request('GET', `/customers/${encodeURIComponent(id)}`);
  }

  /**
   * The bank's AML team answers a scan under review (`Failed` or `Reviewing`; 409 otherwise): the value
   * is set, its event raised, and the automatic steps still to come for the customer are cancelled.
   */
  decide(
    id: string,
    decision: { ofac?: 'Clear' | 'Positive'; pepScan?: 'Clear' | 'Positive' },
  ): Promise<CosScanChange> {
    return this.request('POST', `/customers/${encodeURIComponent(id)}/decide`, decision);
  }

  /** COS's nightly rescan found these values: each one that changes raises its event. */
  rescan(id: string, result: { ofac?: ScanStatus; pepScan?: ScanStatus }): Promise<CosScanChange> {
    return this.request('POST', `/customers/${encodeURIComponent(id)}/rescan`, result);
  }

  /** Closes the open event batches now instead of at the end of their window; answers how many. */
  async flushEvents(): Promise<number> {
    return (await this.request<{ flushed: number }>('POST', '/events/flush', {})).flushed;
  }

  /** Every event envelope built so far, oldest first, with the registration it went to (null: none). */
  events(filter: { eventName?: string } = {}): Promise<CosEventLogEntry[]> {
    return this.request('GET', `/events${queryOf(filter)}`);
  }

  /** Every delivery attempt so far, oldest first. */
  deliveries(
    filter: { eventName?: string; registrationId?: string; eventId?: string } = {},
  ): Promise<CosDeliveryLogEntry[]> {
    return this.request('GET', `/deliveries${queryOf(filter)}`);
  }

  /** Every API and token request so far, oldest first (`path` filters by prefix). */
  requests(filter: { method?: string; path?: string } = {}): Promise<RequestLogEntry[]> {
    return this.request('GET', `/requests${queryOf(filter)}`);
  }

  registrations(): Promise<CosSandboxRegistration[]> {
    return this.request('GET', '/registrations');
  }

  /** As COS does after four failed attempts: nothing is delivered, events queue. */
  suspendRegistration(id: string): Promise<CosSandboxRegistration> {
    return this.request('POST', `/registrations/${encodeURIComponent(id)}/suspend`, {});
  }

  /** Same as the API's `PUT /webhooks/v1/registrations/{id}/restart`, without a token. */
  restartRegistration(id: string): Promise<CosSandboxRegistration> {
    return this.request('POST', `/registrations/${encodeURIComponent(id)}/restart`, {});
  }
}
