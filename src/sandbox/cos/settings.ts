import { z } from 'zod';
import { latencySettingSchema, nonNegativeInt, startSettings } from '../common/settings';

export { applySettingsPatch, cloneSettings } from '../common/settings';

/**
 * Behaviour that can change while the sandbox runs (`PATCH /_sandbox/cos/settings`); reset restores the
 * start values. Durations are short by default so a local onboarding does not wait: COS itself scans in
 * seconds to minutes, gathers events for about 30 s, retries a delivery 30–60 s apart and leaves a Failed
 * scan to the bank's AML team for up to 48 h (docs/providers/cos-sandbox.md).
 */
export interface CosSettings {
  /** From a customer's creation to its first OFAC and PEP results. */
  scanDelayMs: number;
  /** From a `Failed` scan to the AML team's final answer; `Reviewing` shows at half of it. */
  reviewDelayMs: number;
  /** How long events of one name are gathered into one envelope (COS: about 30 s). */
  eventBatchWindowMs: number;
  /** The gap between a failed delivery and each of its 3 retries (COS: roughly 30–60 s). */
  deliveryRetryDelayMs: number;
  /** How long one delivery attempt waits for an answer. */
  deliveryAttemptTimeoutMs: number;
  /** `expires_in` of new tokens; the token stops working then. */
  tokenExpiresInSeconds: number;
  /** How long an `idempotency-Key` answer is kept for replay (COS: 7 days). */
  idempotencyRetentionMs: number;
  /** Added to every API request (token route included), uniform between min and max. */
  latencyMs: { min: number; max: number };
}

export const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

export const DEFAULT_COS_SETTINGS: CosSettings = {
  scanDelayMs: 1_500,
  reviewDelayMs: 3_000,
  eventBatchWindowMs: 1_000,
  deliveryRetryDelayMs: 1_000,
  deliveryAttemptTimeoutMs: 10_000,
  tokenExpiresInSeconds: 86_400,
  idempotencyRetentionMs: SEVEN_DAYS_MS,
  latencyMs: { min: 0, max: 0 },
};

/** Registered at start (and again after each reset) for both event names the project routes. */
export interface CosStartRegistration {
  callbackUrl: string;
  username?: string;
  password?: string;
}

/** Everything `startCosSandbox` takes. Settings given here are also what reset returns to. */
export interface CosSandboxOptions extends Partial<CosSettings> {
  /** 0 (the default) picks a free port; `npm run sandbox` passes the configured one (4013). */
  port?: number;
  host?: string;
  /** The only client credentials `POST /connect/token` accepts. */
  clientId: string;
  clientSecret: string;
  /** Pre-registered (Push) for `Core.Customer.Ofac.Changed` and `Core.Customer.PepScan.Changed`. */
  webhookRegistrations?: CosStartRegistration[];
  /** The partnerId of the pre-registered registrations (default: the tutorial's all-zero id). */
  partnerId?: string;
  /** Hosts besides loopback that may receive plain-http deliveries (e.g. a compose service name). */
  webhookHttpHosts?: string[];
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export const ZERO_PARTNER_ID = '00000000-0000-0000-0000-000000000000';

/** `PATCH /_sandbox/cos/settings` body: any subset of the settings. */
export const settingsPatchSchema = z
  .object({
    scanDelayMs: nonNegativeInt,
    reviewDelayMs: nonNegativeInt,
    eventBatchWindowMs: nonNegativeInt,
    deliveryRetryDelayMs: nonNegativeInt,
    deliveryAttemptTimeoutMs: z.number().int().positive(),
    tokenExpiresInSeconds: z.number().int().positive(),
    idempotencyRetentionMs: nonNegativeInt,
    latencyMs: latencySettingSchema,
  })
  .partial()
  .strict();

export type SettingsPatch = z.output<typeof settingsPatchSchema>;
/** What `PATCH /_sandbox/cos/settings` accepts, for typed control clients. */
export type CosSettingsPatchBody = z.input<typeof settingsPatchSchema>;

/** The start settings: the defaults with whatever the options set; checked like a patch, so a typo fails at start. */
export function settingsFrom(options: Partial<CosSettings>): CosSettings {
  return startSettings('COS sandbox', DEFAULT_COS_SETTINGS, settingsPatchSchema, options);
}
