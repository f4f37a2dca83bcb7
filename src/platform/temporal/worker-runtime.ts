import { makeTelemetryFilterString, Runtime, type RuntimeOptions } from '@temporalio/worker';
import { ConfigError } from '../config/env';
import type { LogLevelName } from '../config/logging';
import { formatHostPort, metricsAddressProblem, type HostPort } from '../config/metrics';
import type { PinoLogger } from '../logging/logger';
import { PinoTemporalLogger, temporalLogLevel } from '../logging/temporal-logger';

export interface WorkerRuntimeSettings {
  logger: PinoLogger;
  level: LogLevelName;
  /** Where the Prometheus exporter listens (`/metrics`); undefined: no metrics. */
  metrics: HostPort | undefined;
  shutdownSignals?: NodeJS.Signals[];
}

/**
 * `Runtime.install` options for a worker process: the SDK's, Core's (forwarded from Rust) and the
 * workflows' and activities' `log` lines go to the process's pino logger, and Core serves the SDK
 * metrics plus the workflows' own counters (src/workflows/onboarding/observability.ts) on one endpoint.
 */
export function workerRuntimeOptions(settings: WorkerRuntimeSettings): RuntimeOptions {
  const level = temporalLogLevel(settings.level);
  return {
    logger: new PinoTemporalLogger(settings.logger),
    telemetryOptions: {
      // Core's dependencies (gRPC, HTTP) only ever matter when they fail.
      logging: { filter: makeTelemetryFilterString({ core: level, other: 'ERROR' }), forward: {} },
      ...(settings.metrics !== undefined && {
        metrics: { prometheus: { bindAddress: formatHostPort(settings.metrics) } },
      }),
    },
    ...(settings.shutdownSignals !== undefined && { shutdownSignals: settings.shutdownSignals }),
  };
}

/** Core's words for the OS errors of binding the Prometheus exporter, e.g. "Address already in use (os error 98)". */
const BIND_ERRORS: [RegExp, string][] = [
  [/address already in use|os error (98|48|10048)\b/i, 'EADDRINUSE'],
  [
    /cannot assign requested address|can't assign requested address|os error (99|49|10049)\b/i,
    'EADDRNOTAVAIL',
  ],
  [/permission denied|os error 13\b/i, 'EACCES'],
];

/**
 * `Runtime.install` for the worker. Core binds the Prometheus exporter inside it and throws at once
 * ("Failed to start prometheus metrics exporter: Address already in use"): that failure becomes a
 * ConfigError naming WORKER_METRICS_ADDRESS (entry points: loadOrExit, exit code 2).
 */
export function installWorkerRuntime(settings: WorkerRuntimeSettings): Runtime {
  try {
    return Runtime.install(workerRuntimeOptions(settings));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (settings.metrics === undefined || !/prometheus|metrics exporter/i.test(message)) throw err;
    const code = BIND_ERRORS.find(([pattern]) => pattern.test(message))?.[1];
    throw new ConfigError([metricsAddressProblem('worker', settings.metrics, code)]);
  }
}
