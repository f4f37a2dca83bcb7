/**
 * `npm run register-webhooks` at ComplyCube, against a local Fastify stand-in for its webhook API
 * (`GET /webhooks` paged, `POST /webhooks`, `POST /webhooks/{id}`, bare-key Authorization, errors as
 * `{type, message, param?}`): the URL rules, the idempotent registration, the secret printed once, the
 * error messages, and the entry point with the Mesh sandbox beside it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { ComplyCubeError, type ComplyCubeApi } from '../../src/providers/complycube/api';
import { createComplyCubeClient } from '../../src/providers/complycube/client';
import { registerComplyCubeWebhook } from '../../src/register-webhooks/complycube';
import { loadComplyCubeConnectionConfig } from '../../src/register-webhooks/config';
import { parseRegisterWebhooksArgs, UsageError } from '../../src/register-webhooks/register';
import { Secret } from '../../src/platform/config/secret';
import { freePort } from '../../testkit/net';
import { startHarness, type SandboxHarness } from '../helpers/mesh-sandbox';

const API_KEY = 'test_cc_api_key_0123456789';
const BRIDGE = 'https://kyc.example.com';
const CC_URL = `${BRIDGE}/webhooks/complycube`;

interface StoredWebhook {
  id: string;
  url: string;
  enabled: boolean;
  events: string[];
  description: string;
  secret: string;
}

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/** ComplyCube's webhook API as its docs describe it, in memory. */
class FakeComplyCube {
  webhooks: StoredWebhook[] = [];
  requests: Recorded[] = [];
  /** The next answer, whatever the request: a status and a body. */
  failNext: { status: number; body: unknown } | undefined;
  /** Answer lists without `items` (a malformed answer). */
  dropItems = false;
  private app: FastifyInstance | undefined;
  baseUrl = '';

  async start(): Promise<this> {
    const app = Fastify();
    app.addHook('onRequest', async (request, reply) => {
      this.requests.push({
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        body: undefined,
      });
      if (request.headers.authorization !== API_KEY) {
        return reply
          .code(401)
          .send({ type: 'unauthorized', message: `Invalid API key ${request.headers.authorization ?? ''}` });
      }
      if (this.failNext !== undefined) {
        const { status, body } = this.failNext;
        this.failNext = undefined;
        return reply.code(status).send(body);
      }
      return undefined;
    });
    app.addHook('preHandler', (request, _reply, done) => {
      const last = this.requests[this.requests.length - 1];
      if (last !== undefined) last.body = request.body;
      done();
    });
    const view = ({ secret: _secret, ...webhook }: StoredWebhook) => webhook;
    app.get<{ Querystring: { page?: string; pageSize?: string } }>('/v1/webhooks', (request) => {
      const page = Number(request.query.page ?? 1);
      const pageSize = Number(request.query.pageSize ?? 100);
      const items = this.webhooks.slice((page - 1) * pageSize, page * pageSize).map(view);
      const totalItems = this.webhooks.length;
      return {
        page,
        pageSize,
        totalItems,
        pages: Math.max(1, Math.ceil(totalItems / pageSize)),
        ...(!this.dropItems && { items }),
      };
    });
    app.post<{ Body: Omit<StoredWebhook, 'id' | 'secret'> }>('/v1/webhooks', (request) => {
      const webhook: StoredWebhook = {
        ...request.body,
        id: `wh_${randomBytes(6).toString('hex')}`,
        secret: `whsec_cc_${randomBytes(12).toString('hex')}`,
      };
      this.webhooks.push(webhook);
      return webhook;
    });
    app.post<{ Params: { id: string }; Body: { enabled: boolean } }>('/v1/webhooks/:id', (request, reply) => {
      const webhook = this.webhooks.find((w) => w.id === request.params.id);
      if (webhook === undefined) {
        return reply.code(404).send({ type: 'resource_not_found', message: 'no such webhook' });
      }
      webhook.enabled = request.body.enabled;
      return view(webhook);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    this.app = app;
    this.baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  add(webhook: Partial<StoredWebhook> & { url: string }): StoredWebhook {
    const stored: StoredWebhook = {
      id: `wh_${randomBytes(6).toString('hex')}`,
      enabled: true,
      events: ['*'],
      description: 'someone else',
      secret: `whsec_cc_${randomBytes(12).toString('hex')}`,
      ...webhook,
    };
    this.webhooks.push(stored);
    return stored;
  }

  reset(): void {
    this.webhooks = [];
    this.requests = [];
    this.failNext = undefined;
    this.dropItems = false;
  }

  async close(): Promise<void> {
    await this.app?.close();
  }
}

function usageErrorOf(argv: string[]): string {
  try {
    parseRegisterWebhooksArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('register-webhooks arguments: the ComplyCube URL', () => {
  it.each([
    [BRIDGE, CC_URL],
    [`${BRIDGE}/webhooks/complyadvantage`, CC_URL],
    ['https://gw.example.com/kyc/webhooks/complyadvantage', 'https://gw.example.com/kyc/webhooks/complycube'],
  ])('derives it from --url %s', (url, expected) => {
    expect(parseRegisterWebhooksArgs(['--url', url])).toMatchObject({
      complyCube: { url: expected, explicit: false },
    });
  });

  it('cannot derive it from another path, and leaves the Mesh URL as given', () => {
    expect(parseRegisterWebhooksArgs(['--url', 'https://gw.example.com/kyc/hooks'])).toMatchObject({
      url: 'https://gw.example.com/kyc/hooks',
      complyCube: { url: undefined, explicit: false },
    });
  });

  it('takes --complycube-url as given, completing a bare origin with the route', () => {
    expect(
      parseRegisterWebhooksArgs(['--url', BRIDGE, '--complycube-url', 'https://cc.example.com/in/cc']),
    ).toMatchObject({ complyCube: { url: 'https://cc.example.com/in/cc', explicit: true } });
    expect(
      parseRegisterWebhooksArgs(['--url', BRIDGE, '--complycube-url', 'https://cc.example.com']),
    ).toMatchObject({ complyCube: { url: 'https://cc.example.com/webhooks/complycube', explicit: true } });
  });

  it('holds --complycube-url to the same rules as --url: HTTPS unless --allow-http, no credentials', () => {
    expect(usageErrorOf(['--url', BRIDGE, '--complycube-url', 'http://cc.example.com'])).toMatch(
      /^--complycube-url: must use HTTPS \(ComplyCube sends webhooks to HTTPS endpoints only\)/,
    );
    expect(usageErrorOf(['--url', BRIDGE, '--complycube-url', 'https://u:p@cc.example.com'])).toContain(
      'credentials',
    );
    expect(usageErrorOf(['--url', BRIDGE, '--complycube-url', 'not a url'])).toContain(
      '--complycube-url: expected an absolute URL',
    );
    expect(
      parseRegisterWebhooksArgs([
        '--url',
        'http://127.0.0.1:3000',
        '--complycube-url',
        'http://127.0.0.1:3000',
        '--allow-http',
      ]),
    ).toMatchObject({ complyCube: { url: 'http://127.0.0.1:3000/webhooks/complycube' } });
  });
});

describe('ComplyCube connection settings', () => {
  it('registers nothing without COMPLYCUBE_API_KEY, and defaults the base URL', () => {
    expect(loadComplyCubeConnectionConfig({})).toBeUndefined();
    const config = loadComplyCubeConnectionConfig({ COMPLYCUBE_API_KEY: 'k' });
    expect(config?.baseUrl).toBe('https://api.complycube.com/v1');
    expect(config?.apiKey.reveal()).toBe('k');
    expect(JSON.stringify(config)).not.toContain('"k"');
  });
});

/** The project's ComplyCube client (src/providers/complycube/client.ts), pointed at `baseUrl`. */
function clientOf(baseUrl: string, apiKey = API_KEY): ComplyCubeApi {
  return createComplyCubeClient({
    config: { baseUrl, apiKey: new Secret(apiKey), retryBackoffMs: 30_000 },
    requestTimeoutMs: 5_000,
  });
}

describe('registering with ComplyCube', () => {
  const cc = new FakeComplyCube();
  let api: ComplyCubeApi;
  let lines: string[];
  const out = (line: string) => void lines.push(line);
  const register = (options: { url?: string; dryRun?: boolean } = {}) =>
    registerComplyCubeWebhook(api, { url: options.url ?? CC_URL, dryRun: options.dryRun ?? false }, out);

  beforeAll(() => cc.start());
  afterAll(() => cc.close());
  beforeEach(() => {
    cc.reset();
    lines = [];
    api = clientOf(cc.baseUrl);
  });

  it('creates an enabled webhook for every event and prints its secret once, with what to do with it', async () => {
    const result = await register();

    expect(result.action).toBe('create');
    expect(cc.webhooks).toEqual([
      expect.objectContaining({
        url: CC_URL,
        enabled: true,
        events: ['*'],
        description: 'KYC onboarding bridge',
      }),
    ]);
    const created = cc.requests.find((r) => r.method === 'POST');
    expect(created?.body).toEqual({
      url: CC_URL,
      enabled: true,
      events: ['*'],
      description: 'KYC onboarding bridge',
    });
    // The bare key, no Bearer prefix, on every call.
    expect(new Set(cc.requests.map((r) => r.authorization))).toEqual(new Set([API_KEY]));

    const text = lines.join('\n');
    const secret = cc.webhooks[0]!.secret;
    expect(text.split(secret)).toHaveLength(2);
    expect(text).toMatch(new RegExp(`webhook +created +${cc.webhooks[0]!.id}`));
    expect(text).toContain('COMPLYCUBE_WEBHOOK_SECRET');
    expect(text).toContain('COMPLYCUBE_WEBHOOK_SECRET=<old>,<new>');
  });

  it('changes nothing on a second run, and explains that the secret cannot be read back and how to rotate it', async () => {
    await register();
    const secret = cc.webhooks[0]!.secret;
    lines = [];
    cc.requests = [];

    const result = await register();

    expect(result.action).toBe('unchanged');
    expect(cc.webhooks).toHaveLength(1);
    expect(cc.requests.map((r) => r.method)).toEqual(['GET']);
    const text = lines.join('\n');
    expect(text).toMatch(/webhook +unchanged +wh_\w+ \(already enabled for this URL\)/);
    expect(text).not.toContain(secret);
    expect(text).toContain('COMPLYCUBE_WEBHOOK_SECRET');
    expect(text).toMatch(/must already hold it/);
    expect(text).toContain(`DELETE /webhooks/${cc.webhooks[0]!.id}`);
  });

  it('enables the webhook for the URL that ComplyCube disabled, instead of creating a second one', async () => {
    const disabled = cc.add({ url: CC_URL, enabled: false, description: 'KYC onboarding bridge' });

    const result = await register();

    expect(result).toMatchObject({ action: 'enable', webhook: { id: disabled.id, enabled: true } });
    expect(cc.webhooks).toEqual([expect.objectContaining({ id: disabled.id, enabled: true })]);
    expect(cc.requests.filter((r) => r.method === 'POST')).toEqual([
      expect.objectContaining({ url: `/v1/webhooks/${disabled.id}`, body: { enabled: true } }),
    ]);
    expect(lines.join('\n')).toMatch(/webhook +enabled +wh_\w+ \(was disabled\)/);
    expect(lines.join('\n')).not.toContain(disabled.secret);
  });

  it('finds its webhook on a later page, and lists the others without touching them', async () => {
    for (let i = 0; i < 120; i++) cc.add({ url: `https://crm${i}.example.com/hook` });
    const ours = cc.add({ url: CC_URL });

    const result = await register();

    expect(result).toMatchObject({ action: 'unchanged', webhook: { id: ours.id } });
    expect(cc.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v1/webhooks?page=1&pageSize=100',
      'GET /v1/webhooks?page=2&pageSize=100',
    ]);
    expect(lines.filter((l) => / left alone /.test(l))).toHaveLength(120);
    expect(lines.join('\n')).toMatch(/left alone +wh_\w+ -> https:\/\/crm7\.example\.com\/hook \(enabled\)/);
  });

  it('notes when the webhook kept for the URL receives no check events', async () => {
    cc.add({ url: CC_URL, events: ['client.created'] });
    await register();
    expect(lines.join('\n')).toContain('include no check.* event');
  });

  it('changes nothing on a dry run but says what it would do', async () => {
    const created = await register({ dryRun: true });
    expect(created).toEqual({ action: 'create', webhook: undefined });
    const disabled = cc.add({ url: CC_URL, enabled: false });
    const enabled = await register({ dryRun: true });
    expect(enabled).toMatchObject({ action: 'enable', webhook: { id: disabled.id } });

    expect(cc.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(cc.webhooks).toEqual([expect.objectContaining({ enabled: false })]);
    expect(lines[0]).toBe(`would register ${CC_URL}`);
    expect(lines.join('\n')).toMatch(/webhook +create +\(new\)/);
    expect(lines.join('\n')).toMatch(/webhook +enable +wh_/);
  });

  it('names the status and ComplyCube error type of a refusal, never its message', async () => {
    const wrongKey = clientOf(cc.baseUrl, 'wrong-key-visible-in-message');
    const refused = await registerComplyCubeWebhook(wrongKey, { url: CC_URL, dryRun: false }, out).catch(
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ComplyCubeError);
    expect((refused as Error).message).toBe(
      'ComplyCube listWebhooks failed: 401 Unauthorized (type unauthorized); check COMPLYCUBE_API_KEY',
    );
    expect((refused as Error).message).not.toContain('wrong-key-visible-in-message');
  });

  it('names the field ComplyCube rejected on create', async () => {
    // The list succeeds; the create is refused.
    const create = api.createWebhook;
    api = {
      ...api,
      createWebhook: (request) => {
        cc.failNext = {
          status: 400,
          body: { type: 'invalid_request', message: `url ${request.url} must be HTTPS`, param: 'url' },
        };
        return create(request);
      },
    };
    const refused = await register().catch((err: unknown) => err);
    expect((refused as Error).message).toBe(
      'ComplyCube createWebhook failed: 400 Bad Request (type invalid_request) — rejected field: url',
    );
    expect(refused).toMatchObject({ details: { status: 400, errorType: 'invalid_request', param: 'url' } });
    expect((refused as Error).message).not.toContain('must be HTTPS');
  });

  it('refuses a list answer without items rather than reading it as "no webhooks" (and creating a second one)', async () => {
    cc.add({ url: CC_URL });
    cc.dropItems = true;
    const refused = await register().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ComplyCubeError);
    expect((refused as Error).message).toMatch(
      /^ComplyCube listWebhooks answered 200 with an unexpected body — .*items/,
    );
    expect(cc.webhooks).toHaveLength(1);
  });

  it('reports a ComplyCube it cannot reach by the network error, not a stack', async () => {
    const nowhere = clientOf(`http://127.0.0.1:${await freePort()}/v1`);
    const refused = await registerComplyCubeWebhook(nowhere, { url: CC_URL, dryRun: false }, out).catch(
      (err: unknown) => err,
    );
    expect((refused as Error).message).toBe('ComplyCube listWebhooks: connection failed (ECONNREFUSED)');
  });
});

describe('npm run register-webhooks with COMPLYCUBE_API_KEY (the entry point)', () => {
  const root = join(__dirname, '..', '..');
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const run = promisify(execFile);
  const cc = new FakeComplyCube();
  let harness: SandboxHarness;

  beforeAll(async () => {
    harness = await startHarness();
    await cc.start();
  });
  afterAll(async () => {
    await harness.sandbox.close();
    await cc.close();
  });
  beforeEach(async () => {
    cc.reset();
    await harness.reset();
  });

  async function cli(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(tsx, ['src/register-webhooks/main.ts', ...args], {
        cwd: root,
        env: {
          PATH: process.env['PATH'],
          MESH_BASE_URL: harness.sandbox.url,
          MESH_ACCESS_KEY: 'register-webhooks-test',
          MESH_SECRET: 'sandbox',
          ...env,
        },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  const withComplyCube = () => ({ COMPLYCUBE_API_KEY: API_KEY, COMPLYCUBE_BASE_URL: cc.baseUrl });

  it('registers Mesh and ComplyCube, printing the new secret, then leaves both alone', async () => {
    const first = await cli(['--url', BRIDGE], withComplyCube());
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/CASE_TRANSITIONED +created/);
    expect(first.stdout).toContain(`ComplyCube: ${cc.baseUrl}\nregistering ${CC_URL}\n`);
    expect(first.stdout).toContain(cc.webhooks[0]!.secret);

    const second = await cli(['--url', BRIDGE], withComplyCube());
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/CASE_TRANSITIONED +unchanged/);
    expect(second.stdout).toMatch(/webhook +unchanged +wh_/);
    expect(second.stdout).not.toContain(cc.webhooks[0]!.secret);
    expect(cc.webhooks).toHaveLength(1);
  });

  it('leaves ComplyCube out without COMPLYCUBE_API_KEY', async () => {
    const result = await cli(['--url', BRIDGE]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('ComplyCube');
    expect(cc.requests).toEqual([]);
  });

  it('exits 2 before any call when the ComplyCube URL cannot be derived from --url', async () => {
    const result = await cli(['--url', 'https://gw.example.com/kyc/hooks'], withComplyCube());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--complycube-url: required with COMPLYCUBE_API_KEY set');
    expect(cc.requests).toEqual([]);
    expect(await harness.client().listWebhooks()).toEqual([]);
  });

  it("exits 1 on ComplyCube's refusal, with its status and error type but not its message", async () => {
    const result = await cli(['--url', BRIDGE], { ...withComplyCube(), COMPLYCUBE_API_KEY: 'revoked-key' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'ComplyCube refused: ComplyCube listWebhooks failed: 401 Unauthorized (type unauthorized)',
    );
    expect(result.stderr).not.toContain('Invalid API key');
    // Mesh was registered all the same.
    expect(result.stdout).toMatch(/CASE_CREATED +created/);
  });
});
