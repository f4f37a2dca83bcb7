import { z } from 'zod';
import { applySettingsPatch, latencySettingSchema, nonNegativeInt } from '../common/settings';

export { applySettingsPatch, cloneSettings } from '../common/settings';

/** The risk sandbox's API key unless its options say otherwise. */
export const DEFAULT_RISK_API_KEY = 'sandbox-risk-key';

/** The real API's rule: a second check of one customer less than this long after the last one answers 425. */
export const TOO_EARLY_WINDOW_MS = 1_000;

export interface LatencyRange {
  min: number;
  max: number;
}

/**
 * Behaviour that can change while the sandbox runs (`PATCH /_sandbox/risk/settings`); reset restores the
 * start values.
 */
export interface RiskSandboxSettings {
  /** Added to every API request, uniform between min and max. */
  latencyMs: LatencyRange;
  /** true: every API request answers 503 until it is set back (the API is down). */
  down: boolean;
  /** Checks of one customer closer together than this answer 425; 0 turns the rule off. */
  tooEarlyMs: number;
}

export const DEFAULT_RISK_SANDBOX_SETTINGS: RiskSandboxSettings = {
  latencyMs: { min: 0, max: 0 },
  down: false,
  tooEarlyMs: TOO_EARLY_WINDOW_MS,
};

export interface RiskSandboxOptions {
  /** 0 picks a free port (the default in-process). */
  port?: number;
  host?: string;
  /** The key every API request must send as `api-key: <key>`. */
  apiKey?: string;
  /** A fixed latency in ms, or a range. */
  latencyMs?: number | LatencyRange;
  /** Checks of one customer closer together than this answer 425 (default 1000; 0: off). */
  tooEarlyMs?: number;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

/** `PATCH /_sandbox/risk/settings` body: any subset of the settings. */
export const settingsPatchSchema = z
  .object({ latencyMs: latencySettingSchema, down: z.boolean(), tooEarlyMs: nonNegativeInt })
  .partial()
  .strict();

/** What `PATCH /_sandbox/risk/settings` accepts, for typed control clients. */
export type RiskSettingsPatchBody = z.input<typeof settingsPatchSchema>;

/** The start settings: the defaults with what the options set, checked like a patch so a typo fails at start. */
export function settingsFrom(options: RiskSandboxOptions): RiskSandboxSettings {
  const parsed = settingsPatchSchema.safeParse({
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
    ...(options.tooEarlyMs !== undefined && { tooEarlyMs: options.tooEarlyMs }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`risk sandbox option ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return applySettingsPatch(DEFAULT_RISK_SANDBOX_SETTINGS, parsed.data);
}
