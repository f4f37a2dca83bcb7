import { z } from 'zod';
import { DEFAULT_ACCOUNT } from '../contracts/ca-classic';
import { ConfigError, envField, parseEnv, type Env } from '../platform/config/env';
import { Secret } from '../platform/config/secret';
import {
  loadTenantsConfig,
  tenantAccount,
  tenantChain,
  type TenantsConfig,
} from '../platform/config/tenants';
import { parseAddressList } from './source-address';

export interface BridgeConfig {
  host: string;
  port: number;
  /**
   * Standard Webhooks secrets (base64, an optional `whsec_` prefix tolerated). Several are allowed so a
   * secret can be rotated without downtime: a delivery is accepted when any of them verifies it.
   */
  webhookSecrets: Secret[];
  /** The guide's older `x-complyadvantage-signature` (hex HMAC of the raw body), accepted only when set. */
  legacySecret: Secret | undefined;
  /**
   * ComplyCube's webhook signing secrets, used as UTF-8 text (docs/bridge.md, "ComplyCube route"); several
   * while one is rotated. Empty: `POST /webhooks/complycube` is not served at all (404).
   */
  complyCubeWebhookSecrets: Secret[];
  /**
   * The HTTP Basic credentials COS sends with each event (the registration's `authUsername` /
   * `authPassword`; docs/bridge.md, "COS route"). Undefined: `POST /webhooks/cos` is not served (404).
   */
  cosWebhookCredentials: CosWebhookCredentials | undefined;
  /**
   * ComplyAdvantage classic's unsigned webhooks (docs/bridge.md, "ComplyAdvantage classic route"): the URL
   * tokens, each naming the CA-classic account it belongs to, and the addresses they may come from. No
   * token: `POST /webhooks/complyadvantage-classic/<token>` is not served (404).
   */
  caClassic: CaClassicWebhookConfig;
  /**
   * Addresses and CIDR ranges (canonical text) of the reverse proxies in front of the bridge, whose
   * `X-Forwarded-For` is believed. Empty: a request's address is its socket's peer.
   */
  trustedProxies: string[];
  /** Whole request, headers to response: a slow client cannot hold a socket for longer. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** gRPC deadline for one signal call; well under the sender's 16 s so a slow Temporal yields a 503, not a dropped socket. */
  signalTimeoutMs: number;
  /** gRPC deadline for the readiness probe. */
  readinessTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Remembered `webhook-id`s: bounded count, bounded age (the sender's retries span 16 s). */
  dedupe: { maxEntries: number; ttlMs: number };
}

export interface CosWebhookCredentials {
  username: Secret;
  password: Secret;
}

export interface CaClassicWebhookToken {
  /** The last path segment of the URL configured in the account's web app. */
  token: Secret;
  /** The CA-classic account whose searches its events are about (`default`, or a tenant's name). */
  account: string;
}

export interface CaClassicWebhookConfig {
  /** Empty: the route is off. Several: rotation, or one per account (each its own URL). */
  tokens: CaClassicWebhookToken[];
  /** Addresses and CIDR ranges (canonical text) the webhooks may come from, as the peer the bridge sees. */
  sources: string[];
}

/** Where ComplyAdvantage sends classic webhooks from (its API reference, "Webhooks"), and loopback for the sandbox. */
export const CA_CLASSIC_DEFAULT_SOURCES = '52.51.2.160,52.212.236.102,52.210.125.73,52.16.199.44,127.0.0.1';

/**
 * Tokens are a path segment of the URL, compared whole: URL-safe characters only, long enough not to be
 * guessed, and within the router's limit on a parameter's length (100).
 */
const CA_CLASSIC_TOKEN = /^[A-Za-z0-9._~-]{16,100}$/;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const WHSEC_PREFIX = 'whsec_';

/** Splits `WEBHOOK_SECRET` and checks each entry is usable, naming entries by position (never by value). */
const webhookSecrets = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined) return [];
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    entries.forEach((entry, i) => {
      const body = entry.startsWith(WHSEC_PREFIX) ? entry.slice(WHSEC_PREFIX.length) : entry;
      if (body.length === 0 || !BASE64.test(body)) {
        ctx.addIssue({
          code: 'custom',
          message: `secret #${i + 1} is not base64 (expected comma-separated base64 secrets as Mesh shows them)`,
        });
      }
    });
    return entries.map((s) => new Secret(s));
  });

/**
 * A comma-separated list of secrets (several while one is being rotated): unset is an empty list, a value
 * naming none is refused with `emptyMessage`, and `problemOf` may refuse an entry, named by position only.
 */
function secretList(
  emptyMessage: string,
  problemOf?: (entry: string, position: number) => string | undefined,
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return [];
      const entries = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (entries.length === 0) ctx.addIssue({ code: 'custom', message: emptyMessage });
      entries.forEach((entry, i) => {
        const problem = problemOf?.(entry, i + 1);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      });
      return entries.map((s) => new Secret(s));
    });
}

/**
 * `COMPLYCUBE_WEBHOOK_SECRET`. ComplyCube shows a secret once, when the webhook is created
 * (`npm run register-webhooks` prints it); it is used as text, so only emptiness is refused.
 */
const complyCubeSecrets = secretList(
  'expected one or more ComplyCube webhook secrets, comma-separated (unset the variable to switch the ComplyCube route off)',
);

/**
 * `CA_CLASSIC_WEBHOOK_TOKEN` (several while the URL is being changed in the web app, which sends every event
 * to every URL configured).
 */
const caClassicTokens = secretList(
  'expected one or more webhook tokens, comma-separated (unset the variable to switch the ComplyAdvantage classic route off)',
  (entry, position) =>
    CA_CLASSIC_TOKEN.test(entry)
      ? undefined
      : `token #${position} is not usable: expected 16 to 100 characters of letters, digits, '-', '_', '.' or '~' (it is the last segment of the webhook URL; e.g. openssl rand -hex 32)`,
);

/** A comma-separated list of addresses and CIDR ranges; an entry that is neither is named (they are no secret). */
function addressList(what: string) {
  return z.string().transform((raw, ctx) => {
    const parsed = parseAddressList(raw);
    if (!parsed.ok) {
      for (const entry of parsed.invalid) {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry.length > 64 ? `${entry.slice(0, 64)}…` : entry}" is not an IP address or CIDR range (expected ${what}: comma-separated IPv4/IPv6 addresses or CIDR ranges, e.g. 52.51.2.160,10.0.0.0/8)`,
        });
      }
    } else if (parsed.entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: `expected ${what}: one or more IP addresses or CIDR ranges` });
    }
    return parsed.entries;
  });
}

const schema = z
  .object({
    WEBHOOK_HOST: z.string().min(1).default('0.0.0.0'),
    WEBHOOK_PORT: envField.port(3000),
    WEBHOOK_SECRET: webhookSecrets,
    WEBHOOK_LEGACY_SECRET: z.string().optional(),
    COMPLYCUBE_WEBHOOK_SECRET: complyCubeSecrets,
    // HTTP Basic (RFC 7617): the user-id ends at the first colon, so it may hold none; the password may.
    COS_WEBHOOK_USERNAME: z
      .string()
      .regex(/^[^:]+$/, {
        error: 'expected a user name without a colon (HTTP Basic splits at the first colon)',
      })
      .optional(),
    COS_WEBHOOK_PASSWORD: z.string().optional(),
    CA_CLASSIC_WEBHOOK_TOKEN: caClassicTokens,
    // `prefault`: the default goes through the same parsing as a value that is set.
    CA_CLASSIC_WEBHOOK_SOURCES: addressList(
      'the addresses ComplyAdvantage classic webhooks come from',
    ).prefault(CA_CLASSIC_DEFAULT_SOURCES),
    WEBHOOK_TRUSTED_PROXIES: addressList('the reverse proxies in front of the bridge').optional(),
    WEBHOOK_REQUEST_TIMEOUT: envField.duration('10s'),
    WEBHOOK_KEEP_ALIVE_TIMEOUT: envField.duration('72s'),
    WEBHOOK_SIGNAL_TIMEOUT: envField.duration('5s'),
    WEBHOOK_READINESS_TIMEOUT: envField.duration('2s'),
    WEBHOOK_LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'expected one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    WEBHOOK_DEDUPE_MAX_ENTRIES: envField.positiveInt(10_000, 'remembered webhook ids'),
    WEBHOOK_DEDUPE_TTL: envField.duration('1h'),
  })
  .check((ctx) => {
    // An endpoint that turns requests into workflow signals must never run unauthenticated.
    if (ctx.value.WEBHOOK_SECRET.length === 0 && ctx.value.WEBHOOK_LEGACY_SECRET === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['WEBHOOK_SECRET'],
        message:
          'required: the base64 webhook signing secret(s), comma-separated (or WEBHOOK_LEGACY_SECRET for the legacy scheme)',
        input: undefined,
      });
    }
    // Both or neither: one without the other would serve the route with half a credential, or silently not.
    const cosUsername = ctx.value.COS_WEBHOOK_USERNAME !== undefined;
    const cosPassword = ctx.value.COS_WEBHOOK_PASSWORD !== undefined;
    if (cosUsername !== cosPassword) {
      const missing = cosUsername ? 'COS_WEBHOOK_PASSWORD' : 'COS_WEBHOOK_USERNAME';
      const other = cosUsername ? 'COS_WEBHOOK_USERNAME' : 'COS_WEBHOOK_PASSWORD';
      ctx.issues.push({
        code: 'custom',
        path: [missing],
        message: `required when ${other} is set: the COS route takes both or neither (unset both to switch it off)`,
        input: undefined,
      });
    }
    for (const key of [
      'WEBHOOK_REQUEST_TIMEOUT',
      'WEBHOOK_SIGNAL_TIMEOUT',
      'WEBHOOK_READINESS_TIMEOUT',
    ] as const) {
      if (ctx.value[key] <= 0) {
        ctx.issues.push({
          code: 'custom',
          path: [key],
          message: 'expected a duration greater than zero',
          input: undefined,
        });
      }
    }
  });

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const BRIDGE_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** `CA_CLASSIC_WEBHOOK_TOKEN` alone, for `caClassicWebhookTokens`. */
const caClassicTokenSchema = z.object({ CA_CLASSIC_WEBHOOK_TOKEN: caClassicTokens });

/**
 * Which webhook token belongs to which CA-classic account: `CA_CLASSIC_WEBHOOK_TOKEN` to the worker's own
 * (`default`), and for each tenant of TENANTS_FILE that screens with CA classic on an account of its own,
 * the token its `env` maps (the token is how the bridge tells the accounts' webhooks apart: each account
 * configures its own URL in ComplyAdvantage's web app). Throws a ConfigError naming the variable; two
 * accounts sharing one token could not be told apart, so that is refused too.
 */
export function caClassicWebhookTokens(
  env: Env = process.env,
  tenants?: TenantsConfig,
): CaClassicWebhookToken[] {
  const tokens = parseEnv(caClassicTokenSchema, env).CA_CLASSIC_WEBHOOK_TOKEN.map((token) => ({
    token,
    account: DEFAULT_ACCOUNT,
  }));
  for (const [name, tenant] of Object.entries(tenants?.tenants ?? {})) {
    if (!tenantChain(tenant).includes('ca-classic')) continue;
    const account = tenantAccount(name, tenant, 'ca-classic');
    if (account === DEFAULT_ACCOUNT) continue;
    const holder = tenant.env.CA_CLASSIC_WEBHOOK_TOKEN ?? 'CA_CLASSIC_WEBHOOK_TOKEN';
    const own = parseEnv(caClassicTokenSchema, { CA_CLASSIC_WEBHOOK_TOKEN: env[holder] });
    for (const token of own.CA_CLASSIC_WEBHOOK_TOKEN) {
      const shared = tokens.find((t) => t.token.reveal() === token.reveal() && t.account !== account);
      if (shared !== undefined) {
        throw new ConfigError([
          `${holder}: tenant ${name}'s CA-classic account needs a webhook token of its own (the same token as account ${shared.account} would route its webhooks to the wrong account)`,
        ]);
      }
      tokens.push({ token, account });
    }
  }
  return tokens;
}

export function loadBridgeConfig(env?: Env): BridgeConfig {
  const c = parseEnv(schema, env);
  return {
    host: c.WEBHOOK_HOST,
    port: c.WEBHOOK_PORT,
    webhookSecrets: c.WEBHOOK_SECRET,
    legacySecret: c.WEBHOOK_LEGACY_SECRET === undefined ? undefined : new Secret(c.WEBHOOK_LEGACY_SECRET),
    complyCubeWebhookSecrets: c.COMPLYCUBE_WEBHOOK_SECRET,
    cosWebhookCredentials:
      c.COS_WEBHOOK_USERNAME !== undefined && c.COS_WEBHOOK_PASSWORD !== undefined
        ? { username: new Secret(c.COS_WEBHOOK_USERNAME), password: new Secret(c.COS_WEBHOOK_PASSWORD) }
        : undefined,
    caClassic: {
      tokens: caClassicWebhookTokens(
        env ?? process.env,
        loadTenantsConfig(env ?? process.env, { requireMapped: false }),
      ),
      sources: c.CA_CLASSIC_WEBHOOK_SOURCES,
    },
    trustedProxies: c.WEBHOOK_TRUSTED_PROXIES ?? [],
    requestTimeoutMs: c.WEBHOOK_REQUEST_TIMEOUT,
    keepAliveTimeoutMs: c.WEBHOOK_KEEP_ALIVE_TIMEOUT,
    signalTimeoutMs: c.WEBHOOK_SIGNAL_TIMEOUT,
    readinessTimeoutMs: c.WEBHOOK_READINESS_TIMEOUT,
    logLevel: c.WEBHOOK_LOG_LEVEL,
    dedupe: { maxEntries: c.WEBHOOK_DEDUPE_MAX_ENTRIES, ttlMs: c.WEBHOOK_DEDUPE_TTL },
  };
}
