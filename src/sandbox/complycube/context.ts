import type { FastifyBaseLogger } from 'fastify';
import type { Scheduler } from '../mesh/store';
import type { FaultRegistry } from './faults';
import type { SlidingSecondLimiter } from './rate-limit';
import type { ComplyCubeSettings } from './settings';
import type { ComplyCubeStats } from './stats';
import type { ComplyCubeStore } from './store';
import type { WebhookDispatcher } from './webhook-delivery';

/** Everything the route modules share; built once per sandbox in server.ts. */
export interface ComplyCubeContext {
  store: ComplyCubeStore;
  /** Check completions and webhook retries: cancelled by reset and close. */
  scheduler: Scheduler;
  /** Current settings; replaced (never mutated in place) by PATCH and reset. */
  settings: ComplyCubeSettings;
  readonly startSettings: ComplyCubeSettings;
  faults: FaultRegistry;
  stats: ComplyCubeStats;
  limiter: SlidingSecondLimiter;
  webhooks: WebhookDispatcher;
  log: FastifyBaseLogger;
  apiKey: string;
  /** The secret of the webhooks pre-registered from `webhookUrls`. */
  startWebhookSecret: string;
  webhookUrls: string[];
  webhookHttpHosts: string[];
}
