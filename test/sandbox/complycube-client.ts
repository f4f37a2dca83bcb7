import { createHmac } from 'node:crypto';
import {
  DEFAULT_COMPLYCUBE_API_KEY,
  startComplyCubeSandbox,
  type ComplyCubeSandbox,
  type ComplyCubeSandboxOptions,
} from '../../src/sandbox/complycube';
import { ComplyCubeSandboxControl } from '../../testkit/complycube-sandbox-control';
import { eventually } from './sandbox-client';

export { eventually };

/**
 * A tiny HTTP client for the ComplyCube sandbox tests: the bare API key, JSON bodies, parsed answers. The
 * body types say what a test reads; the assertions check it.
 */
export interface CcAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ErrorBody {
  type: string;
  message: string;
  param?: string;
}

export interface Page<T> {
  page: number;
  pageSize: number;
  totalItems: number;
  pages: number;
  items: T[];
}

export interface ClientBody {
  id: string;
  type: string;
  entityName: string;
  email?: string;
  externalId?: string;
  personDetails?: Record<string, string>;
  companyDetails?: Record<string, string>;
  metadata?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface MatchBody {
  id: string;
  score: number;
  status: string;
  details: Record<string, unknown>;
  breakdown: Record<string, unknown>[];
}

export type Summary = Record<string, Record<string, string>>;

export interface CheckBody {
  id: string;
  clientId: string;
  entityName: string;
  type: string;
  status: string;
  enableMonitoring: boolean;
  options?: Record<string, unknown>;
  /** Only once complete. */
  result?: { outcome: string; breakdown?: { summary: Summary; matches: MatchBody[] } };
  createdAt: string;
  updatedAt: string;
}

/** A check's matches (none before it completes, or when it has no breakdown). */
export function matchesOf(check: CheckBody): MatchBody[] {
  return check.result?.breakdown?.matches ?? [];
}

/** A check's summary group by group (empty before it completes). */
export function summaryOf(check: CheckBody): Summary {
  return check.result?.breakdown?.summary ?? {};
}

export interface WebhookBody {
  id: string;
  url: string;
  enabled: boolean;
  events: string[];
  description?: string;
  /** Only in the create answer. */
  secret?: string;
  createdAt: string;
  updatedAt: string;
}

export class ComplyCubeApi {
  constructor(
    private readonly current: () => ComplyCubeSandbox,
    private readonly apiKey = DEFAULT_COMPLYCUBE_API_KEY,
  ) {}

  get sandbox(): ComplyCubeSandbox {
    return this.current();
  }

  get control(): ComplyCubeSandboxControl {
    return new ComplyCubeSandboxControl(this.sandbox.url);
  }

  /** `authorization`: undefined sends the key, null sends no header, a string sends that string. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    authorization?: string | null,
  ): Promise<CcAnswer<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (authorization !== null) headers.authorization = authorization ?? this.apiKey;
    const res = await fetch(`${this.sandbox.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const raw = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (raw === '' ? undefined : JSON.parse(raw)) as T,
    };
  }

  get<T = unknown>(path: string): Promise<CcAnswer<T>> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown): Promise<CcAnswer<T>> {
    return this.request<T>('POST', path, body);
  }

  delete(path: string): Promise<CcAnswer> {
    return this.request('DELETE', path);
  }

  /** The ids of a list's first page. */
  async ids(path: string): Promise<string[]> {
    return (await this.get<Page<{ id: string }>>(path)).body.items.map((item) => item.id);
  }

  async createClient(body: Record<string, unknown>): Promise<string> {
    const res = await this.post<ClientBody>('/clients', body);
    if (res.status !== 201) throw new Error(`POST /clients: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async createCheck(
    clientId: string,
    type = 'extensive_screening_check',
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const res = await this.post<CheckBody>('/checks', { clientId, type, ...extra });
    if (res.status !== 201) throw new Error(`POST /checks: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** Polls the check until it has left `pending`. */
  async completedCheck(checkId: string): Promise<CheckBody> {
    return eventually(async () => {
      const res = await this.get<CheckBody>(`/checks/${checkId}`);
      return res.body.status === 'pending' ? undefined : res.body;
    }, `check ${checkId} to complete`);
  }
}

/**
 * One sandbox for a describe block: started before its tests (no rate limit, checks complete at once,
 * unless `options` say otherwise), reset before each, closed after them.
 */
export function useComplyCubeSandbox(options: ComplyCubeSandboxOptions = {}): ComplyCubeApi {
  let started: ComplyCubeSandbox | undefined;
  const api = new ComplyCubeApi(() => {
    if (started === undefined) throw new Error('the sandbox starts in beforeAll: use it in tests and hooks');
    return started;
  });
  beforeAll(async () => {
    started = await startComplyCubeSandbox({ rateLimitPerSecond: 0, checkDelayMs: 0, ...options });
  });
  afterAll(() => started?.close());
  beforeEach(() => started?.reset());
  return api;
}

let counter = 0;
/** A person client body; the last name decides the screening outcome. */
export function person(lastName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const { personDetails, ...rest } = extra as { personDetails?: Record<string, unknown> };
  return {
    type: 'person',
    email: `person${counter}@example.com`,
    personDetails: { firstName: 'Jane', lastName, ...personDetails },
    ...rest,
  };
}

export function company(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'company', email: 'company@example.com', companyDetails: { name }, ...extra };
}

/** What a receiver computes to verify a delivery: hex HMAC-SHA256 of the raw body, the secret as UTF-8. */
export function expectedSignature(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(rawBody).digest('hex');
}
