/** What the COS sandbox holds, all in memory; reset empties it. */

/** The documented OFAC / PEP values (docs/providers/cos-sandbox.md); `pepScan` uses the same set. */
export const SCAN_STATUSES = ['Pending', 'Clear', 'Failed', 'Reviewing', 'Positive'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];
export type ScanField = 'ofac' | 'pepScan';

export interface CustomerName {
  firstName?: string | undefined;
  middleName?: string | undefined;
  lastName?: string | undefined;
  businessName?: string | undefined;
  fullName: string;
  [field: string]: unknown;
}

export interface AddressRecord {
  id: string;
  addressType: string;
  classification: string;
  isPrimary: boolean;
  street1: string;
  street2?: string | undefined;
  city: string;
  state?: string | undefined;
  postalCode: string;
  countryCode: string;
  createdAt: string;
  lastModifiedAt: string;
  [field: string]: unknown;
}

export interface PhoneRecord {
  id: string;
  isPrimary: boolean;
  phoneType: string;
  phoneNumber: string;
  createdAt: string;
  lastModifiedAt: string;
  [field: string]: unknown;
}

export interface CustomerRecord {
  id: string;
  cifNumber: string;
  classification: 'Personal' | 'Business';
  status: 'Active';
  ofac: ScanStatus;
  pepScan: ScanStatus;
  name: CustomerName;
  profile: Record<string, unknown>;
  dueDiligence?: unknown;
  /** Top-level fields the sandbox does not know (e.g. `clientIdentifier`): kept and answered as sent. */
  extra: Record<string, unknown>;
  createdAt: string;
  lastModifiedAt: string;
  partnerId: string;
  addresses: AddressRecord[];
  phones: PhoneRecord[];
  /** The scan steps still to come (first results, the AML team's answer): cancelled by an analyst's decision. */
  pendingSteps: Set<NodeJS.Timeout>;
}

export interface RegistrationRecord {
  id: string;
  partnerId: string;
  eventName: string;
  type: 'Push' | 'Poll';
  format: 'Basic' | 'Extended';
  callbackUrl?: string;
  authUsername?: string;
  authPassword?: string;
  state: 'Active' | 'Suspended';
  createdAt: string;
  lastModifiedAt: string;
  /** Events waiting for delivery, oldest first; the head is the one being delivered. */
  queue: CosEventEnvelope[];
  delivering: boolean;
}

/** The event envelope COS delivers (`status` is the delivery's, not the customer's). */
export interface CosEventEnvelope {
  id: string;
  eventName: string;
  status: 'Pending';
  partnerId: string;
  createdAt: string;
  lastAttemptedAt?: string;
  resources: string[];
  details: unknown[];
  isPing?: boolean;
}

export interface TokenRecord {
  clientId: string;
  expiresAt: number;
}

export interface IdempotencyEntry {
  bodyHash: string;
  state: 'in-flight' | 'done';
  status: number;
  payload: string;
  contentType: string;
  requestId: string;
  expiresAt: number;
}

/** One API request as `GET /_sandbox/cos/requests` lists it (bodies are never kept: personal data). */
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** Answered from the idempotency store (`original-request-id` set). */
  replayed: boolean;
  idempotencyKey: boolean;
  /** The answer was dropped by a `lost-response` fault. */
  lost: boolean;
  at: string;
}

const MAX_LOG = 20_000;

export class CosStore {
  readonly customers = new Map<string, CustomerRecord>();
  readonly registrations = new Map<string, RegistrationRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  /** `<key> <method> <path>` → the answers under it, one per distinct body. */
  readonly idempotency = new Map<string, IdempotencyEntry[]>();
  readonly requests: RequestLogEntry[] = [];
  private cifSeq = 0;

  /** 11 digits, unique, in creation order. */
  nextCifNumber(): string {
    this.cifSeq += 1;
    return String(32_653_745_000 + this.cifSeq);
  }

  logRequest(entry: RequestLogEntry): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOG) this.requests.splice(0, this.requests.length - MAX_LOG);
  }

  /** Keeps the tokens: they are credentials, not data (expire them with `POST /_sandbox/cos/tokens/expire`). */
  clear(): void {
    for (const customer of this.customers.values()) customer.pendingSteps.clear();
    this.customers.clear();
    this.registrations.clear();
    this.idempotency.clear();
    this.requests.length = 0;
    this.cifSeq = 0;
  }
}
