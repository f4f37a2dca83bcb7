import { Secret } from '../../src/platform/config/secret';
import { createCosClient } from '../../src/providers/cos/client';
import { createCosTokenProvider } from '../../src/providers/cos/token-provider';
import { startCosSandbox, type CosSandbox } from '../../src/sandbox/cos';
import { watchCosWebhooks } from '../../src/worker/cos-webhook-watch';
import { CosSandboxControl } from '../../testkit/cos-sandbox-control';

/**
 * A suspended COS registration (deliveries failed four times) sends nothing until restarted: the worker
 * restarts ours at start and on every check, and says so.
 */
let sandbox: CosSandbox;

beforeAll(async () => {
  sandbox = await startCosSandbox({
    clientId: 'watch-client',
    clientSecret: 'watch-secret',
    webhookRegistrations: [{ callbackUrl: 'http://127.0.0.1:9/webhooks/cos', username: 'u', password: 'p' }],
    logLevel: 'silent',
  });
});

afterAll(() => sandbox.close());

function logger() {
  const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, meta?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(meta !== undefined && { meta }) });
    };
  return {
    lines,
    logger: {
      log: at('log'),
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    },
  };
}

it('restarts our suspended registrations and leaves active ones alone', async () => {
  const control = new CosSandboxControl(sandbox.url);
  const [ofac, pep] = await control.registrations();
  await control.suspendRegistration(ofac!.id);
  const config = {
    baseUrl: sandbox.url,
    tokenUrl: `${sandbox.url}/connect/token`,
    clientId: 'watch-client',
    clientSecret: new Secret('watch-secret'),
    scope: undefined,
    audience: undefined,
    partnerId: '00000000-0000-0000-0000-000000000000',
  };
  const api = createCosClient({ config, tokens: createCosTokenProvider({ config }) });
  const { lines, logger: log } = logger();
  const watch = watchCosWebhooks({ api, intervalMs: 3_600_000, logger: log });
  await watch.checked;
  watch.stop();
  const states = Object.fromEntries((await control.registrations()).map((r) => [r.id, r.state]));
  expect(states).toEqual({ [ofac!.id]: 'Active', [pep!.id]: 'Active' });
  expect(lines).toEqual([
    expect.objectContaining({ level: 'warn', meta: expect.objectContaining({ restarted: [ofac!.id] }) }),
  ]);
});
