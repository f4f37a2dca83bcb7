import { z } from 'zod';
import { envField, parseEnv, type Env } from './env';

const schema = z.object({
  TEMPORAL_ADDRESS: envField.hostPort('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
  TEMPORAL_UI_PORT: envField.port(8233),
  TEMPORAL_DB_FILE: z.string().default('.temporal/dev.sqlite'),
  TEMPORAL_CLI_PATH: z.string().optional(),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const TEMPORAL_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  uiPort: number;
  dbFile: string;
  cliPath: string | undefined;
  /** Where a person opens the Web UI; derived from the gRPC host and the UI port. */
  uiUrl: string;
}

export function loadTemporalConfig(env?: Env): TemporalConfig {
  const c = parseEnv(schema, env);
  const host = c.TEMPORAL_ADDRESS.split(':')[0] ?? '127.0.0.1';
  return {
    address: c.TEMPORAL_ADDRESS,
    namespace: c.TEMPORAL_NAMESPACE,
    taskQueue: c.TEMPORAL_TASK_QUEUE,
    uiPort: c.TEMPORAL_UI_PORT,
    dbFile: c.TEMPORAL_DB_FILE,
    cliPath: c.TEMPORAL_CLI_PATH,
    uiUrl: `http://${host}:${c.TEMPORAL_UI_PORT}`,
  };
}
