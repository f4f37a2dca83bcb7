import type { FastifyBaseLogger } from 'fastify';
import type { TokenStore } from './auth';
import type { FaultRegistry } from './faults';
import type { SlidingWindowLimiter } from './rate-limit';
import type { SandboxSettings } from './settings';
import type { SandboxStats } from './stats';
import type { SandboxStore, Scheduler } from './store';
import type { WebhookDispatcher } from './webhook-delivery';

/** Everything the route modules share; built once per sandbox in server.ts. */
export interface SandboxContext {
  store: SandboxStore;
  scheduler: Scheduler;
  /** Current settings; replaced (never mutated in place) by PATCH /_sandbox/settings and reset. */
  settings: SandboxSettings;
  readonly startSettings: SandboxSettings;
  faults: FaultRegistry;
  webhooks: WebhookDispatcher;
  stats: SandboxStats;
  tokens: TokenStore;
  limiter: SlidingWindowLimiter;
  log: FastifyBaseLogger;
  password: string;
  webhookUrls: string[];
  webhookHttpHosts: string[];
}
