import { z } from 'zod';
import { latencySettingSchema, nonNegativeInt, startSettings } from '../common/settings';
import { DEFAULT_CA_CLASSIC_API_KEY, DEFAULT_CA_CLASSIC_TAGS, type LatencyRange } from '../config';

export { DEFAULT_CA_CLASSIC_API_KEY, DEFAULT_CA_CLASSIC_TAGS };
export type { LatencyRange };
export { applySettingsPatch, cloneSettings } from '../common/settings';

/**
 * Where `GET /searches/{id}/monitors/differences` is served: the reference's heading spells
 * `/monitors/differences`, its example `/monitor/differences`. `both` (the default) serves the two; either
 * single spelling makes the other answer 404, so a client's fallback can be tested.
 */
export const DIFFERENCES_ROUTES = ['both', 'monitors', 'monitor'] as const;
export type DifferencesRoute = (typeof DIFFERENCES_ROUTES)[number];

/**
 * Behaviour that can change while the sandbox runs (`PATCH /_sandbox/ca-classic/settings`); reset restores
 * the start values.
 */
export interface CaClassicSettings {
  /**
   * Whether `GET /searches/{id}` and `/details` carry the search's `client_ref`. The reference shows it in
   * the create answer only and does not say; false takes the path where reads do not.
   */
  readsClientRef: boolean;
  /** Authenticated API requests per sliding 60 s window; beyond it 429 with Retry-After. 0 = no limit. */
  rateLimitPerMinute: number;
  /** Tag names "set up in the web application": a search or update naming another answers 400. */
  tagNames: string[];
  /** true: every new search starts monitored (an account whose searches are all monitored). */
  monitorNewSearches: boolean;
  /** Which spelling of the monitor differences route is served. */
  differencesRoute: DifferencesRoute;
  /** How long one webhook delivery waits for an answer (there is no retry). */
  webhookTimeoutMs: number;
  /** Added to every API request, uniform between min and max. */
  latencyMs: LatencyRange;
}

export const DEFAULT_CA_CLASSIC_SETTINGS: CaClassicSettings = {
  readsClientRef: true,
  rateLimitPerMinute: 0,
  tagNames: [...DEFAULT_CA_CLASSIC_TAGS],
  monitorNewSearches: false,
  differencesRoute: 'both',
  webhookTimeoutMs: 10_000,
  latencyMs: { min: 0, max: 0 },
};

/** Everything `startCaClassicSandbox` takes; all optional. Settings given here are also what reset returns to. */
export interface CaClassicSandboxOptions extends Partial<CaClassicSettings> {
  /** 0 picks a free port (the default in-process); `npm run sandbox` passes SANDBOX_CA_CLASSIC_PORT (4014). */
  port?: number;
  host?: string;
  /** The key every API request must send, as `Authorization: Token <key>` or `?api_key=<key>`. */
  apiKey?: string;
  /** Where every event goes, as configured in the web app's account settings; again after each reset. */
  webhookUrls?: string[];
  /** Hosts besides loopback that `PUT /_sandbox/ca-classic/webhooks` accepts plain-http URLs for. */
  webhookHttpHosts?: string[];
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /**
   * The first search id (default FIRST_SEARCH_ID). A real account's ids are unique for good; sandboxes
   * started one after another against one Temporal server (tests) give each its own range, so a search's
   * event inbox (`ca-classic-search-<account>-<id>`) from an earlier sandbox is never taken for a new one's.
   */
  firstSearchId?: number;
}

/** A tag name as the web app would create it: a non-empty word without `:` or `,` (the list filter's separators). */
export const tagNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^:,\s]+$/, { error: 'must be a tag name without spaces, ":" or ","' });

/** `PATCH /_sandbox/ca-classic/settings` body: any subset of the settings. */
export const settingsPatchSchema = z
  .object({
    readsClientRef: z.boolean(),
    rateLimitPerMinute: nonNegativeInt,
    tagNames: z.array(tagNameSchema),
    monitorNewSearches: z.boolean(),
    differencesRoute: z.enum(DIFFERENCES_ROUTES),
    webhookTimeoutMs: z.number().int().positive(),
    latencyMs: latencySettingSchema,
  })
  .partial()
  .strict();

/** What `PATCH /_sandbox/ca-classic/settings` accepts, for typed control clients. */
export type CaClassicSettingsPatchBody = z.input<typeof settingsPatchSchema>;

/** The start settings: the defaults with whatever the options set; checked like a patch, so a typo fails at start. */
export function settingsFrom(options: CaClassicSandboxOptions): CaClassicSettings {
  const settings = startSettings(
    'ComplyAdvantage classic sandbox',
    DEFAULT_CA_CLASSIC_SETTINGS,
    settingsPatchSchema,
    options,
  );
  return { ...settings, tagNames: [...settings.tagNames] };
}
