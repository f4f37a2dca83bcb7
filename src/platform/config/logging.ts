import { z } from 'zod';
import { parseEnv, type Env } from './env';

/** pino's levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const level = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }));

const schema = z.object({
  LOG_LEVEL: level.default('info'),
  // Older than LOG_LEVEL and documented for the bridge; kept so existing deployments keep their level.
  WEBHOOK_LOG_LEVEL: level.optional(),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const LOGGING_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface LoggingConfig {
  /** Worker and starter (and the bridge unless WEBHOOK_LOG_LEVEL is set). */
  level: LogLevelName;
  /** The bridge's level: WEBHOOK_LOG_LEVEL when set, LOG_LEVEL otherwise. */
  bridgeLevel: LogLevelName;
}

export function loadLoggingConfig(env?: Env): LoggingConfig {
  const c = parseEnv(schema, env);
  return { level: c.LOG_LEVEL, bridgeLevel: c.WEBHOOK_LOG_LEVEL ?? c.LOG_LEVEL };
}
