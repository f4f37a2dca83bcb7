import type { FastifyBaseLogger } from 'fastify';
import type { RiskFaultRegistry } from './faults';
import type { RiskSandboxSettings } from './settings';
import type { RiskRequestLog, RiskStats, RiskStore } from './state';

/** Everything the route modules share; built once per sandbox in server.ts. */
export interface RiskSandboxContext {
  store: RiskStore;
  /** Current settings; replaced (never mutated in place) by PATCH and reset. */
  settings: RiskSandboxSettings;
  readonly startSettings: RiskSandboxSettings;
  faults: RiskFaultRegistry;
  stats: RiskStats;
  requests: RiskRequestLog;
  log: FastifyBaseLogger;
  apiKey: string;
}
