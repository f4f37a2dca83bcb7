import { z } from 'zod';
import { nonNegativeInt } from './settings';

type Range = { min: number; max: number };

/** A whole number of ms, uniform between the range's min and max. */
export function pickLatency(range: Range): number {
  return range.min + Math.floor(Math.random() * (range.max - range.min + 1));
}

/** A fault's `latencyMs` as given: a fixed delay in ms or a `{min, max}` range. */
export const faultLatencySchema = z.union([
  nonNegativeInt,
  z
    .object({ min: nonNegativeInt, max: nonNegativeInt })
    .strict()
    .refine((r) => r.max >= r.min, { error: 'max must be at least min' }),
]);

/** A fixed delay as a range (0 when none was given); a range as it is. */
export function latencyRange(latency: number | Range | undefined): Range {
  const given = latency ?? 0;
  return typeof given === 'number' ? { min: given, max: given } : given;
}

/** A fault's `match.path`: a regular expression source that compiles. */
export const regexSourceSchema = z
  .string()
  .min(1)
  .refine(
    (source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be a valid regular expression source' },
  );

/** What every sandbox's fault keeps to fire: its kind, how likely, how many more times, how many so far. */
export interface CountedFault {
  kind: string;
  probability: number;
  remaining: number | undefined;
  applied: number;
}

/**
 * The first fault of `kind` with some `count` left that `matches` and fires (probability), consuming one
 * of its `count` and counting it applied.
 */
export function takeFault<F extends CountedFault>(
  faults: readonly F[],
  kind: F['kind'],
  matches: (fault: F) => boolean,
): F | undefined {
  for (const fault of faults) {
    if (fault.kind !== kind) continue;
    if (fault.remaining !== undefined && fault.remaining <= 0) continue;
    if (!matches(fault)) continue;
    if (fault.probability < 1 && Math.random() >= fault.probability) continue;
    if (fault.remaining !== undefined) fault.remaining -= 1;
    fault.applied += 1;
    return fault;
  }
  return undefined;
}
