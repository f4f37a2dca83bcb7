import {
  startCosSandbox,
  ZERO_PARTNER_ID,
  type CosEventEnvelope,
  type CosSandbox,
  type CosSandboxOptions,
} from '../../src/sandbox/cos';
import { CosSandboxControl } from '../../testkit/cos-sandbox-control';
import type { ReceivedRequest } from '../../testkit/http-receiver';

/**
 * A small HTTP client for the COS sandbox tests: a form token request, Bearer JSON calls, parsed answers
 * with their headers. Bodies may be given as a string to control the exact bytes sent.
 */
export const CLIENT_ID = 'cos-test-client';
export const CLIENT_SECRET = 'cos-test-secret';
export const PARTNER_ID = ZERO_PARTNER_ID;

/** Short enough that a whole scan, review and delivery runs in well under a second. */
export const FAST: Partial<CosSandboxOptions> = {
  scanDelayMs: 20,
  reviewDelayMs: 80,
  eventBatchWindowMs: 60,
  deliveryRetryDelayMs: 20,
};

export interface CosAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CustomerBody {
  id: string;
  cifNumber: string;
  classification: string;
  status: string;
  ofac: string;
  pepScan: string;
  name: Record<string, string>;
  profile: Record<string, unknown>;
  createdAt: string;
  lastModifiedAt: string;
  partnerId: string;
  [field: string]: unknown;
}

export interface ProblemBody {
  title: string;
  status: number;
  detail?: string;
  errors?: Record<string, string[]>;
}

export class CosApi {
  token: string | undefined;

  constructor(readonly url: string) {}

  /** `POST /connect/token` as a form (or as `contentType` with `raw` bytes). */
  async requestToken(
    form: Record<string, string> = {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    },
    options: { contentType?: string; raw?: string } = {},
  ): Promise<CosAnswer> {
    const response = await fetch(`${this.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded' },
      body: options.raw ?? new URLSearchParams(form).toString(),
    });
    return { status: response.status, headers: response.headers, body: await parse(response) };
  }

  async login(): Promise<string> {
    const answer = await this.requestToken();
    if (answer.status !== 200) throw new Error(`token: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.token = answer.body.access_token as string;
    return this.token;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<CosAnswer<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, body: (await parse(response)) as T };
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }

  put<T = Record<string, unknown>>(path: string) {
    return this.request<T>('PUT', path);
  }

  async createCustomer(body: unknown, headers?: Record<string, string>): Promise<CustomerBody> {
    const answer = await this.post<CustomerBody>('/core/v1/cm/customers', body, headers);
    if (answer.status !== 201) throw new Error(`create: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** A Push registration for `eventName` to `callbackUrl`, with Basic credentials when given. */
  async register(
    eventName: string,
    callbackUrl: string,
    auth?: { username: string; password: string },
  ): Promise<string> {
    const answer = await this.post('/webhooks/v1/registrations', {
      partnerId: PARTNER_ID,
      eventName,
      type: 'Push',
      callbackUrl,
      ...(auth && { authUsername: auth.username, authPassword: auth.password }),
    });
    if (answer.status !== 201) throw new Error(`register: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.id as string;
  }
}

async function parse(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (text === '') return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/** The tutorial's customer, with another name when given. */
export function personal(
  firstName = 'Bob',
  lastName = 'Smith',
  birthDate = '1953-09-22',
): Record<string, unknown> {
  return {
    partnerId: PARTNER_ID,
    name: { firstName, lastName },
    classification: 'Personal',
    profile: {
      regO: false,
      politicallyExposedPerson: false,
      taxIdType: 'Ssn',
      taxId: '119988776',
      birthDate,
      riskRating: 'Low',
    },
  };
}

export const ADDRESS = {
  addressType: 'Home',
  classification: 'Residential',
  isPrimary: true,
  street1: '123 Any St',
  city: 'Anywhere',
  state: 'NY',
  postalCode: '12345',
  countryCode: 'US',
};

export const PHONE = { isPrimary: true, phoneType: 'Mobile', phoneNumber: '2015552345' };

export function envelopeOf(request: ReceivedRequest): CosEventEnvelope {
  return JSON.parse(request.body.toString('utf8')) as CosEventEnvelope;
}

/**
 * One sandbox for a test file: started before all, reset and logged in before each test (tokens survive
 * a reset, but each test starts from a fresh one).
 */
export function useCosSandbox(options: Partial<CosSandboxOptions> = {}): {
  api: () => CosApi;
  control: () => CosSandboxControl;
  sandbox: () => CosSandbox;
} {
  let sandbox: CosSandbox | undefined;
  let api: CosApi | undefined;
  let control: CosSandboxControl | undefined;
  beforeAll(async () => {
    sandbox = await startCosSandbox({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...FAST,
      ...options,
    });
    control = new CosSandboxControl(sandbox.url);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    await control!.reset();
    api = new CosApi(sandbox!.url);
    await api.login();
  });
  return { api: () => api!, control: () => control!, sandbox: () => sandbox! };
}
