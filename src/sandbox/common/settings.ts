import { z } from 'zod';

/** What the sandboxes' settings, options and fault bodies call a whole number of at least 0. */
export const nonNegativeInt = z.number().int().min(0);

interface WithLatency {
  latencyMs: { min: number; max: number };
}

/** A validated settings patch: any subset of the settings. */
export type SettingsPatchOf<S> = { [K in keyof S]?: S[K] | undefined };

/** A settings `latencyMs`: a fixed delay in ms or a `{min, max}` range, answered as a range. */
export const latencySettingSchema = z.union([
  nonNegativeInt.transform((ms) => ({ min: ms, max: ms })),
  z
    .object({ min: nonNegativeInt, max: nonNegativeInt })
    .strict()
    .refine((r) => r.max >= r.min, { error: 'max must be at least min' }),
]);

export function cloneSettings<S extends WithLatency>(s: S): S {
  return { ...s, latencyMs: { ...s.latencyMs } };
}

/** The settings after a validated patch: each value it gives replaces the current one. */
export function applySettingsPatch<S extends WithLatency>(current: S, patch: SettingsPatchOf<S>): S {
  const next = cloneSettings(current);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}

/**
 * The start settings: the defaults with whatever the options set; checked like a patch (`schema`), so a
 * typo fails at start with `<sandbox> option <path>: <message>`.
 */
export function startSettings<S extends WithLatency>(
  sandbox: string,
  defaults: S,
  schema: z.ZodType<SettingsPatchOf<S>, unknown>,
  options: object,
): S {
  const given: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) given[key] = value;
  }
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${sandbox} option ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return applySettingsPatch(defaults, parsed.data);
}
