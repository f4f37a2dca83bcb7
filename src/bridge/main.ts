import { Client } from '@temporalio/client';
import { createDataConverter } from '../platform/codec/data-converter';
import { loadBridgeConfig } from './config';
import { loadEncryptionConfig } from '../platform/config/encryption';
import { loadOrExit } from '../platform/config/env';
import { loadLoggingConfig } from '../platform/config/logging';
import { formatHostPort, loadMetricsConfig } from '../platform/config/metrics';
import { loadTemporalConfig } from '../platform/config/temporal';
import { lazyTemporalBridgeConnection } from '../platform/temporal/connection';
import { createBridgeMetrics, instrumentBridge } from './metrics';
import { startMetricsServerOrExit, type MetricsServer } from '../platform/metrics/metrics-server';
import { buildBridge } from './app';
import { createBridgeLogger } from './logger';
import { createTemporalSignaller } from './temporal-signaller';

/** Longest a shutdown may take before the process exits anyway (in-flight signals have 5 s deadlines). */
const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const config = loadOrExit(() => loadBridgeConfig());
  const temporal = loadOrExit(() => loadTemporalConfig());
  const logging = loadOrExit(() => loadLoggingConfig());
  const metricsConfig = loadOrExit(() => loadMetricsConfig());
  // WEBHOOK_LOG_LEVEL, when set, wins over LOG_LEVEL (loadLoggingConfig resolves it).
  const logger = createBridgeLogger(logging.bridgeLevel);

  // Lazy: the bridge starts (and reports not-ready on /readyz, 503 on webhooks) while Temporal is still down.
  // While Temporal is unreachable the sender must hear 503 within a second (drills/temporal-outage.ts)
  // and retry later; the SDK's default of 10 gRPC attempts would hold each delivery until the 5 s signal
  // deadline. Two quick retries (~0.5 s) still ride over a blip. TLS, mTLS and API key as configured
  // (src/platform/config/temporal.ts).
  const connection = lazyTemporalBridgeConnection(temporal);
  // The decisions it signals (and the case reviews it starts) are encrypted like every other payload.
  const dataConverter = createDataConverter(
    loadOrExit(() => loadEncryptionConfig()),
    (message) => logger.warn(message),
  );
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
  const signaller = createTemporalSignaller({
    client,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    signalTimeoutMs: config.signalTimeoutMs,
    readinessTimeoutMs: config.readinessTimeoutMs,
  });
  const app = buildBridge({ config, signaller, logger });
  const metrics = createBridgeMetrics();
  instrumentBridge(app, metrics);
  // On its own port: the webhook port serves nothing but the webhook and the probes.
  let metricsServer: MetricsServer | undefined;

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // Stop taking requests and let in-flight ones finish, then drop the Temporal connection they used.
    app
      .close()
      .then(() => metricsServer?.close())
      .then(() => connection.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  await app.listen({ host: config.host, port: config.port });
  if (metricsConfig.bridge !== undefined) {
    // A taken port (a second bridge on this host) stops it with exit code 2, naming BRIDGE_METRICS_ADDRESS.
    metricsServer = await startMetricsServerOrExit(metrics.registry, metricsConfig.bridge, 'bridge');
  }
  logger.info(
    {
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      metrics:
        metricsServer !== undefined ? `http://${formatHostPort(metricsServer.address)}/metrics` : 'off',
      signatureSchemes: [
        ...(config.webhookSecrets.length > 0
          ? [`standard-webhooks (${config.webhookSecrets.length} secret(s))`]
          : []),
        ...(config.legacySecret !== undefined ? ['legacy x-complyadvantage-signature'] : []),
      ],
      complyCubeRoute:
        config.complyCubeWebhookSecrets.length > 0
          ? `on (${config.complyCubeWebhookSecrets.length} secret(s))`
          : 'off',
      cosRoute: config.cosWebhookCredentials !== undefined ? 'on (HTTP Basic)' : 'off',
      // Counts and accounts only: the tokens are the route's only secret.
      caClassicRoute:
        config.caClassic.tokens.length > 0
          ? `on (${config.caClassic.tokens.length} token(s), accounts ${[
              ...new Set(config.caClassic.tokens.map((t) => t.account)),
            ].join(', ')}; ${config.caClassic.sources.length} source(s))`
          : 'off',
      trustedProxies: config.trustedProxies.length > 0 ? config.trustedProxies : 'none',
    },
    'webhook bridge ready',
  );
  if (config.complyCubeWebhookSecrets.length === 0) {
    logger.info(
      'ComplyCube route off: COMPLYCUBE_WEBHOOK_SECRET is unset, POST /webhooks/complycube answers 404',
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bridge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
