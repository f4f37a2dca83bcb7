/**
 * `npm run register-webhooks` against the real Mesh sandbox (src/sandbox, in-process): the argument
 * rules, the idempotent reconciliation, and the entry point as a user runs it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  parseRegisterWebhooksArgs,
  registerWebhooks,
  UsageError,
  type RegisterWebhooksOptions,
} from '../../src/register-webhooks/register';
import { MeshError, type MeshApi } from '../../src/providers/mesh/api';
import type { MeshWebhooks, WebhookConfiguration } from '../../src/providers/mesh/webhooks';
import { startHarness, useSandboxHarness, type SandboxHarness } from '../helpers/mesh-sandbox';

const BRIDGE_URL = 'https://kyc.example.com/webhooks/complyadvantage';

function options(overrides: Partial<RegisterWebhooksOptions> = {}): RegisterWebhooksOptions {
  const command = parseRegisterWebhooksArgs(['--url', BRIDGE_URL]);
  if (command.kind !== 'register') throw new Error('expected a register command');
  return { ...command, ...overrides };
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

describe('register-webhooks arguments', () => {
  it('refuses an http:// URL, citing the guide and naming the way out for the local sandbox', () => {
    const message = usageErrorOf(['--url', 'http://kyc.example.com/webhooks/complyadvantage']);
    expect(message).toContain('must use HTTPS');
    expect(message).toContain('--allow-http');
  });

  it('accepts an http:// URL only with --allow-http', () => {
    expect(
      parseRegisterWebhooksArgs(['--url', 'http://127.0.0.1:3000/webhooks/complyadvantage', '--allow-http']),
    ).toMatchObject({ kind: 'register', url: 'http://127.0.0.1:3000/webhooks/complyadvantage' });
  });

  it('asks for --url when it is missing, and for an absolute URL when it is not one', () => {
    expect(usageErrorOf([])).toContain('--url is required');
    expect(usageErrorOf(['--url', 'kyc.example.com/hook'])).toContain('expected an absolute URL');
  });

  it('refuses other schemes and URLs carrying credentials', () => {
    expect(usageErrorOf(['--url', 'ftp://kyc.example.com/x', '--allow-http'])).toContain('must use HTTPS');
    expect(usageErrorOf(['--url', 'https://user:pw@kyc.example.com/x'])).toContain('credentials');
  });

  it("completes a bare origin with the bridge's route and keeps any other path as given", () => {
    expect(parseRegisterWebhooksArgs(['--url', 'https://kyc.example.com'])).toMatchObject({
      url: 'https://kyc.example.com/webhooks/complyadvantage',
    });
    expect(parseRegisterWebhooksArgs(['--url', 'https://gw.example.com/kyc/hooks'])).toMatchObject({
      url: 'https://gw.example.com/kyc/hooks',
    });
  });

  it('registers CASE_TRANSITIONED and CASE_CREATED, and CASE_STATE_UPDATED only on request', () => {
    expect(parseRegisterWebhooksArgs(['--url', BRIDGE_URL])).toMatchObject({
      types: ['CASE_TRANSITIONED', 'CASE_CREATED'],
    });
    expect(parseRegisterWebhooksArgs(['--url', BRIDGE_URL, '--case-state-updated'])).toMatchObject({
      types: ['CASE_TRANSITIONED', 'CASE_CREATED', 'CASE_STATE_UPDATED'],
    });
  });

  it('rejects unknown options instead of ignoring them', () => {
    expect(usageErrorOf(['--url', BRIDGE_URL, '--state-updated'])).toContain("'--state-updated'");
  });
});

describe('register-webhooks against the Mesh sandbox', () => {
  const harness = useSandboxHarness();
  let mesh: MeshApi & MeshWebhooks;
  let lines: string[];
  const out = (line: string) => void lines.push(line);

  beforeEach(() => {
    mesh = harness.client();
    lines = [];
  });

  const summary = (configs: WebhookConfiguration[]) =>
    configs
      .map((w) => ({ type: w.type, url: w.url, isActive: w.isActive }))
      .sort((a, b) => a.type.localeCompare(b.type));

  it('creates CASE_TRANSITIONED and CASE_CREATED for the URL on the first run', async () => {
    const applied = await registerWebhooks(mesh, options(), out);

    expect(applied.map((a) => [a.type, a.action])).toEqual([
      ['CASE_TRANSITIONED', 'create'],
      ['CASE_CREATED', 'create'],
    ]);
    expect(summary(await mesh.listWebhooks())).toEqual([
      { type: 'CASE_CREATED', url: BRIDGE_URL, isActive: true },
      { type: 'CASE_TRANSITIONED', url: BRIDGE_URL, isActive: true },
    ]);
    expect(lines.join('\n')).toMatch(/CASE_TRANSITIONED +created +webhook_/);
  });

  it('changes nothing on a second run and says so', async () => {
    await registerWebhooks(mesh, options(), out);
    const before = await mesh.listWebhooks();
    lines = [];

    const applied = await registerWebhooks(mesh, options(), out);

    expect(applied.map((a) => a.action)).toEqual(['unchanged', 'unchanged']);
    expect(await mesh.listWebhooks()).toEqual(before);
    expect(lines.filter((l) => l.includes('unchanged'))).toHaveLength(2);
  });

  it('adds only CASE_STATE_UPDATED when it is requested later', async () => {
    await registerWebhooks(mesh, options(), out);

    const applied = await registerWebhooks(
      mesh,
      options({ types: ['CASE_TRANSITIONED', 'CASE_CREATED', 'CASE_STATE_UPDATED'] }),
      out,
    );

    expect(applied.map((a) => [a.type, a.action])).toEqual([
      ['CASE_TRANSITIONED', 'unchanged'],
      ['CASE_CREATED', 'unchanged'],
      ['CASE_STATE_UPDATED', 'create'],
    ]);
    expect(await mesh.listWebhooks('CASE_STATE_UPDATED')).toEqual([
      expect.objectContaining({ url: BRIDGE_URL, isActive: true }),
    ]);
  });

  it('switches a deactivated configuration for the URL back on instead of adding a second one', async () => {
    const [transitioned] = await registerWebhooks(mesh, options(), out);
    await mesh.updateWebhook(transitioned!.configuration!.identifier, { isActive: false });

    const applied = await registerWebhooks(mesh, options(), out);

    expect(applied[0]).toMatchObject({ type: 'CASE_TRANSITIONED', action: 'reactivate' });
    expect(await mesh.listWebhooks('CASE_TRANSITIONED')).toEqual([
      expect.objectContaining({ url: BRIDGE_URL, isActive: true }),
    ]);
  });

  it("moves its own configurations to a new URL and leaves other teams' alone", async () => {
    await registerWebhooks(mesh, options({ url: 'https://old.example.com/webhooks/complyadvantage' }), out);
    await mesh.registerWebhook({
      name: 'crm sync',
      type: 'CASE_CREATED',
      url: 'https://crm.example.com/hook',
      isActive: true,
    });
    lines = [];

    const applied = await registerWebhooks(mesh, options(), out);

    expect(applied.map((a) => a.action)).toEqual(['move', 'move']);
    expect(summary(await mesh.listWebhooks())).toEqual([
      { type: 'CASE_CREATED', url: BRIDGE_URL, isActive: true },
      { type: 'CASE_CREATED', url: 'https://crm.example.com/hook', isActive: true },
      { type: 'CASE_TRANSITIONED', url: BRIDGE_URL, isActive: true },
    ]);
    expect(lines.join('\n')).toContain('was https://old.example.com/webhooks/complyadvantage');
    expect(lines.join('\n')).toMatch(
      /CASE_CREATED +left alone +webhook_\S+ -> https:\/\/crm\.example\.com\/hook/,
    );
  });

  it('changes nothing on a dry run but lists what it would do', async () => {
    const applied = await registerWebhooks(mesh, options({ dryRun: true }), out);

    expect(applied.map((a) => a.action)).toEqual(['create', 'create']);
    expect(await mesh.listWebhooks()).toEqual([]);
    expect(lines[0]).toBe(`would register ${BRIDGE_URL}`);
  });

  it("reports Mesh's refusal of a URL, naming the field", async () => {
    const refused = await registerWebhooks(
      mesh,
      options({ url: 'https://10.1.2.3/webhooks/complyadvantage' }),
      out,
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The field Mesh rejected is named; the provider's own reason (prose) is not repeated (src/providers/mesh/errors.ts).
    expect(refused).toBeInstanceOf(MeshError);
    expect(refused).toMatchObject({ kind: 'BAD_REQUEST', details: { status: 400, retryable: false } });
    expect((refused as MeshError).message).toMatch(
      /^Mesh registerWebhook failed: 400 Bad Request\b.* — rejected fields: url$/,
    );
    expect((refused as MeshError).message).not.toContain('private IP');
    expect(await mesh.listWebhooks()).toEqual([]);
  });
});

describe('npm run register-webhooks (the entry point)', () => {
  const root = join(__dirname, '..', '..');
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const run = promisify(execFile);
  let harness: SandboxHarness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.sandbox.close();
  });

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      PATH: process.env['PATH'],
      MESH_BASE_URL: harness.sandbox.url,
      MESH_ACCESS_KEY: 'register-webhooks-test',
      MESH_SECRET: 'sandbox',
    };
    try {
      const { stdout, stderr } = await run(tsx, ['src/register-webhooks/main.ts', ...args], {
        cwd: root,
        env,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('exits 2 on an http:// URL without calling Mesh', async () => {
    const result = await cli(['--url', 'http://kyc.example.com/webhooks/complyadvantage']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--url: must use HTTPS');
    expect(await harness.client().listWebhooks()).toEqual([]);
  });

  it('registers, then leaves everything alone on the second run', async () => {
    const first = await cli(['--url', BRIDGE_URL]);
    const second = await cli(['--url', BRIDGE_URL]);

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/CASE_CREATED +created/);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/CASE_TRANSITIONED +unchanged/);
    expect(second.stdout).toMatch(/CASE_CREATED +unchanged/);
    expect(await harness.client().listWebhooks()).toHaveLength(2);
  });
});
