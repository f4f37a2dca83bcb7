import { loadOrExit } from '../platform/config/env';
import { loadSandboxConfig } from './config';
import { startSandbox } from './mesh/index';

/** `npm run sandbox`: the Mesh sandbox on SANDBOX_PORT (default 4010), configured from the environment. */
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

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`Mesh sandbox: ${signal} received, closing\n`);
    sandbox.close().then(
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
