import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMPLYCUBE_FAULT_KINDS,
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  DEFAULT_COMPLYCUBE_SETTINGS,
} from '../../src/sandbox/complycube';
import { settingsPatchSchema } from '../../src/sandbox/complycube/settings';
import { loadSandboxConfig, SANDBOX_ENV_VARIABLES } from '../../src/sandbox/config';
import { freePort } from '../../testkit/net';
import { configProblems } from '../helpers/config';
import {
  answers,
  startSandboxMain,
  stopSandboxMain,
  withBusyPort,
  type StartedSandboxMain,
} from '../helpers/sandbox-main';
import { eventually } from './complycube-client';

const ROOT = join(__dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'sandbox.md'), 'utf8');

describe('ComplyCube sandbox configuration (SANDBOX_COMPLYCUBE_*)', () => {
  it('defaults to port 4011, the default key, the dev secret, checks after 1 s and 5 requests a second', () => {
    expect(loadSandboxConfig({}).complycube).toEqual({
      port: 4011,
      apiKey: 'sandbox-complycube-key',
      webhookSecret: COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
      webhookUrls: [],
      checkDelayMs: 1000,
      rateLimitPerSecond: 5,
    });
  });

  it('reads every variable, and port 0 leaves the ComplyCube sandbox off', () => {
    expect(
      loadSandboxConfig({
        SANDBOX_COMPLYCUBE_PORT: '5011',
        SANDBOX_COMPLYCUBE_API_KEY: 'test_abc123',
        SANDBOX_COMPLYCUBE_WEBHOOK_SECRET: 'a-secret-of-sixteen+',
        SANDBOX_COMPLYCUBE_WEBHOOK_URLS: 'http://127.0.0.1:4020/webhooks/complycube, http://bridge:4020/x',
        SANDBOX_COMPLYCUBE_CHECK_DELAY_MS: '0',
        SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND: '0',
      }).complycube,
    ).toEqual({
      port: 5011,
      apiKey: 'test_abc123',
      webhookSecret: 'a-secret-of-sixteen+',
      webhookUrls: ['http://127.0.0.1:4020/webhooks/complycube', 'http://bridge:4020/x'],
      checkDelayMs: 0,
      rateLimitPerSecond: 0,
    });
    expect(loadSandboxConfig({ SANDBOX_COMPLYCUBE_PORT: '0' }).complycube).toBeNull();
    // The Mesh section is untouched by them.
    expect(loadSandboxConfig({ SANDBOX_COMPLYCUBE_PORT: '0' })).toMatchObject({
      port: 4010,
      rateLimitPerMinute: 300,
    });
  });

  it('names the variable and what it expects when a value is malformed', () => {
    const problems = (env: Record<string, string>) => configProblems(loadSandboxConfig, env);
    const cases: Record<string, string> = {
      SANDBOX_COMPLYCUBE_PORT: '70000',
      SANDBOX_COMPLYCUBE_API_KEY: 'two words',
      SANDBOX_COMPLYCUBE_WEBHOOK_SECRET: 'short',
      SANDBOX_COMPLYCUBE_WEBHOOK_URLS: 'not a url',
      SANDBOX_COMPLYCUBE_CHECK_DELAY_MS: 'soon',
      SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND: '-1',
    };
    for (const [variable, value] of Object.entries(cases)) {
      expect(problems({ [variable]: value })).toEqual([
        expect.stringMatching(new RegExp(`^${variable}: expected`)),
      ]);
    }
  });
});

describe('docs/sandbox.md, the ComplyCube section', () => {
  const section = DOC.slice(DOC.indexOf('# The ComplyCube sandbox'));

  it('exists and documents every setting, fault kind and SANDBOX_COMPLYCUBE_* variable in its tables', () => {
    expect(section.length).toBeGreaterThan(1000);
    const keys = new Set([
      ...Object.keys(DEFAULT_COMPLYCUBE_SETTINGS),
      ...Object.keys(settingsPatchSchema.shape),
    ]);
    for (const key of keys) expect(section).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
    for (const kind of COMPLYCUBE_FAULT_KINDS)
      expect(section).toMatch(new RegExp(`^\\| \`${kind}\` +\\|`, 'm'));
    const variables = SANDBOX_ENV_VARIABLES.filter((v) => v.startsWith('SANDBOX_COMPLYCUBE_'));
    expect(variables.length).toBe(6);
    for (const variable of variables) expect(section).toContain(`| \`${variable}\``);
    expect(section).toContain(COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET);
  });

  it('points at no file outside the repository', () => {
    expect(DOC).not.toMatch(/shared\/reference|\.\.\/\.\.\//);
  });
});

describe('npm run sandbox with the ComplyCube sandbox', () => {
  let running: StartedSandboxMain | undefined;
  afterEach(async () => {
    await stopSandboxMain(running);
    running = undefined;
  });

  it('starts both on their ports with the SANDBOX_COMPLYCUBE_* settings, one line each, and stops on SIGTERM', async () => {
    const meshPort = await freePort();
    const ccPort = await freePort();
    running = startSandboxMain({
      SANDBOX_PORT: String(meshPort),
      SANDBOX_COMPLYCUBE_PORT: String(ccPort),
      SANDBOX_COMPLYCUBE_API_KEY: 'key-from-the-environment',
      SANDBOX_COMPLYCUBE_CHECK_DELAY_MS: '0',
      SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND: '7',
      SANDBOX_COMPLYCUBE_WEBHOOK_URLS: 'http://127.0.0.1:9/webhooks/complycube',
    });
    const origin = `http://127.0.0.1:${ccPort}`;
    const settings = await eventually(
      async () => {
        const res = await answers(`${origin}/_sandbox/complycube/settings`);
        return res?.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      'the ComplyCube sandbox to answer',
      30_000,
    );
    expect(settings).toMatchObject({ rateLimitPerSecond: 7, checkDelayMs: 0 });
    expect((await answers(`http://127.0.0.1:${meshPort}/_sandbox/settings`))?.status).toBe(200);
    expect(running.output()).toContain(`Mesh sandbox listening on http://127.0.0.1:${meshPort}`);
    expect(running.output()).toContain(`ComplyCube sandbox listening on ${origin}/v1 (rate limit 7/s`);

    const hooks = await fetch(`${origin}/v1/webhooks`, {
      headers: { authorization: 'key-from-the-environment' },
    });
    expect(await hooks.json()).toMatchObject({
      totalItems: 1,
      items: [{ url: 'http://127.0.0.1:9/webhooks/complycube', events: ['*'], enabled: true }],
    });
    expect(
      (await fetch(`${origin}/v1/webhooks`, { headers: { authorization: 'sandbox-complycube-key' } })).status,
    ).toBe(401);

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });

  it('leaves the ComplyCube sandbox off with SANDBOX_COMPLYCUBE_PORT=0', async () => {
    const meshPort = await freePort();
    running = startSandboxMain({ SANDBOX_PORT: String(meshPort), SANDBOX_COMPLYCUBE_PORT: '0' });
    await eventually(
      async () => ((await answers(`http://127.0.0.1:${meshPort}/_sandbox/settings`))?.ok ? true : undefined),
      'the Mesh sandbox to answer',
      30_000,
    );
    expect(running.output()).toContain('Mesh sandbox listening');
    expect(running.output()).not.toContain('ComplyCube');
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });

  it('keeps the Mesh sandbox running, and says so, when the ComplyCube port is taken', async () => {
    await withBusyPort(async (busyPort) => {
      const meshPort = await freePort();
      running = startSandboxMain({
        SANDBOX_PORT: String(meshPort),
        SANDBOX_COMPLYCUBE_PORT: String(busyPort),
      });
      await eventually(
        () => (running!.output().includes('ComplyCube sandbox not started') ? true : undefined),
        'the warning',
        30_000,
      );
      expect(running.output()).toContain(`port ${busyPort} is in use`);
      expect((await answers(`http://127.0.0.1:${meshPort}/_sandbox/settings`))?.status).toBe(200);
      running.child.kill('SIGTERM');
      expect(await running.exit).toBe(0);
    });
  });

  it('refuses a malformed SANDBOX_COMPLYCUBE_* value with exit code 2, naming it', async () => {
    running = startSandboxMain({ SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND: 'lots' });
    expect(await running.exit).toBe(2);
    expect(running.output()).toContain(
      'configuration error: SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND: expected',
    );
  });
});
