import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../testkit/net';
import { startSandboxMain, type StartedSandboxMain } from '../helpers/sandbox-main';
import { eventually } from './sandbox-client';

/** `npm run sandbox` (src/sandbox/main.ts) as a real process, configured only through SANDBOX_* variables. */
const ROOT = join(__dirname, '..', '..');

describe('npm run sandbox', () => {
  let running: StartedSandboxMain | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exit;
    }
    running = undefined;
  });

  it('is the script that runs src/sandbox/main.ts', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.sandbox).toBe('tsx src/sandbox/main.ts');
  });

  it('listens on SANDBOX_PORT with the SANDBOX_* settings, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    running = startSandboxMain({
      SANDBOX_PORT: String(port),
      SANDBOX_PASSWORD: 'from-the-environment',
      SANDBOX_TOKEN_EXPIRES_IN: '600',
      SANDBOX_RATE_LIMIT_PER_MINUTE: '42',
      SANDBOX_DUPLICATE_SHAPE: 'conflict-problem',
      SANDBOX_WEBHOOK_URLS: 'http://127.0.0.1:9/webhooks/complyadvantage',
    });
    const url = `http://127.0.0.1:${port}`;
    const settings = await eventually(
      async () => {
        try {
          const res = await fetch(`${url}/_sandbox/settings`);
          return res.ok ? await res.json() : undefined;
        } catch {
          return undefined;
        }
      },
      'the sandbox to answer',
      30_000,
    );
    expect(settings).toMatchObject({
      rateLimitPerMinute: 42,
      tokenExpiresInSeconds: 600,
      duplicateShape: 'conflict-problem',
    });
    expect(running.output()).toContain(`Mesh sandbox listening on ${url}`);

    const token = await fetch(`${url}/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ realm: 'r', username: 'u', password: 'from-the-environment' }),
    });
    const body = (await token.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(600);
    const hooks = await fetch(`${url}/v2/notifications/configurations/webhook`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(await hooks.json()).toMatchObject({
      total_count: 2,
      items: [
        { type: 'CASE_CREATED', url: 'http://127.0.0.1:9/webhooks/complyadvantage' },
        { type: 'CASE_TRANSITIONED', url: 'http://127.0.0.1:9/webhooks/complyadvantage' },
      ],
    });

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });

  it('refuses a malformed environment with one line per problem and exit code 2', async () => {
    running = startSandboxMain({ SANDBOX_PORT: 'four-thousand', SANDBOX_DUPLICATE_SHAPE: 'teapot' });
    expect(await running.exit).toBe(2);
    expect(running.output()).toContain('configuration error: SANDBOX_PORT: expected a TCP port number');
    expect(running.output()).toContain('configuration error: SANDBOX_DUPLICATE_SHAPE: expected one of');
  });
});
