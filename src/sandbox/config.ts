import { z } from 'zod';
import { envField, parseEnv, type Env } from '../platform/config/env';

/**
 * A fixed, documented development secret (base64 of "mesh-sandbox-dev-webhook-secret!"). Only the
 * sandbox and a local bridge ever use it; a real account's secret comes from ComplyAdvantage.
 */
export const SANDBOX_DEV_WEBHOOK_SECRET = 'bWVzaC1zYW5kYm94LWRldi13ZWJob29rLXNlY3JldCE=';

/**
 * The ComplyCube sandbox's fixed, documented development secret for the webhooks it registers at start
 * (SANDBOX_COMPLYCUBE_WEBHOOK_URLS). ComplyCube keys its HMAC with the secret as UTF-8 text, so it is
 * plain text, not base64. A real account's secret comes from the create answer of `POST /webhooks`.
 */
export const COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET = 'complycube-sandbox-dev-webhook-secret';

/** The risk sandbox's API key (sent as `api-key`) unless SANDBOX_RISK_API_KEY says otherwise. */
export const DEFAULT_RISK_API_KEY = 'sandbox-risk-key';
/** The COS sandbox's client credentials and partner, unless SANDBOX_COS_* say otherwise. */
export const DEFAULT_COS_CLIENT_ID = 'sandbox-cos-client';
export const DEFAULT_COS_CLIENT_SECRET = 'sandbox-cos-secret';
export const DEFAULT_COS_PARTNER_ID = '00000000-0000-0000-0000-000000000000';
/** The Basic credentials the COS sandbox's pre-registered webhooks deliver with (the bridge's COS_WEBHOOK_*). */
export const DEFAULT_COS_WEBHOOK_USERNAME = 'cos-sandbox';
export const DEFAULT_COS_WEBHOOK_PASSWORD = 'cos-sandbox-webhook-password';

/** The ComplyCube sandbox's API key unless SANDBOX_COMPLYCUBE_API_KEY says otherwise. */
export const DEFAULT_COMPLYCUBE_API_KEY = 'sandbox-complycube-key';

/** The ComplyAdvantage classic sandbox's API key unless SANDBOX_CA_CLASSIC_API_KEY says otherwise. */
export const DEFAULT_CA_CLASSIC_API_KEY = 'sandbox-ca-classic-key';
/** The tag names "set up in the web app" of the ComplyAdvantage classic sandbox, unless SANDBOX_CA_CLASSIC_TAGS says otherwise. */
export const DEFAULT_CA_CLASSIC_TAGS: readonly string[] = ['kyc_ref'];

export const DUPLICATE_SHAPES = ['errored-200', 'conflict-problem', 'conflict-guide'] as const;
export type DuplicateShape = (typeof DUPLICATE_SHAPES)[number];

export interface LatencyRange {
  min: number;
  max: number;
}

/** "0", "1500" or "1000-3000" (milliseconds, uniform between the bounds). */
export function parseLatencyRange(text: string): LatencyRange | undefined {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  return max >= min ? { min, max } : undefined;
}

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, {
    error: 'expected a plain base64 secret (no whsec_ prefix)',
    abort: true,
  })
  .refine((v) => Buffer.from(v, 'base64').length >= 16, {
    error: 'expected at least 16 bytes once base64-decoded',
  });

function commaSeparatedUrls() {
  return z
    .string()
    .default('')
    .transform((v, ctx) => {
      const urls = v
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '');
      for (const u of urls) {
        if (!URL.canParse(u))
          ctx.addIssue({
            code: 'custom',
            message: `expected comma-separated absolute URLs; "${u}" is not one`,
          });
      }
      return urls;
    });
}

function nonNegativeInt(fallback: number, expected: string) {
  return z.coerce
    .number({ error: expected })
    .int({ error: expected })
    .min(0, { error: expected })
    .default(fallback);
}

const schema = z.object({
  SANDBOX_PORT: envField.port(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_PASSWORD: z.string().min(1).default('sandbox'),
  SANDBOX_WEBHOOK_SECRET: base64.default(SANDBOX_DEV_WEBHOOK_SECRET),
  SANDBOX_TOKEN_EXPIRES_IN: envField.positiveInt(86_400, 'token lifetime in seconds'),
  SANDBOX_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: 'expected requests per minute (a whole number, 0 = no limit)' })
    .int({ error: 'expected requests per minute (a whole number, 0 = no limit)' })
    .min(0, { error: 'expected requests per minute (a whole number, 0 = no limit)' })
    .default(300),
  SANDBOX_LATENCY_MS: z
    .string()
    .default('0')
    .transform((v, ctx) => {
      const range = parseLatencyRange(v);
      if (!range) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected milliseconds like 0, 1500 or a range like 1000-3000',
        });
        return z.NEVER;
      }
      return range;
    }),
  SANDBOX_LEGACY_SIGNATURE_SECRET: z.string().min(1).optional(),
  SANDBOX_DUPLICATE_SHAPE: z
    .enum(DUPLICATE_SHAPES, { error: `expected one of ${DUPLICATE_SHAPES.join(', ')}` })
    .default('errored-200'),
  SANDBOX_WEBHOOK_V1_TWIN: envField.boolean(false),
  SANDBOX_WEBHOOK_URLS: commaSeparatedUrls(),
  /** Hosts (besides loopback) the sandbox accepts plain-http webhook URLs for, e.g. a compose service name. */
  SANDBOX_WEBHOOK_HTTP_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== ''),
    ),
  SANDBOX_LOG_LEVEL: z
    .enum(['silent', 'error', 'warn', 'info', 'debug'], {
      error: 'expected silent, error, warn, info or debug',
    })
    .default('warn'),
  /** The ComplyCube sandbox, started by the same process on its own port; 0 leaves it off. */
  SANDBOX_COMPLYCUBE_PORT: z.coerce
    .number({ error: 'expected a TCP port number (1-65535), or 0 to leave the ComplyCube sandbox off' })
    .int({ error: 'expected a TCP port number (1-65535), or 0 to leave the ComplyCube sandbox off' })
    .min(0, { error: 'expected a TCP port number (1-65535), or 0 to leave the ComplyCube sandbox off' })
    .max(65535, { error: 'expected a TCP port number (1-65535), or 0 to leave the ComplyCube sandbox off' })
    .default(4011),
  SANDBOX_COMPLYCUBE_API_KEY: z
    .string()
    .regex(/^\S+$/, { error: 'expected an API key without spaces' })
    .default(DEFAULT_COMPLYCUBE_API_KEY),
  SANDBOX_COMPLYCUBE_WEBHOOK_SECRET: z
    .string()
    .min(16, { error: 'expected a secret of at least 16 characters' })
    .default(COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET),
  SANDBOX_COMPLYCUBE_WEBHOOK_URLS: commaSeparatedUrls(),
  SANDBOX_COMPLYCUBE_CHECK_DELAY_MS: nonNegativeInt(
    1000,
    'expected milliseconds before a check completes (a whole number, 0 = at once)',
  ),
  SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND: nonNegativeInt(
    5,
    'expected requests per second (a whole number, 0 = no limit)',
  ),
  /** The customer-checks risk sandbox, same process, own port; 0 leaves it off. */
  SANDBOX_RISK_PORT: sandboxPort('the risk sandbox', 4012),
  SANDBOX_RISK_API_KEY: z
    .string()
    .regex(/^\S+$/, { error: 'expected an API key without spaces' })
    .default(DEFAULT_RISK_API_KEY),
  /** The COS core-banking sandbox, same process, own port; 0 leaves it off. */
  SANDBOX_COS_PORT: sandboxPort('the COS sandbox', 4013),
  SANDBOX_COS_CLIENT_ID: z.string().min(1).default(DEFAULT_COS_CLIENT_ID),
  SANDBOX_COS_CLIENT_SECRET: z.string().min(1).default(DEFAULT_COS_CLIENT_SECRET),
  /** Pre-registered at start for both scan events, delivered with SANDBOX_COS_WEBHOOK_USERNAME/PASSWORD. */
  SANDBOX_COS_WEBHOOK_URLS: commaSeparatedUrls(),
  SANDBOX_COS_WEBHOOK_USERNAME: z.string().min(1).default(DEFAULT_COS_WEBHOOK_USERNAME),
  SANDBOX_COS_WEBHOOK_PASSWORD: z.string().min(1).default(DEFAULT_COS_WEBHOOK_PASSWORD),
  SANDBOX_COS_SCAN_DELAY_MS: nonNegativeInt(
    1500,
    'expected milliseconds before a scan ends (a whole number)',
  ),
  SANDBOX_COS_EVENT_BATCH_MS: nonNegativeInt(
    1000,
    'expected milliseconds COS gathers events before one delivery (a whole number)',
  ),
  /** The ComplyAdvantage classic `/searches` sandbox, same process, own port; 0 leaves it off. */
  SANDBOX_CA_CLASSIC_PORT: sandboxPort('the ComplyAdvantage classic sandbox', 4014),
  SANDBOX_CA_CLASSIC_API_KEY: z
    .string()
    .regex(/^\S+$/, { error: 'expected an API key without spaces' })
    .default(DEFAULT_CA_CLASSIC_API_KEY),
  /** Where every event goes, as the web app's account settings would say (there is no webhook API). */
  SANDBOX_CA_CLASSIC_WEBHOOK_URLS: commaSeparatedUrls(),
  /** The tag names searches may carry (tag names are created in the web app before the API can use them). */
  SANDBOX_CA_CLASSIC_TAGS: z
    .string()
    .default(DEFAULT_CA_CLASSIC_TAGS.join(','))
    .transform((v, ctx) => {
      const names = v
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '');
      for (const n of names) {
        if (!/^[^:\s]{1,100}$/.test(n))
          ctx.addIssue({
            code: 'custom',
            message: 'expected comma-separated tag names without spaces or ":"',
          });
      }
      return names;
    }),
  /** Whether reads of a search (`GET /searches/{id}`, `/details`) carry its `client_ref`. */
  SANDBOX_CA_CLASSIC_READS_CLIENT_REF: envField.boolean(true),
  SANDBOX_CA_CLASSIC_RATE_LIMIT_PER_MINUTE: nonNegativeInt(
    0,
    'expected requests per minute (a whole number, 0 = no limit)',
  ),
});

function sandboxPort(what: string, fallback: number) {
  const error = `expected a TCP port number (1-65535), or 0 to leave ${what} off`;
  return z.coerce.number({ error }).int({ error }).min(0, { error }).max(65535, { error }).default(fallback);
}

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const SANDBOX_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface SandboxConfig {
  port: number;
  host: string;
  password: string;
  webhookSecret: string;
  tokenExpiresInSeconds: number;
  rateLimitPerMinute: number;
  latencyMs: LatencyRange;
  legacySignatureSecret: string | null;
  duplicateShape: DuplicateShape;
  webhookV1Twin: boolean;
  /** Pre-registered at start for CASE_CREATED and CASE_TRANSITIONED, so `npm start` needs no API call. */
  webhookUrls: string[];
  webhookHttpHosts: string[];
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** The ComplyCube sandbox (same host, log level and plain-http hosts), or null when its port is 0. */
  complycube: ComplyCubeSandboxConfig | null;
  /** The customer-checks risk sandbox, or null when its port is 0. */
  risk: { port: number; apiKey: string } | null;
  /** The COS core-banking sandbox, or null when its port is 0. */
  cos: CosSandboxConfig | null;
  /** The ComplyAdvantage classic `/searches` sandbox, or null when its port is 0. */
  caClassic: CaClassicSandboxConfig | null;
}

export interface CaClassicSandboxConfig {
  port: number;
  apiKey: string;
  /** Every event goes to every one of them (configured in the web app for the real API). */
  webhookUrls: string[];
  tagNames: string[];
  readsClientRef: boolean;
  rateLimitPerMinute: number;
}

export interface CosSandboxConfig {
  port: number;
  clientId: string;
  clientSecret: string;
  webhookUrls: string[];
  webhookUsername: string;
  webhookPassword: string;
  scanDelayMs: number;
  eventBatchWindowMs: number;
}

export interface ComplyCubeSandboxConfig {
  port: number;
  apiKey: string;
  /** Signs the deliveries to `webhookUrls`; webhooks created through the API get their own secret. */
  webhookSecret: string;
  /** Pre-registered at start for every event, so `npm start` needs no API call. */
  webhookUrls: string[];
  checkDelayMs: number;
  rateLimitPerSecond: number;
}

export function loadSandboxConfig(env?: Env): SandboxConfig {
  const c = parseEnv(schema, env);
  return {
    port: c.SANDBOX_PORT,
    host: c.SANDBOX_HOST,
    password: c.SANDBOX_PASSWORD,
    webhookSecret: c.SANDBOX_WEBHOOK_SECRET,
    tokenExpiresInSeconds: c.SANDBOX_TOKEN_EXPIRES_IN,
    rateLimitPerMinute: c.SANDBOX_RATE_LIMIT_PER_MINUTE,
    latencyMs: c.SANDBOX_LATENCY_MS,
    legacySignatureSecret: c.SANDBOX_LEGACY_SIGNATURE_SECRET ?? null,
    duplicateShape: c.SANDBOX_DUPLICATE_SHAPE,
    webhookV1Twin: c.SANDBOX_WEBHOOK_V1_TWIN,
    webhookUrls: c.SANDBOX_WEBHOOK_URLS,
    webhookHttpHosts: c.SANDBOX_WEBHOOK_HTTP_HOSTS,
    logLevel: c.SANDBOX_LOG_LEVEL,
    complycube:
      c.SANDBOX_COMPLYCUBE_PORT === 0
        ? null
        : {
            port: c.SANDBOX_COMPLYCUBE_PORT,
            apiKey: c.SANDBOX_COMPLYCUBE_API_KEY,
            webhookSecret: c.SANDBOX_COMPLYCUBE_WEBHOOK_SECRET,
            webhookUrls: c.SANDBOX_COMPLYCUBE_WEBHOOK_URLS,
            checkDelayMs: c.SANDBOX_COMPLYCUBE_CHECK_DELAY_MS,
            rateLimitPerSecond: c.SANDBOX_COMPLYCUBE_RATE_LIMIT_PER_SECOND,
          },
    risk: c.SANDBOX_RISK_PORT === 0 ? null : { port: c.SANDBOX_RISK_PORT, apiKey: c.SANDBOX_RISK_API_KEY },
    cos:
      c.SANDBOX_COS_PORT === 0
        ? null
        : {
            port: c.SANDBOX_COS_PORT,
            clientId: c.SANDBOX_COS_CLIENT_ID,
            clientSecret: c.SANDBOX_COS_CLIENT_SECRET,
            webhookUrls: c.SANDBOX_COS_WEBHOOK_URLS,
            webhookUsername: c.SANDBOX_COS_WEBHOOK_USERNAME,
            webhookPassword: c.SANDBOX_COS_WEBHOOK_PASSWORD,
            scanDelayMs: c.SANDBOX_COS_SCAN_DELAY_MS,
            eventBatchWindowMs: c.SANDBOX_COS_EVENT_BATCH_MS,
          },
    caClassic:
      c.SANDBOX_CA_CLASSIC_PORT === 0
        ? null
        : {
            port: c.SANDBOX_CA_CLASSIC_PORT,
            apiKey: c.SANDBOX_CA_CLASSIC_API_KEY,
            webhookUrls: c.SANDBOX_CA_CLASSIC_WEBHOOK_URLS,
            tagNames: c.SANDBOX_CA_CLASSIC_TAGS,
            readsClientRef: c.SANDBOX_CA_CLASSIC_READS_CLIENT_REF,
            rateLimitPerMinute: c.SANDBOX_CA_CLASSIC_RATE_LIMIT_PER_MINUTE,
          },
  };
}
