import { z } from 'zod';
import {
  DUPLICATE_SHAPES,
  SANDBOX_DEV_WEBHOOK_SECRET,
  type DuplicateShape,
  type LatencyRange,
} from '../config';
import { nonNegativeInt } from '../common/settings';

export type { DuplicateShape, LatencyRange };

/** What a retried create-and-screen with a byte-for-byte identical body gets (see docs/sandbox.md). */
export type IdenticalRetry = 'replay' | 'duplicate';

export type TokenRefusalStatus = 400 | 401;

/** The API reference's wording of the `errored-200` duplicate (one of several wordings seen). */
export const PUBLISHED_DUPLICATE_MESSAGE =
  'external identifier {external_identifier} in use and belongs to the customer identifier {customer_identifier}';

/** Behaviour that can change while the sandbox runs (`PATCH /_sandbox/settings`); reset restores the start values. */
export interface SandboxSettings {
  /** Which of the three documented duplicate-external-identifier answers to give. */
  duplicateShape: DuplicateShape;
  /** `replay`: an identical body returns the original workflow (the reference calls sync create-and-screen idempotent). */
  identicalRetry: IdenticalRetry;
  /**
   * The `error_message` of the `errored-200` duplicate, with `{external_identifier}` and
   * `{customer_identifier}` filled in; null leaves it out. Clients must not depend on its wording.
   */
  duplicateErrorMessage: string | null;
  /** Until this time (ISO 8601) both token routes refuse every request; null = accept (`refuseTokensForMs` sets it). */
  refuseTokensUntil: string | null;
  /** The status of those refusals: 401 or 400, both with `{error: "invalid_client", error_description}`. */
  tokenRefusalStatus: TokenRefusalStatus;
  tokenExpiresInSeconds: number;
  /** Account limit over a sliding 60 s window; 0 = unlimited. */
  rateLimitPerMinute: number;
  /** Added to every Mesh route, uniform between min and max. */
  latencyMs: LatencyRange;
  /** Also send each webhook as an `api_version: v1` twin (a separate delivery, sent first). */
  webhookV1Twin: boolean;
  /** When set, deliveries also carry the guide's `x-complyadvantage-signature` (hex HMAC-SHA256 of the raw body). */
  legacySignatureSecret: string | null;
  /** How long after alerting the `case-creation` step takes; > 0 means an ALERTING response can still show it IN-PROGRESS. */
  caseCreationDelayMs: number;
  /** How long after a SCREENING response (or an async start) the later steps complete. */
  backgroundStepDelayMs: number;
  /** false makes POST update-and-rescore answer 405, as accounts that only know the guide's PATCH do. */
  updateAndRescoreAcceptsPost: boolean;
  /** Delays before the retries of a failed webhook delivery (the real schedule: 1 s, 5 s, 10 s). */
  webhookRetryDelaysMs: number[];
  /** How long one delivery attempt waits for the receiver before it counts as failed. */
  webhookAttemptTimeoutMs: number;
}

export const DEFAULT_SETTINGS: SandboxSettings = {
  duplicateShape: 'errored-200',
  identicalRetry: 'replay',
  duplicateErrorMessage: PUBLISHED_DUPLICATE_MESSAGE,
  refuseTokensUntil: null,
  tokenRefusalStatus: 401,
  tokenExpiresInSeconds: 86_400,
  rateLimitPerMinute: 300,
  latencyMs: { min: 0, max: 0 },
  webhookV1Twin: false,
  legacySignatureSecret: null,
  caseCreationDelayMs: 0,
  backgroundStepDelayMs: 200,
  updateAndRescoreAcceptsPost: true,
  webhookRetryDelaysMs: [1_000, 5_000, 10_000],
  webhookAttemptTimeoutMs: 15_000,
};

/** Everything `startSandbox` takes; all optional. Settings given here are also what reset returns to. */
export interface SandboxOptions extends Partial<SandboxSettings> {
  /** 0 picks a free port. Default 0 in-process; `npm run sandbox` passes SANDBOX_PORT (4010). */
  port?: number;
  host?: string;
  /** Password for /v2/token and secret for /v3/token. */
  password?: string;
  /** Standard Webhooks signing secret, plain base64. */
  webhookSecret?: string;
  /** Registered at start for CASE_CREATED and CASE_TRANSITIONED (and again after each reset). */
  webhookUrls?: string[];
  /** Hosts besides loopback that may receive plain-http webhooks (e.g. a compose service name). */
  webhookHttpHosts?: string[];
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export const DEFAULT_PASSWORD = 'sandbox';
export { SANDBOX_DEV_WEBHOOK_SECRET };

/** `PATCH /_sandbox/settings` body: any subset of the settings. */
export const settingsPatchSchema = z
  .object({
    duplicateShape: z.enum(DUPLICATE_SHAPES),
    identicalRetry: z.enum(['replay', 'duplicate']),
    duplicateErrorMessage: z.string().min(1).max(500).nullable(),
    /** Refuse token requests from now for this long; 0 accepts them again at once. Sets refuseTokensUntil. */
    refuseTokensForMs: nonNegativeInt,
    tokenRefusalStatus: z.union([z.literal(400), z.literal(401)]),
    tokenExpiresInSeconds: z.number().int().positive(),
    rateLimitPerMinute: nonNegativeInt,
    latencyMs: z.union([
      nonNegativeInt.transform((ms) => ({ min: ms, max: ms })),
      z
        .object({ min: nonNegativeInt, max: nonNegativeInt })
        .refine((r) => r.max >= r.min, { error: 'max must be at least min' }),
    ]),
    webhookV1Twin: z.boolean(),
    legacySignatureSecret: z.string().min(1).nullable(),
    caseCreationDelayMs: nonNegativeInt,
    backgroundStepDelayMs: nonNegativeInt,
    updateAndRescoreAcceptsPost: z.boolean(),
    webhookRetryDelaysMs: z.array(nonNegativeInt).max(10),
    webhookAttemptTimeoutMs: z.number().int().positive(),
  })
  .partial()
  .strict();

export type SettingsPatch = z.output<typeof settingsPatchSchema>;
/** What `PATCH /_sandbox/settings` accepts, for typed control clients. */
export type SettingsPatchBody = z.input<typeof settingsPatchSchema>;

/** The settings after a validated patch; `refuseTokensForMs` becomes a point in time. */
export function applySettingsPatch(
  current: SandboxSettings,
  patch: SettingsPatch,
  nowMs: number,
): SandboxSettings {
  const { refuseTokensForMs, ...rest } = patch;
  const next: SandboxSettings = {
    ...current,
    latencyMs: { ...current.latencyMs },
    webhookRetryDelaysMs: [...current.webhookRetryDelaysMs],
  };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (refuseTokensForMs !== undefined) {
    next.refuseTokensUntil = refuseTokensForMs > 0 ? new Date(nowMs + refuseTokensForMs).toISOString() : null;
  }
  return next;
}

/** Whether the token routes refuse requests at `nowMs`. */
export function tokensRefused(settings: SandboxSettings, nowMs: number): boolean {
  return settings.refuseTokensUntil !== null && nowMs < Date.parse(settings.refuseTokensUntil);
}

/** The `errored-200` duplicate's message for these identifiers, or undefined when it is switched off. */
export function duplicateErrorMessage(
  settings: SandboxSettings,
  externalIdentifier: string,
  customerIdentifier: string,
): string | undefined {
  if (settings.duplicateErrorMessage === null) return undefined;
  return settings.duplicateErrorMessage
    .replaceAll('{external_identifier}', externalIdentifier)
    .replaceAll('{customer_identifier}', customerIdentifier);
}

export function settingsFrom(options: SandboxOptions): SandboxSettings {
  const s: SandboxSettings = { ...DEFAULT_SETTINGS, latencyMs: { ...DEFAULT_SETTINGS.latencyMs } };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof SandboxSettings)[]) {
    const value = options[key];
    if (value !== undefined) (s as unknown as Record<string, unknown>)[key] = value;
  }
  return s;
}
