import type { AddressInfo } from 'node:net';
import type { Info } from '@temporalio/activity';
import { noopMetricMeter, type MetricCounter, type MetricMeter, type MetricTags } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ActivityLogger } from '../../../src/providers/common/logger';
import type { ScreeningResume } from '../../../src/contracts/screening-activities';

/**
 * A small in-memory ComplyCube for the adapter's unit tests: the documented routes under /v1 the adapter
 * calls, lists newest first in pages, the bare-key Authorization, `{type, message}` errors, and scripted
 * faults (an answer instead of the route's, or after it: a lost response). Every request is recorded, so a
 * test counts exactly what one activity invocation sent. Not the project's sandbox (src/sandbox/): these
 * tests depend on nothing but this file.
 */

export const API_KEY = 'cc-test-key';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

interface StoredClient {
  id: string;
  type: string;
  email?: string;
  externalId?: string;
  personDetails?: Record<string, unknown>;
  companyDetails?: Record<string, unknown>;
  metadata?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

interface StoredCheck {
  id: string;
  clientId: string;
  type: string;
  status: string;
  enableMonitoring: boolean;
  result?: { outcome: string };
  createdAt: string;
  updatedAt: string;
}

interface StoredWebhook {
  id: string;
  url: string;
  enabled: boolean;
  events: string[];
  description?: string;
  secret: string;
  createdAt: string;
}

export interface Fault {
  method: string;
  /** Matched against the path without the /v1 prefix, e.g. /clients or /checks/abc. */
  path: string | RegExp;
  status: number;
  body?: unknown;
  /** Run the route first, then answer with the fault: the response is lost, the effect is not. */
  afterHandling?: boolean;
  count?: number;
}

export class FakeComplyCube {
  readonly requests: RecordedRequest[] = [];
  readonly clients: StoredClient[] = [];
  readonly checks: StoredCheck[] = [];
  readonly webhooks: StoredWebhook[] = [];
  /** The documented trap: a filter that answers 200 with no items instead of an error. */
  metadataFilterBlind = false;
  /** A filter the account ignores: every client listed. */
  metadataFilterIgnored = false;
  /** A filter that matches values whatever their case. */
  metadataFilterIgnoresCase = false;
  /** Status and outcome of each check created from now on. */
  newCheck: { status: string; outcome?: string } = { status: 'pending' };
  private faults: (Fault & { left: number })[] = [];
  private lastTime = 0;
  private sequence = 0;

  /** The base URL, /v1 included (COMPLYCUBE_BASE_URL). */
  url = '';

  private constructor(private readonly app: FastifyInstance) {}

  static async start(): Promise<FakeComplyCube> {
    const app = Fastify({ logger: false });
    const fake = new FakeComplyCube(app);
    fake.routes(app);
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!.replace(/^\/v1/, '');
      fake.requests.push({
        method: request.method,
        path,
        query: { ...(request.query as Record<string, string>) },
        body: undefined,
        authorization: request.headers.authorization,
      });
      if (request.headers.authorization !== API_KEY) {
        return reply.code(401).send({ type: 'unauthorized', message: 'Invalid API key cc-test-…' });
      }
      return undefined;
    });
    app.addHook('preHandler', async (request, reply) => {
      fake.requests.at(-1)!.body = request.body;
      const fault = fake.faultFor(request, false);
      if (fault !== undefined) return reply.code(fault.status).send(fault.body ?? {});
      return undefined;
    });
    app.addHook('onSend', async (request, reply, payload) => {
      const fault = fake.faultFor(request, true);
      if (fault === undefined) return payload;
      reply.code(fault.status);
      return JSON.stringify(fault.body ?? {});
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    fake.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  close(): Promise<void> {
    return this.app.close();
  }

  fault(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.count ?? 1 });
  }

  /** Requests since `from` (an index into `requests`), as `METHOD /path`. */
  sent(from = 0): string[] {
    return this.requests.slice(from).map((r) => `${r.method} ${r.path}`);
  }

  seedClient(client: Partial<StoredClient> & { createdAt?: string }): StoredClient {
    const at = client.createdAt ?? this.now();
    const stored: StoredClient = {
      id: this.id('cl'),
      type: 'person',
      ...client,
      createdAt: at,
      updatedAt: at,
    };
    this.clients.push(stored);
    return stored;
  }

  seedCheck(check: Partial<StoredCheck> & { clientId: string }): StoredCheck {
    const at = check.createdAt ?? this.now();
    const stored: StoredCheck = {
      id: this.id('ck'),
      type: 'standard_screening_check',
      status: 'pending',
      enableMonitoring: false,
      ...check,
      createdAt: at,
      updatedAt: at,
    };
    this.checks.push(stored);
    return stored;
  }

  seedWebhook(webhook: Partial<StoredWebhook> & { url: string }): StoredWebhook {
    const stored: StoredWebhook = {
      id: this.id('wh'),
      enabled: true,
      events: ['*'],
      secret: 'whsec',
      createdAt: this.now(),
      ...webhook,
    };
    this.webhooks.push(stored);
    return stored;
  }

  complete(checkId: string, outcome: string): void {
    const check = this.checks.find((c) => c.id === checkId)!;
    check.status = 'complete';
    check.result = { outcome };
  }

  private id(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${String(this.sequence).padStart(6, '0')}`;
  }

  /** Strictly increasing times, so "newest first" is well defined. */
  private now(): string {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return new Date(this.lastTime).toISOString();
  }

  private faultFor(request: FastifyRequest, afterHandling: boolean): Fault | undefined {
    const path = request.url.split('?')[0]!.replace(/^\/v1/, '');
    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        (f.afterHandling ?? false) === afterHandling &&
        f.method === request.method &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (fault !== undefined) fault.left -= 1;
    return fault;
  }

  private routes(app: FastifyInstance): void {
    const notFound = (reply: FastifyReply, what: string, id: string) =>
      reply.code(404).send({ type: 'resource_not_found', message: `Invalid ${what} id '${id}'` });

    app.get('/v1/clients', (request) => {
      const query = request.query as Record<string, string>;
      let items = [...this.clients];
      for (const [key, value] of Object.entries(query)) {
        if (!key.startsWith('metadata.')) continue;
        if (this.metadataFilterBlind) items = [];
        else if (this.metadataFilterIgnoresCase)
          items = items.filter((c) => c.metadata?.[key.slice(9)]?.toLowerCase() === value.toLowerCase());
        else if (!this.metadataFilterIgnored)
          items = items.filter((c) => c.metadata?.[key.slice(9)] === value);
      }
      return page(items, query);
    });
    app.post('/v1/clients', (request) => {
      const body = request.body as Omit<StoredClient, 'id' | 'createdAt' | 'updatedAt'>;
      return this.seedClient({ ...body });
    });
    app.get<{ Params: { id: string } }>('/v1/clients/:id', async (request, reply) => {
      const client = this.clients.find((c) => c.id === request.params.id);
      return client ?? notFound(reply, 'client', request.params.id);
    });
    app.post<{ Params: { id: string } }>('/v1/clients/:id', async (request, reply) => {
      const client = this.clients.find((c) => c.id === request.params.id);
      if (client === undefined) return notFound(reply, 'client', request.params.id);
      Object.assign(client, request.body as object, { updatedAt: this.now() });
      return client;
    });

    app.get('/v1/checks', (request) => {
      const query = request.query as Record<string, string>;
      const items = this.checks.filter(
        (c) =>
          (query.clientId === undefined || c.clientId === query.clientId) &&
          (query.type === undefined || c.type === query.type),
      );
      return page(items, query);
    });
    app.post('/v1/checks', async (request, reply) => {
      const body = request.body as { clientId: string; type: string; enableMonitoring?: boolean };
      if (!this.clients.some((c) => c.id === body.clientId)) return notFound(reply, 'client', body.clientId);
      const check = this.seedCheck({
        clientId: body.clientId,
        type: body.type,
        enableMonitoring: body.enableMonitoring ?? false,
        status: this.newCheck.status,
        ...(this.newCheck.outcome !== undefined && { result: { outcome: this.newCheck.outcome } }),
      });
      return check;
    });
    app.get<{ Params: { id: string } }>('/v1/checks/:id', async (request, reply) => {
      const check = this.checks.find((c) => c.id === request.params.id);
      return check ?? notFound(reply, 'check', request.params.id);
    });
    app.post<{ Params: { id: string } }>('/v1/checks/:id', async (request, reply) => {
      const check = this.checks.find((c) => c.id === request.params.id);
      if (check === undefined) return notFound(reply, 'check', request.params.id);
      if (!check.type.endsWith('screening_check')) {
        return reply.code(422).send({ type: 'invalid_check_update', message: 'Only screening checks' });
      }
      if (check.status === 'pending') {
        return reply.code(422).send({ type: 'pending_check_unmodifiable', message: 'Check is pending' });
      }
      const body = request.body as { enableMonitoring?: boolean };
      if (body.enableMonitoring !== undefined) check.enableMonitoring = body.enableMonitoring;
      check.updatedAt = this.now();
      return check;
    });

    app.get('/v1/webhooks', (request) =>
      page(
        this.webhooks.map(({ secret: _secret, ...w }) => w),
        request.query as Record<string, string>,
      ),
    );
    app.post('/v1/webhooks', (request) => {
      const body = request.body as { url: string; events: string[]; description?: string; enabled: boolean };
      const created = this.seedWebhook({ ...body, secret: `whsec_${this.sequence}` });
      return created;
    });
    app.post<{ Params: { id: string } }>('/v1/webhooks/:id', async (request, reply) => {
      const webhook = this.webhooks.find((w) => w.id === request.params.id);
      if (webhook === undefined) return notFound(reply, 'webhook', request.params.id);
      Object.assign(webhook, request.body as object);
      const { secret: _secret, ...rest } = webhook;
      return rest;
    });
  }
}

/** `{page, pageSize, totalItems, pages, items}`, newest first. */
function page<T extends { createdAt: string }>(items: T[], query: Record<string, string>) {
  const size = Math.min(Number(query.pageSize ?? 100), 100);
  const number = Number(query.page ?? 1);
  const sorted = [...items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return {
    page: number,
    pageSize: size,
    totalItems: sorted.length,
    pages: Math.max(1, Math.ceil(sorted.length / size)),
    items: sorted.slice((number - 1) * size, number * size),
  };
}

// --- running activities as Temporal would -----------------------------------------------------------

/** A metric meter that keeps every counter increment: name, value and the activity's own tags. */
export function recordingMeter(): MetricMeter & {
  added: { name: string; value: number; tags: MetricTags }[];
} {
  const added: { name: string; value: number; tags: MetricTags }[] = [];
  const counter = (name: string, base: MetricTags): MetricCounter => ({
    name,
    kind: 'counter',
    valueType: 'int',
    add: (value, tags = {}) => {
      const { activityType: _a, namespace: _n, taskQueue: _q, ...ours } = { ...base, ...tags };
      added.push({ name, value, tags: ours });
    },
    withTags: (tags) => counter(name, { ...base, ...tags }),
  });
  const meter = {
    added,
    createCounter: (name: string) => counter(name, {}),
    createHistogram: noopMetricMeter.createHistogram.bind(noopMetricMeter),
    createGauge: noopMetricMeter.createGauge.bind(noopMetricMeter),
    createUpDownCounter: noopMetricMeter.createUpDownCounter.bind(noopMetricMeter),
    withTags: () => meter,
  };
  return meter;
}

/** One activity invocation (attempt 1 unless told), as the worker runs it. */
export function runActivity<I, R>(
  fn: (input: I) => Promise<R>,
  input: I,
  info: Partial<Info> = {},
  metricMeter?: MetricMeter,
): Promise<R> {
  // The SDK logs every failed activity at WARN; failures are the point of many tests here.
  const env = new MockActivityEnvironment(
    { attempt: 1, ...info },
    { logger: new DefaultLogger('ERROR'), ...(metricMeter !== undefined && { metricMeter }) },
  );
  return env.run(fn, input);
}

/** Calls an activity again with `resume: next` until it finishes, as the workflow does; one invocation per step. */
export async function drive<I extends { resume?: ScreeningResume }, R>(
  fn: (input: I) => Promise<R | { next?: ScreeningResume }>,
  input: I,
  fake: FakeComplyCube,
  maxSteps = 20,
): Promise<{ result: R; steps: string[]; requestsPerStep: number[] }> {
  const steps: string[] = [];
  const requestsPerStep: number[] = [];
  let resume: ScreeningResume | undefined = input.resume;
  for (let i = 0; i < maxSteps; i++) {
    const before = fake.requests.length;
    steps.push(resume?.step ?? 'start');
    const result = await runActivity(fn, { ...input, ...(resume !== undefined && { resume }) });
    requestsPerStep.push(fake.requests.length - before);
    const next = (result as { next?: ScreeningResume }).next;
    if (next === undefined) return { result: result as R, steps, requestsPerStep };
    resume = next;
  }
  throw new Error(`not finished after ${maxSteps} steps: ${steps.join(' → ')}`);
}

/** A logger that keeps every line, message and attributes, as one string each. */
export function capturingLogger(): ActivityLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return { lines, info: keep('info'), warn: keep('warn') };
}
