import { z } from 'zod';
import { ConfigError, envField, parseEnv, type Env } from '../../platform/config/env';
import { Secret } from '../../platform/config/secret';

/**
 * The COS (core banking) section of the environment (docs/providers/cos.md, "Configuration"): the only
 * place its variables are read. `COS_BASE_URL` switches the core-banking step on; unset, the step is off
 * and nothing else is demanded. Set, every variable a COS call needs must be set too, and a missing one is
 * reported by name, all of them in one ConfigError, so an operator fixes the environment in one go.
 */
export interface CosConfig {
  /** e.g. https://api.crbcos.com, or a local sandbox; paths such as /core/v1/… are relative to it. Undefined: the step is off. */
  baseUrl: string | undefined;
  /** The identity server's token endpoint (a separate host from the API). */
  tokenUrl: string | undefined;
  clientId: string | undefined;
  clientSecret: Secret | undefined;
  /** Sent in the token request only when set (several scopes separated by spaces). */
  scope: string | undefined;
  /** Sent in the token request only when set (the COS quickstart sends https://api.crbcos.com/). */
  audience: string | undefined;
  partnerId: string | undefined;
  /** HTTP Basic credentials COS sends with each event delivery (registered by register-webhooks, checked by the bridge). */
  webhookUsername: string | undefined;
  webhookPassword: Secret | undefined;
  /** The bridge's public URL for COS (a bare origin gets /webhooks/cos); register-webhooks registers it. */
  webhookUrl: string | undefined;
  /** How often a waiting customer is re-read, covering lost or suspended event deliveries. */
  pollIntervalMs: number;
  /** How long OFAC/PEP may stay unresolved before the customer ends CORE_EXPIRED. */
  reviewDeadlineMs: number;
  /** Requests per second to COS, enforced by the `<queue>-cos` task queue; the tutorial documents none. */
  rateLimitPerSecond: number;
}

/** What a COS call needs: present whenever `baseUrl` is (loadCosConfig checked it). */
export interface CosConnectionConfig {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: Secret;
  scope: string | undefined;
  audience: string | undefined;
  partnerId: string;
}

const atLeastOneSecond = (fallback: string) =>
  envField.duration(fallback).refine((ms) => ms >= 1000, {
    error: `expected a duration of at least 1s, e.g. ${fallback}`,
  });

const positiveDuration = (fallback: string) =>
  envField.duration(fallback).refine((ms) => ms > 0, {
    error: `expected a duration greater than zero, e.g. ${fallback}`,
  });

const schema = z.object({
  COS_BASE_URL: envField.url().optional(),
  COS_TOKEN_URL: envField.url().optional(),
  COS_CLIENT_ID: z.string().optional(),
  COS_CLIENT_SECRET: z.string().optional(),
  COS_SCOPE: z.string().optional(),
  COS_AUDIENCE: z.string().optional(),
  COS_PARTNER_ID: z.string().optional(),
  COS_WEBHOOK_USERNAME: z.string().optional(),
  COS_WEBHOOK_PASSWORD: z.string().optional(),
  COS_WEBHOOK_URL: envField.url().optional(),
  CORE_POLL_INTERVAL: atLeastOneSecond('15m'),
  CORE_REVIEW_DEADLINE: positiveDuration('7d'),
  COS_RATE_LIMIT_PER_SECOND: envField.positiveInt(10, 'requests per second'),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const COS_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Required once COS_BASE_URL is set: the variable, its field, and what it is for (the ConfigError line). */
const REQUIRED_WHEN_ON: readonly { variable: string; field: keyof CosConfig; what: string }[] = [
  {
    variable: 'COS_TOKEN_URL',
    field: 'tokenUrl',
    what: "the identity server's token endpoint, e.g. https://idptest.crbcos.com/connect/token",
  },
  { variable: 'COS_CLIENT_ID', field: 'clientId', what: 'the OAuth2 client id of the COS API credentials' },
  {
    variable: 'COS_CLIENT_SECRET',
    field: 'clientSecret',
    what: 'the OAuth2 client secret of the COS API credentials',
  },
  {
    variable: 'COS_PARTNER_ID',
    field: 'partnerId',
    what: 'the partner id COS issued with the credentials, sent with every customer and registration',
  },
];

const missingLine = (r: (typeof REQUIRED_WHEN_ON)[number]) =>
  `${r.variable}: required when COS_BASE_URL is set: ${r.what}`;

/** Set and not blank (parseEnv already treats empty strings as unset). */
function isSet(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

export function loadCosConfig(env: Env = process.env): CosConfig {
  const missing = isSet(env, 'COS_BASE_URL')
    ? REQUIRED_WHEN_ON.filter((r) => !isSet(env, r.variable)).map(missingLine)
    : [];
  let c: z.output<typeof schema>;
  try {
    c = parseEnv(schema, env);
  } catch (err) {
    // Format problems and missing variables in one error, each line naming its variable.
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...missing]);
    throw err;
  }
  if (missing.length > 0) throw new ConfigError(missing);
  return {
    baseUrl: c.COS_BASE_URL,
    tokenUrl: c.COS_TOKEN_URL,
    clientId: c.COS_CLIENT_ID,
    clientSecret: c.COS_CLIENT_SECRET !== undefined ? new Secret(c.COS_CLIENT_SECRET) : undefined,
    scope: c.COS_SCOPE,
    audience: c.COS_AUDIENCE,
    partnerId: c.COS_PARTNER_ID,
    webhookUsername: c.COS_WEBHOOK_USERNAME,
    webhookPassword: c.COS_WEBHOOK_PASSWORD !== undefined ? new Secret(c.COS_WEBHOOK_PASSWORD) : undefined,
    webhookUrl: c.COS_WEBHOOK_URL,
    pollIntervalMs: c.CORE_POLL_INTERVAL,
    reviewDeadlineMs: c.CORE_REVIEW_DEADLINE,
    rateLimitPerSecond: c.COS_RATE_LIMIT_PER_SECOND,
  };
}

/** The connection when the step is on, undefined when it is off (COS_BASE_URL unset). */
export function cosConnectionOf(config: CosConfig): CosConnectionConfig | undefined {
  const { baseUrl, tokenUrl, clientId, clientSecret, partnerId } = config;
  if (baseUrl === undefined) return undefined;
  if (
    tokenUrl === undefined ||
    clientId === undefined ||
    clientSecret === undefined ||
    partnerId === undefined
  ) {
    // Only a config not built by loadCosConfig gets here.
    throw new ConfigError(REQUIRED_WHEN_ON.filter((r) => config[r.field] === undefined).map(missingLine));
  }
  return {
    baseUrl,
    tokenUrl,
    clientId,
    clientSecret,
    scope: config.scope,
    audience: config.audience,
    partnerId,
  };
}

/**
 * The Basic credentials COS sends with its deliveries: register-webhooks registers them and the bridge
 * checks them, so neither may run without them. A ConfigError naming each missing variable.
 */
export function requireCosWebhookCredentials(
  config: Pick<CosConfig, 'webhookUsername' | 'webhookPassword'>,
): {
  username: string;
  password: Secret;
} {
  const problems: string[] = [];
  if (config.webhookUsername === undefined || config.webhookUsername.trim() === '') {
    problems.push(
      'COS_WEBHOOK_USERNAME: required to register COS webhooks: the HTTP Basic user COS sends with each event',
    );
  }
  if (config.webhookPassword === undefined || config.webhookPassword.reveal().trim() === '') {
    problems.push(
      'COS_WEBHOOK_PASSWORD: required to register COS webhooks: the HTTP Basic password COS sends with each event',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { username: config.webhookUsername!, password: config.webhookPassword! };
}

export { Secret };
