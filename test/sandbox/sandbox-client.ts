import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startSandbox,
  type FaultBody,
  type Sandbox,
  type SandboxOptions,
  type SettingsPatchBody,
} from '../../src/sandbox/mesh';

/** A tiny HTTP client for the sandbox tests: fetch with the bearer token and JSON bodies. */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export class SandboxClient {
  private token: string | undefined;
  private readonly current: () => Sandbox;

  /** A function stands for a sandbox that starts later (see useSandbox). */
  constructor(sandbox: Sandbox | (() => Sandbox)) {
    this.current = typeof sandbox === 'function' ? sandbox : () => sandbox;
  }

  get sandbox(): Sandbox {
    return this.current();
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean; redirect?: 'manual' | 'follow' | 'error' } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.auth !== false && !path.startsWith('/_sandbox'))
      headers.authorization = `Bearer ${await this.bearer()}`;
    const res = await fetch(`${this.sandbox.url}${path}`, {
      method,
      headers,
      redirect: opts.redirect ?? 'manual',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const raw = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: raw === '' ? undefined : (JSON.parse(raw) as unknown),
    };
  }

  async bearer(): Promise<string> {
    if (this.token === undefined) {
      const res = await fetch(`${this.sandbox.url}/v2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ realm: 'test-realm', username: 'api@example.com', password: 'sandbox' }),
      });
      this.token = ((await res.json()) as { access_token: string }).access_token;
    }
    return this.token;
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: unknown) => this.request('POST', path, body);
  patch = (path: string, body?: unknown) => this.request('PATCH', path, body);

  control = (method: string, path: string, body?: unknown) => this.request(method, `/_sandbox${path}`, body);

  /** `PATCH /_sandbox/settings`, typed: a misspelt knob fails to compile instead of answering 400. */
  settings = (patch: SettingsPatchBody) => this.control('PATCH', '/settings', patch);
  /** `POST /_sandbox/faults`, typed. */
  fault = (fault: FaultBody) => this.control('POST', '/faults', fault);
}

/**
 * Registers a describe block's hooks for one sandbox: started before all its tests, closed after them,
 * and reset before each when asked. Returns the client for it; `api.sandbox` is the sandbox itself.
 */
export function useSandbox(options: SandboxOptions, hooks: { resetBeforeEach: boolean }): SandboxClient {
  let started: Sandbox | undefined;
  const api = new SandboxClient(() => {
    if (started === undefined) throw new Error('the sandbox starts in beforeAll: use it in tests and hooks');
    return started;
  });
  beforeAll(async () => {
    started = await startSandbox(options);
  });
  afterAll(() => started?.close());
  if (hooks.resetBeforeEach) beforeEach(() => api.sandbox.reset());
  return api;
}

/** The value at a dotted path (`step_details.customer-creation.status`), or undefined. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Like `at`, for values the test needs as a string (identifiers); fails loudly otherwise. */
export function text(value: unknown, path: string): string {
  const found = at(value, path);
  if (typeof found !== 'string')
    throw new Error(`expected a string at ${path}, got ${JSON.stringify(found)}`);
  return found;
}

let counter = 0;
/** Unique external identifiers, so tests never collide on the sandbox's uniqueness rule. */
export function externalId(prefix = 'CUST'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

export function personBody(
  name: { first_name?: string; last_name?: string; full_name?: string },
  external = externalId(),
) {
  return {
    customer: { external_identifier: external, person: name },
    configuration: { screening_configuration_identifier: 'sandbox-default' },
    monitoring: { entity_screening: { enabled: true } },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after the deadline. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
}

/** A local webhook receiver; answers each delivery with the next status from `statuses` (then 200). */
export class Receiver {
  readonly received: Received[] = [];
  statuses: number[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ headers: req.headers, raw, body: JSON.parse(raw) as unknown });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
