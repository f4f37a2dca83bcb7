import { loadOrExit } from '../platform/config/env';
import { loadSandboxConfig, type SandboxConfig } from './config';
import { startComplyCubeSandbox } from './complycube/index';
import { startSandbox } from './mesh/index';
import { startRiskSandbox } from './risk/index';
import { startCosSandbox } from './cos/index';
import { startCaClassicSandbox } from './ca-classic/index';

interface Started {
  url: string;
  close(): Promise<void>;
}

/**
 * `npm run sandbox`: the Mesh sandbox on SANDBOX_PORT (default 4010), the ComplyCube sandbox on
 * SANDBOX_COMPLYCUBE_PORT (4011), the customer-checks risk sandbox on SANDBOX_RISK_PORT (4012), the COS
 * core-banking sandbox on SANDBOX_COS_PORT (4013) and the ComplyAdvantage classic `/searches` sandbox on
 * SANDBOX_CA_CLASSIC_PORT (4014), each off with port 0, configured from the environment.
 */

/**
 * One of the extra sandboxes: a busy port (another `npm run sandbox`) must not take the others down with
 * it: say so and carry on without it.
 */
async function startExtra(
  name: string,
  variable: string,
  port: number,
  start: () => Promise<Started>,
  describe: string,
): Promise<Started | undefined> {
  try {
    const sandbox = await start();
    process.stdout.write(`${name} sandbox listening on ${sandbox.url}${describe}\n`);
    return sandbox;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(
        `${name} sandbox not started: port ${port} is in use (set ${variable}, or 0 to turn it off)\n`,
      );
      return undefined;
    }
    throw err;
  }
}

async function startRisk(config: SandboxConfig): Promise<Started | undefined> {
  const risk = config.risk;
  if (risk === null) return undefined;
  return startExtra(
    'Risk',
    'SANDBOX_RISK_PORT',
    risk.port,
    () =>
      startRiskSandbox({
        port: risk.port,
        host: config.host,
        apiKey: risk.apiKey,
        logLevel: config.logLevel,
      }),
    ' (customer-checks risk scores by name)',
  );
}

async function startCos(config: SandboxConfig): Promise<Started | undefined> {
  const cos = config.cos;
  if (cos === null) return undefined;
  return startExtra(
    'COS',
    'SANDBOX_COS_PORT',
    cos.port,
    () =>
      startCosSandbox({
        port: cos.port,
        host: config.host,
        clientId: cos.clientId,
        clientSecret: cos.clientSecret,
        scanDelayMs: cos.scanDelayMs,
        eventBatchWindowMs: cos.eventBatchWindowMs,
        webhookRegistrations: cos.webhookUrls.map((callbackUrl) => ({
          callbackUrl,
          username: cos.webhookUsername,
          password: cos.webhookPassword,
        })),
        webhookHttpHosts: config.webhookHttpHosts,
        logLevel: config.logLevel,
      }),
    ` (scans end after ${cos.scanDelayMs} ms${cos.webhookUrls.length > 0 ? `, webhooks pre-registered for ${cos.webhookUrls.length} URL(s)` : ''})`,
  );
}
async function startCaClassic(config: SandboxConfig): Promise<Started | undefined> {
  const ca = config.caClassic;
  if (ca === null) return undefined;
  const webhooks = ca.webhookUrls.length > 0 ? `, webhooks to ${ca.webhookUrls.length} URL(s)` : '';
  return startExtra(
    'ComplyAdvantage classic',
    'SANDBOX_CA_CLASSIC_PORT',
    ca.port,
    () =>
      startCaClassicSandbox({
        port: ca.port,
        host: config.host,
        apiKey: ca.apiKey,
        webhookUrls: ca.webhookUrls,
        webhookHttpHosts: config.webhookHttpHosts,
        tagNames: ca.tagNames,
        readsClientRef: ca.readsClientRef,
        rateLimitPerMinute: ca.rateLimitPerMinute,
        logLevel: config.logLevel,
      }),
    ` (/searches by name, rate limit ${ca.rateLimitPerMinute || 'off'}/min${webhooks})`,
  );
}

async function startComplyCube(config: SandboxConfig): Promise<Started | undefined> {
  const cc = config.complycube;
  if (cc === null) return undefined;
  const webhooks =
    cc.webhookUrls.length > 0 ? `, webhooks pre-registered for ${cc.webhookUrls.length} URL(s)` : '';
  return startExtra(
    'ComplyCube',
    'SANDBOX_COMPLYCUBE_PORT',
    cc.port,
    () =>
      startComplyCubeSandbox({
        port: cc.port,
        host: config.host,
        apiKey: cc.apiKey,
        webhookSecret: cc.webhookSecret,
        webhookUrls: cc.webhookUrls,
        webhookHttpHosts: config.webhookHttpHosts,
        checkDelayMs: cc.checkDelayMs,
        rateLimitPerSecond: cc.rateLimitPerSecond,
        logLevel: config.logLevel,
      }),
    ` (rate limit ${cc.rateLimitPerSecond || 'off'}/s, checks complete after ${cc.checkDelayMs} ms${webhooks})`,
  );
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
  const extras: Started[] = [];
  try {
    for (const start of [startComplyCube, startRisk, startCos, startCaClassic]) {
      const started = await start(config);
      if (started !== undefined) extras.push(started);
    }
  } catch (err) {
    await Promise.all([sandbox.close(), ...extras.map((extra) => extra.close())]);
    throw err;
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`Mesh sandbox: ${signal} received, closing\n`);
    Promise.all([sandbox.close(), ...extras.map((extra) => extra.close())]).then(
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
