import { loadOrExit } from '../platform/config/env';
import { loadSandboxConfig, type SandboxConfig } from './config';
import { startComplyCubeSandbox, type ComplyCubeSandbox } from './complycube/index';
import { startSandbox } from './mesh/index';

/**
 * `npm run sandbox`: the Mesh sandbox on SANDBOX_PORT (default 4010) and the ComplyCube sandbox on
 * SANDBOX_COMPLYCUBE_PORT (default 4011, 0 = off), configured from the environment.
 */
async function startComplyCube(config: SandboxConfig): Promise<ComplyCubeSandbox | undefined> {
  const cc = config.complycube;
  if (cc === null) return undefined;
  try {
    const sandbox = await startComplyCubeSandbox({
      port: cc.port,
      host: config.host,
      apiKey: cc.apiKey,
      webhookSecret: cc.webhookSecret,
      webhookUrls: cc.webhookUrls,
      webhookHttpHosts: config.webhookHttpHosts,
      checkDelayMs: cc.checkDelayMs,
      rateLimitPerSecond: cc.rateLimitPerSecond,
      logLevel: config.logLevel,
    });
    const webhooks =
      cc.webhookUrls.length > 0 ? `, webhooks pre-registered for ${cc.webhookUrls.length} URL(s)` : '';
    process.stdout.write(
      `ComplyCube sandbox listening on ${sandbox.url} (rate limit ${cc.rateLimitPerSecond || 'off'}/s, checks complete after ${cc.checkDelayMs} ms${webhooks})\n`,
    );
    return sandbox;
  } catch (err) {
    // A busy port (another `npm run sandbox`, e.g. the one `npm start` runs) must not take the Mesh
    // sandbox down with it: say so and carry on without ComplyCube.
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(
        `ComplyCube sandbox not started: port ${cc.port} is in use (set SANDBOX_COMPLYCUBE_PORT, or 0 to turn it off)\n`,
      );
      return undefined;
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadOrExit(() => loadSandboxConfig());
  const sandbox = await startSandbox({
    port: config.port,
    host: config.host,
    password: config.password,
    webhookSecret: config.webhookSecret,
    tokenExpiresInSeconds: config.tokenExpiresInSeconds,
    rateLimitPerMinute: config.rateLimitPerMinute,
    latencyMs: config.latencyMs,
    legacySignatureSecret: config.legacySignatureSecret,
    duplicateShape: config.duplicateShape,
    webhookV1Twin: config.webhookV1Twin,
    webhookUrls: config.webhookUrls,
    webhookHttpHosts: config.webhookHttpHosts,
    logLevel: config.logLevel,
  });
  const webhooks =
    config.webhookUrls.length > 0 ? `, webhooks pre-registered for ${config.webhookUrls.length} URL(s)` : '';
  process.stdout.write(
    `Mesh sandbox listening on ${sandbox.url} (rate limit ${config.rateLimitPerMinute || 'off'}/min${webhooks})\n`,
  );
  let complycube: ComplyCubeSandbox | undefined;
  try {
    complycube = await startComplyCube(config);
  } catch (err) {
    await sandbox.close();
    throw err;
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`Mesh sandbox: ${signal} received, closing\n`);
    Promise.all([sandbox.close(), complycube?.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Mesh sandbox failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
