import { makeTelemetryFilterString, type RuntimeOptions } from '@temporalio/worker';
import type { LogLevelName } from '../config/logging';
import { formatHostPort, type HostPort } from '../config/metrics';
import type { PinoLogger } from './logger';
import { PinoTemporalLogger, temporalLogLevel } from './temporal-logger';

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
 * metrics plus the workflows' own counters (src/workflows/onboarding-metrics.ts) on one endpoint.
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
