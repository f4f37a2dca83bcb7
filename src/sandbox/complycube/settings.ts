import { z } from 'zod';
import { latencySettingSchema, nonNegativeInt, startSettings } from '../common/settings';
import {
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  DEFAULT_COMPLYCUBE_API_KEY,
  type LatencyRange,
} from '../config';

export { COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET, DEFAULT_COMPLYCUBE_API_KEY };
export type { LatencyRange };
export { applySettingsPatch, cloneSettings } from '../common/settings';

/** What `GET /clients?externalId=…` does: ComplyCube does not document externalId as a filter. */
export const EXTERNAL_ID_FILTERS = ['empty', 'ignored', 'works'] as const;
export type ExternalIdFilter = (typeof EXTERNAL_ID_FILTERS)[number];

/**
 * Behaviour that can change while the sandbox runs (`PATCH /_sandbox/complycube/settings`); reset
 * restores the start values.
 */
export interface ComplyCubeSettings {
  /** How long a check stays `pending` before it completes; 0 = on the next tick. */
  checkDelayMs: number;
  /** `empty`: an externalId filter answers 200 with no items; `ignored`: it is dropped; `works`: it filters. */
  externalIdFilter: ExternalIdFilter;
  /** Requests per sliding 1000 ms window, no burst; 0 = no limit. */
  rateLimitPerSecond: number;
  /** Multiplies the webhook retry gaps (60 s, 120 s, 480 s, then doubling); tests use e.g. 0.0001. */
  webhookRetryScale: number;
  /** How long one delivery attempt waits for a 2xx (ComplyCube allows 15 s). */
  webhookAttemptTimeoutMs: number;
  /** true: the v1.7.2 event names `check.complete` and `check.complete.<outcome>` instead of `check.completed…`. */
  legacyEventNames: boolean;
  /** Added to every API request, uniform between min and max. */
  latencyMs: LatencyRange;
}

export const DEFAULT_COMPLYCUBE_SETTINGS: ComplyCubeSettings = {
  checkDelayMs: 1_000,
  externalIdFilter: 'empty',
  rateLimitPerSecond: 5,
  webhookRetryScale: 1,
  webhookAttemptTimeoutMs: 15_000,
  legacyEventNames: false,
  latencyMs: { min: 0, max: 0 },
};

/** Everything `startComplyCubeSandbox` takes; all optional. Settings given here are also what reset returns to. */
export interface ComplyCubeSandboxOptions extends Partial<ComplyCubeSettings> {
  /** 0 picks a free port (the default in-process); `npm run sandbox` passes SANDBOX_COMPLYCUBE_PORT (4011). */
  port?: number;
  host?: string;
  /** The key every API request must send as `Authorization: <key>`. */
  apiKey?: string;
  /** The secret of the webhooks registered from `webhookUrls` (API-created ones get a random secret each). */
  webhookSecret?: string;
  /** Registered at start for every event (`["*"]`), and again after each reset. */
  webhookUrls?: string[];
  /** Hosts besides loopback that may receive plain-http webhooks (e.g. a compose service name). */
  webhookHttpHosts?: string[];
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

/** `PATCH /_sandbox/complycube/settings` body: any subset of the settings. */
export const settingsPatchSchema = z
  .object({
    checkDelayMs: nonNegativeInt,
    externalIdFilter: z.enum(EXTERNAL_ID_FILTERS),
    rateLimitPerSecond: nonNegativeInt,
    webhookRetryScale: z.number().min(0).max(100),
    webhookAttemptTimeoutMs: z.number().int().positive(),
    legacyEventNames: z.boolean(),
    latencyMs: latencySettingSchema,
  })
  .partial()
  .strict();

export type SettingsPatch = z.output<typeof settingsPatchSchema>;
/** What `PATCH /_sandbox/complycube/settings` accepts, for typed control clients. */
export type ComplyCubeSettingsPatchBody = z.input<typeof settingsPatchSchema>;

/** The start settings: the defaults with whatever the options set; checked like a patch, so a typo fails at start. */
export function settingsFrom(options: ComplyCubeSandboxOptions): ComplyCubeSettings {
  return startSettings('ComplyCube sandbox', DEFAULT_COMPLYCUBE_SETTINGS, settingsPatchSchema, options);
}

/**
 * The gaps between a failed delivery and its retries: 60 s, 120 s, 480 s as documented, "and so forth"
 * read as doubling from there (960 s … 61,440 s), ten retries in all, times `scale`.
 */
export const WEBHOOK_RETRY_GAPS_SECONDS: readonly number[] = [
  60, 120, 480, 960, 1_920, 3_840, 7_680, 15_360, 30_720, 61_440,
];

export function webhookRetryGapMs(retry: number, scale: number): number | undefined {
  const seconds = WEBHOOK_RETRY_GAPS_SECONDS[retry - 1];
  return seconds === undefined ? undefined : Math.round(seconds * 1000 * scale);
}
