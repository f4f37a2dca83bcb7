import type { FastifyBaseLogger } from 'fastify';
import type { SlidingWindowLimiter } from '../mesh/rate-limit';
import type { CaClassicFaultRegistry } from './faults';
import type { CaClassicSettings } from './settings';
import type { CaClassicStats } from './stats';
import type { CaClassicStore } from './store';
import type { CaClassicWebhooks } from './webhooks';

/** Everything the route modules share; built once per sandbox in server.ts. */
export interface CaClassicContext {
  store: CaClassicStore;
  /** Current settings; replaced (never mutated in place) by PATCH and reset. */
  settings: CaClassicSettings;
  readonly startSettings: CaClassicSettings;
  faults: CaClassicFaultRegistry;
  stats: CaClassicStats;
  /** `rateLimitPerMinute`: a sliding 60 s window over authenticated API requests. */
  limiter: SlidingWindowLimiter;
  webhooks: CaClassicWebhooks;
  log: FastifyBaseLogger;
  apiKey: string;
  webhookHttpHosts: string[];
}
