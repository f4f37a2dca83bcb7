import { z } from 'zod';

/**
 * The one place that reads `process.env`. Each process parses the sections it needs once at start-up
 * and passes the typed result down; nothing else in `src/` touches the environment.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, so `FOO= npm run x` falls back to the default like an absent variable. */
function withoutEmpty(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/**
 * Parses the environment against a schema whose keys are variable names. On failure every problem
 * becomes one line naming the variable and what it expects; values are never echoed, since some are secrets.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.join('.') : 'environment';
    return `${variable}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** For entry points: a bad environment stops the process with one line per problem, exit code 2. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`configuration error: ${line}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** The same for configuration read while connecting (a promise that rejects with a ConfigError). */
export async function awaitOrExit<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    return loadOrExit(() => {
      throw err;
    });
  }
}

/** Shared field builders so every section describes its variables the same way. */
export const envField = {
  port: (fallback: number) =>
    z.coerce
      .number({ error: 'expected a TCP port number (1-65535)' })
      .int({ error: 'expected a TCP port number (1-65535)' })
      .min(1, { error: 'expected a TCP port number (1-65535)' })
      .max(65535, { error: 'expected a TCP port number (1-65535)' })
      .default(fallback),
  positiveInt: (fallback: number, what: string) =>
    z.coerce
      .number({ error: `expected ${what} (a positive whole number)` })
      .int({ error: `expected ${what} (a positive whole number)` })
      .positive({ error: `expected ${what} (a positive whole number)` })
      .default(fallback),
  hostPort: (fallback: string) =>
    z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected host:port, e.g. 127.0.0.1:7233' })
      .default(fallback),
  url: () => z.url({ error: 'expected an absolute URL, e.g. http://127.0.0.1:4010' }),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(fallback),
  /** Durations like `30s`, `5m`, `2h`, `3d` or plain milliseconds; returned in milliseconds. */
  duration: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined) {
          ctx.addIssue({ code: 'custom', message: 'expected a duration like 500ms, 30s, 5m, 2h or 3d' });
          return z.NEVER;
        }
        return ms;
      }),
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!);
}
