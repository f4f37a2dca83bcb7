import type { AddressInfo } from 'node:net';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Secret } from '../../../src/providers/cos/config';
import type { CosConnectionConfig } from '../../../src/providers/cos/config';

/**
 * A small in-memory COS for the adapter's unit tests: the token endpoint (form body), the customer,
 * address, phone and registration routes the adapter calls, bearer tokens that can be revoked (an
 * expired token answers 401), idempotency as COS documents it (same key + endpoint + body → the first
 * answer again with `original-request-id`; same key with another body → a new request), and scripted
 * faults. Every request is recorded with its raw body bytes. Not the project's COS sandbox
 * (src/sandbox/cos/): these tests depend on nothing but this file.
 */

export const CLIENT_ID = 'cos-client';
export const CLIENT_SECRET = 'cos-secret-do-not-log';
export const PARTNER_ID = '00000000-0000-0000-0000-000000000000';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The body exactly as received. */
  raw: string;
  contentType: string | undefined;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
}

export interface Fault {
  method: string;
  path: string | RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  count?: number;
}

interface StoredCustomer {
  id: string;
  cifNumber: string;
  ofac: string;
  pepScan: string;
  status: string;
  [extra: string]: unknown;
}

export interface StoredRegistration {
  id: string;
  eventName: string;
  callbackUrl: string;
  status: string;
  type?: string;
  authUsername?: string;
  authPassword?: string;
  partnerId?: string;
}

export class FakeCos {
  readonly requests: RecordedRequest[] = [];
  readonly customers = new Map<string, StoredCustomer>();
  readonly registrations: StoredRegistration[] = [];
  /** What a token lasts (seconds), and how long the token endpoint takes to answer. */
  tokenExpiresIn = 86_400;
  tokenDelayMs = 0;
  /** The token endpoint's answer instead of a token, while set. */
  tokenFault: { status: number; body?: unknown } | undefined;
  /** What the next created customer reads: its scans and any extra fields. */
  nextCustomer: Partial<StoredCustomer> = {};
  /** Envelope of GET /webhooks/v1/registrations: a bare array or `{items}`. */
  listEnvelope: 'array' | 'items' = 'array';

  private readonly validTokens = new Set<string>();
  private readonly idempotent = new Map<
    string,
    { path: string; raw: string; status: number; body: unknown }
  >();
  private faults: (Fault & { left: number })[] = [];
  private sequence = 0;
  url = '';

  private constructor(private readonly app: FastifyInstance) {}

  static async start(): Promise<FakeCos> {
    const app = Fastify({ logger: false });
    const fake = new FakeCos(app);
    // Keep every body as the exact text received: the tests compare bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.addHook('preHandler', async (request, reply) => {
      fake.requests.push({
        method: request.method,
        path: request.url.split('?')[0]!,
        raw: typeof request.body === 'string' ? request.body : '',
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        idempotencyKey: header(request, 'idempotency-key'),
      });
      const fault = fake.faultFor(request);
      if (fault !== undefined) {
        return reply
          .code(fault.status)
          .headers(fault.headers ?? {})
          .send(fault.body ?? {});
      }
      if (request.url !== '/connect/token' && !fake.authorized(request)) {
        return reply.code(401).send({ message: 'token expired' });
      }
      return undefined;
    });
    fake.routes(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    fake.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return this.app.close();
  }

  /** The connection config pointing at this fake. */
  connection(overrides: Partial<CosConnectionConfig> = {}): CosConnectionConfig {
    return {
      baseUrl: this.url,
      tokenUrl: `${this.url}/connect/token`,
      clientId: CLIENT_ID,
      clientSecret: new Secret(CLIENT_SECRET),
      scope: undefined,
      audience: undefined,
      partnerId: PARTNER_ID,
      ...overrides,
    };
  }

  /** Every token issued so far stops working: the next API call answers 401. */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  fail(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.count ?? 1 });
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  private authorized(request: FastifyRequest): boolean {
    const auth = request.headers.authorization ?? '';
    return auth.startsWith('Bearer ') && this.validTokens.has(auth.slice('Bearer '.length));
  }

  private faultFor(request: FastifyRequest): Fault | undefined {
    const path = request.url.split('?')[0]!;
    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        f.method === request.method &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (fault !== undefined) fault.left -= 1;
    return fault;
  }

  private nextId(): string {
    this.sequence += 1;
    return `9052b6a5-3f09-41d1-b526-${String(this.sequence).padStart(12, '0')}`;
  }

  private routes(app: FastifyInstance): void {
    app.post('/connect/token', async (request, reply) => {
      if (this.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.tokenDelayMs));
      if (this.tokenFault !== undefined)
        return reply.code(this.tokenFault.status).send(this.tokenFault.body ?? {});
      const form = new URLSearchParams(request.body as string);
      if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
        return reply.code(400).send({ error: 'invalid_client' });
      }
      const token = `tok-${this.nextId()}`;
      this.validTokens.add(token);
      return { access_token: token, expires_in: this.tokenExpiresIn, token_type: 'Bearer' };
    });

    /** COS's idempotency: a repeat of key, endpoint and body replays the first answer. */
    const idempotent = (
      request: FastifyRequest,
      reply: FastifyReply,
      handle: () => { status: number; body: unknown },
    ) => {
      const key = header(request, 'idempotency-key');
      const path = request.url;
      const raw = request.body as string;
      const earlier = key !== undefined ? this.idempotent.get(key) : undefined;
      if (earlier !== undefined && earlier.path === path && earlier.raw === raw) {
        return reply.code(earlier.status).header('original-request-id', `req-${key}`).send(earlier.body);
      }
      const answer = handle();
      if (key !== undefined && answer.status < 300) this.idempotent.set(key, { path, raw, ...answer });
      return reply.code(answer.status).send(answer.body);
    };

    app.post('/core/v1/cm/customers', (request, reply) =>
      idempotent(request, reply, () => {
        JSON.parse(request.body as string);
        const customer: StoredCustomer = {
          id: this.nextId(),
          cifNumber: '32653745014',
          classification: 'Personal',
          status: 'Active',
          ofac: 'Pending',
          pepScan: 'Pending',
          createdAt: '2021-01-25T17:55:24.4422582-05:00',
          ...this.nextCustomer,
        };
        this.customers.set(customer.id, customer);
        return { status: 201, body: customer };
      }),
    );

    for (const kind of ['addresses', 'phones']) {
      app.post<{ Params: { id: string } }>(`/core/v1/cm/customers/:id/${kind}`, (request, reply) =>
        idempotent(request, reply, () =>
          this.customers.has(request.params.id)
            ? { status: 201, body: { id: this.nextId(), isPrimary: true } }
            : { status: 404, body: { message: 'customer not found' } },
        ),
      );
    }

    app.get<{ Params: { id: string } }>('/core/v1/cm/customers/:id', async (request, reply) => {
      const customer = this.customers.get(request.params.id);
      if (customer === undefined) return reply.code(404).send({ message: 'not found' });
      return customer;
    });

    app.get('/webhooks/v1/registrations', (_request, reply) =>
      reply.send(this.listEnvelope === 'array' ? this.registrations : { items: this.registrations }),
    );

    app.post('/webhooks/v1/registrations', (request, reply) =>
      idempotent(request, reply, () => {
        const body = JSON.parse(request.body as string) as Omit<StoredRegistration, 'id' | 'status'>;
        const registration: StoredRegistration = { ...body, id: this.nextId(), status: 'Active' };
        this.registrations.push(registration);
        const { authPassword: _password, ...shown } = registration;
        return { status: 201, body: shown };
      }),
    );

    app.put<{ Params: { id: string } }>('/webhooks/v1/registrations/:id/restart', async (request, reply) => {
      const registration = this.registrations.find((r) => r.id === request.params.id);
      if (registration === undefined) return reply.code(404).send({});
      registration.status = 'Active';
      return reply.code(204).send();
    });
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** One activity invocation, as the worker runs it. */
export function runActivity<I, R>(
  fn: (input: I) => Promise<R>,
  input: I,
  info: Partial<Info> = {},
): Promise<R> {
  const env = new MockActivityEnvironment({ attempt: 1, ...info }, { logger: new DefaultLogger('ERROR') });
  return env.run(fn, input);
}

/** A logger that keeps every line (level, message and attributes) as one string each. */
export function capturingLogger(): {
  lines: string[];
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
} {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error'), debug: keep('debug') };
}
