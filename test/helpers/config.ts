import { ConfigError, type Env } from '../../src/platform/config/env';

/** The problems a config section's loader reports for `env` (none when it accepts it). */
export function configProblems(load: (env: Env) => unknown, env: Env): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
