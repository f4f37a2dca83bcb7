import type { FastifyBaseLogger } from 'fastify';
import type { CosEventHub } from './events';
import type { CosFaultRegistry } from './faults';
import type { CosSettings, CosStartRegistration } from './settings';
import type { CosStats } from './stats';
import type { CosStore } from './store';
import type { Timers } from './time';

/** Everything the route modules share; built once per sandbox in server.ts. */
export interface CosContext {
  store: CosStore;
  /** Scan steps, event batches and delivery retries: cancelled by reset and close. */
  timers: Timers;
  /** Current settings; replaced (never mutated in place) by PATCH and reset. */
  settings: CosSettings;
  readonly startSettings: CosSettings;
  faults: CosFaultRegistry;
  stats: CosStats;
  events: CosEventHub;
  log: FastifyBaseLogger;
  clientId: string;
  clientSecret: string;
  partnerId: string;
  startRegistrations: CosStartRegistration[];
  webhookHttpHosts: string[];
}
