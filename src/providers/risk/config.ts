import { z } from 'zod';
import { ConfigError, envField, parseEnv, type Env } from '../../platform/config/env';
import { Secret } from '../../platform/config/secret';

/**
 * The risk-score section of the environment (docs/providers/risk.md, "Configuration"): the only place its
 * variables are read. Without RISK_API_BASE_URL the risk step is off and nothing else is demanded; with it,
 * the API key must be set too, or the process stops at start naming the variable.
 */
export interface RiskConfig {
  /** The customer-checks API's base, e.g. https://api.example.com; the check path is relative to it. Absent: the step is off. */
  baseUrl: string | undefined;
  /** Sent as the `api-key` header; always set when `baseUrl` is. */
  apiKey: Secret | undefined;
  /** Lower-case levels that allow the standard screening (with no risk case opened). */
  standardLevels: string[];
  /** How long a run waits for a score before it goes on fail-closed, in ms. */
  checkTimeoutMs: number;
}

const DEFAULT_STANDARD_LEVELS = 'low,medium';

const levelList = z
  .string()
  .default(DEFAULT_STANDARD_LEVELS)
  .transform((value, ctx) => {
    const levels = [
      ...new Set(
        value
          .split(',')
          .map((level) => level.trim().toLowerCase())
          .filter((level) => level !== ''),
      ),
    ];
    if (levels.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected comma-separated risk levels, e.g. low,medium' });
      return z.NEVER;
    }
    return levels;
  });

const fields = z.object({
  RISK_API_BASE_URL: envField.url().optional(),
  RISK_API_KEY: z.string().optional(),
  RISK_STANDARD_LEVELS: levelList,
  RISK_CHECK_TIMEOUT: envField.duration('5m').refine((ms) => ms > 0, {
    error: 'expected a duration greater than zero, e.g. 5m',
  }),
});

const schema = fields.superRefine((c, ctx) => {
  if (c.RISK_API_BASE_URL !== undefined && (c.RISK_API_KEY === undefined || c.RISK_API_KEY.trim() === '')) {
    ctx.addIssue({
      code: 'custom',
      path: ['RISK_API_KEY'],
      message:
        'required when RISK_API_BASE_URL is set: the customer-checks API key, sent as the api-key header',
    });
  }
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const RISK_ENV_VARIABLES: readonly string[] = Object.keys(fields.shape);

export function loadRiskConfig(env: Env = process.env): RiskConfig {
  const c = parseEnv(schema, env);
  const baseUrl = c.RISK_API_BASE_URL;
  return {
    baseUrl,
    apiKey: baseUrl !== undefined && c.RISK_API_KEY !== undefined ? new Secret(c.RISK_API_KEY) : undefined,
    standardLevels: c.RISK_STANDARD_LEVELS,
    checkTimeoutMs: c.RISK_CHECK_TIMEOUT,
  };
}

/** The base URL and key, for a process that calls the API; a ConfigError naming the variable when unset. */
export function requireRiskApi(config: Pick<RiskConfig, 'baseUrl' | 'apiKey'>): {
  baseUrl: string;
  apiKey: Secret;
} {
  if (config.baseUrl === undefined) {
    throw new ConfigError(['RISK_API_BASE_URL: required to call the risk API (unset: the risk step is off)']);
  }
  if (config.apiKey === undefined || config.apiKey.reveal().trim() === '') {
    throw new ConfigError([
      'RISK_API_KEY: required when RISK_API_BASE_URL is set: the customer-checks API key, sent as the api-key header',
    ]);
  }
  return { baseUrl: config.baseUrl, apiKey: config.apiKey };
}

export { Secret };
