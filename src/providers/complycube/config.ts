import { z } from 'zod';
import { ConfigError, envField, parseEnv, type Env } from '../../platform/config/env';
import { Secret } from '../../platform/config/secret';

/**
 * The ComplyCube section of the environment (docs/providers/complycube.md): the only place its variables
 * are read. Every process that may talk to ComplyCube parses it, so it never fails for a missing API key:
 * a worker that screens with ComplyCube demands the key when it builds the client
 * (`requireComplyCubeApiKey`), with one line naming the variable.
 */
export interface ComplyCubeConfig {
  /** e.g. https://api.complycube.com/v1, or a local sandbox; every path is relative to it. */
  baseUrl: string;
  /** The account's sandbox (test) or live key; which one decides the mode. Absent: ComplyCube not usable. */
  apiKey: Secret | undefined;
  /** The account's budget in requests per second, enforced by the `<queue>-complycube` task queue. */
  rateLimitPerSecond: number;
  /** The screening check type of the standard route (`standard_screening_check`). */
  checkType: string;
  /** The check type of the enhanced route the risk score may choose (`extensive_screening_check`). */
  extensiveCheckType: string;
  /** How often the webhook-health check runs (ComplyCube disables a webhook after its retries fail). */
  webhookCheckIntervalMs: number;
  /** The bridge's registered URL; without it, registrations are recognised by their path. */
  webhookUrl: string | undefined;
  /** The wait after a 429 (no rate-limit headers exist), before jitter. */
  retryBackoffMs: number;
}

const DEFAULT_COMPLYCUBE_BASE_URL = 'https://api.complycube.com/v1';

const positiveDuration = (fallback: string) =>
  envField.duration(fallback).refine((ms) => ms > 0, {
    error: `expected a duration greater than zero, e.g. ${fallback}`,
  });

const schema = z.object({
  COMPLYCUBE_BASE_URL: envField.url().default(DEFAULT_COMPLYCUBE_BASE_URL),
  COMPLYCUBE_API_KEY: z.string().optional(),
  // The sandbox ceiling (5 requests/s; live accounts 10/s): the queue's rate limit keeps 429s rare.
  COMPLYCUBE_RATE_LIMIT_PER_SECOND: envField.positiveInt(5, 'requests per second'),
  COMPLYCUBE_CHECK_TYPE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, {
      error: 'expected a ComplyCube check type, e.g. standard_screening_check or extensive_screening_check',
    })
    .default('standard_screening_check'),
  COMPLYCUBE_EXTENSIVE_CHECK_TYPE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, {
      error: 'expected a ComplyCube check type, e.g. extensive_screening_check',
    })
    .default('extensive_screening_check'),
  COMPLYCUBE_WEBHOOK_CHECK_INTERVAL: positiveDuration('15m'),
  COMPLYCUBE_WEBHOOK_URL: envField.url().optional(),
  // ComplyCube's advice for 429s: back off from 30 s, with random jitter.
  COMPLYCUBE_RETRY_BACKOFF: positiveDuration('30s'),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const COMPLYCUBE_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export function loadComplyCubeConfig(env: Env = process.env): ComplyCubeConfig {
  const c = parseEnv(schema, env);
  return {
    baseUrl: c.COMPLYCUBE_BASE_URL,
    apiKey: c.COMPLYCUBE_API_KEY !== undefined ? new Secret(c.COMPLYCUBE_API_KEY) : undefined,
    rateLimitPerSecond: c.COMPLYCUBE_RATE_LIMIT_PER_SECOND,
    checkType: c.COMPLYCUBE_CHECK_TYPE,
    extensiveCheckType: c.COMPLYCUBE_EXTENSIVE_CHECK_TYPE,
    webhookCheckIntervalMs: c.COMPLYCUBE_WEBHOOK_CHECK_INTERVAL,
    webhookUrl: c.COMPLYCUBE_WEBHOOK_URL,
    retryBackoffMs: c.COMPLYCUBE_RETRY_BACKOFF,
  };
}

/** The API key, for a process that talks to ComplyCube; a ConfigError naming the variable when unset. */
export function requireComplyCubeApiKey(config: Pick<ComplyCubeConfig, 'apiKey'>): Secret {
  if (config.apiKey === undefined || config.apiKey.reveal().trim() === '') {
    throw new ConfigError([
      'COMPLYCUBE_API_KEY: required when ComplyCube screens: the account API key (sandbox or live), sent as the Authorization header',
    ]);
  }
  return config.apiKey;
}

export { Secret };
