import { z } from 'zod';
import { envField, parseEnv, type Env } from '../platform/config/env';

/**
 * A fixed, documented development secret (base64 of "mesh-sandbox-dev-webhook-secret!"). Only the
 * sandbox and a local bridge ever use it; a real account's secret comes from ComplyAdvantage.
 */
export const SANDBOX_DEV_WEBHOOK_SECRET = 'bWVzaC1zYW5kYm94LWRldi13ZWJob29rLXNlY3JldCE=';

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
  SANDBOX_WEBHOOK_URLS: z
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
    }),
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
});

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
  };
}
