import { randomUUID } from 'node:crypto';
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

/** The refinement every sandbox's fault body has: a latency fault says how long (with LATENCY_FAULT_NEEDS_LATENCY). */
export function latencyFaultHasLatency(fault: { kind: string; latencyMs?: unknown }): boolean {
  return fault.kind !== 'latency' || fault.latencyMs !== undefined;
}
export const LATENCY_FAULT_NEEDS_LATENCY = {
  error: 'latencyMs is required for a latency fault',
  path: ['latencyMs'],
};

/** What a request-pattern fault's `match` names in every sandbox; each adds the event a webhook fault matches. */
export const requestMatchShape = {
  method: z.string().min(1).optional(),
  /** A regular expression source, tested against the request URL or the webhook URL. */
  path: regexSourceSchema.optional(),
};

/** How likely a fault fires, and how many times (without `count`, until the faults are cleared). */
export const faultFiringShape = {
  probability: z.number().min(0).max(1).default(1),
  count: z.number().int().positive().optional(),
};

/**
 * A sandbox's faults, in the order they were added (the first that matches fires), until cleared. Each
 * sandbox builds its own fault from its own body (`create`) and lists it its own way.
 */
export abstract class FaultRegistryBase<F extends CountedFault & { id: string }, I> {
  protected faults: F[] = [];

  add(input: I): F {
    const fault = this.create(input);
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  protected abstract create(input: I): F;
}

/**
 * A fault that matches requests by pattern (the COS, CA-classic, Mesh and ComplyCube sandboxes): the method
 * and the URL (path and query), or for a webhook fault the delivery URL and the event.
 */
export interface PatternFault<K extends string> extends CountedFault {
  id: string;
  kind: K;
  method: string | undefined;
  path: RegExp | undefined;
  /** The pattern as given (RegExp.source would show `/` escaped). */
  pathSource: string | undefined;
  /** What a webhook fault matches besides the URL: the event's name (Mesh and ComplyCube: its type). */
  event: string | undefined;
  latencyMs: Range;
  status: number;
}

/** What the pattern registry reads of a validated fault body. */
export interface PatternFaultInput<K extends string> {
  kind: K;
  match: { method?: string | undefined; path?: string | undefined };
  latencyMs?: number | Range | undefined;
  probability: number;
  count?: number | undefined;
}

/** What every pattern fault's listing (`GET /_sandbox/…/faults`) shows; each sandbox adds its own fields. */
export interface PatternFaultView<K extends string> {
  id: string;
  kind: K;
  method: string | null;
  path: string | null;
  remaining: number | null;
  applied: number;
}

type PatternFields =
  'kind' | 'method' | 'path' | 'pathSource' | 'latencyMs' | 'probability' | 'remaining' | 'applied';

export abstract class PatternFaultRegistry<
  F extends PatternFault<string>,
  I extends PatternFaultInput<F['kind']>,
> extends FaultRegistryBase<F, I> {
  protected create(input: I): F {
    return {
      id: this.newFaultId(),
      kind: input.kind,
      method: input.match.method?.toUpperCase(),
      path: input.match.path === undefined ? undefined : new RegExp(input.match.path),
      pathSource: input.match.path,
      latencyMs: latencyRange(input.latencyMs),
      probability: input.probability,
      remaining: input.count,
      applied: 0,
      ...this.sandboxFields(input),
    } as F;
  }

  /** The id of a new fault. */
  protected newFaultId(): string {
    return `fault-${randomUUID()}`;
  }

  /** The fields of the sandbox's own fault beyond the pattern: its id aside, the event, status and the like. */
  protected abstract sandboxFields(input: I): Omit<F, PatternFields | 'id'>;

  /** The faults as listed, the sandbox's own fields (`extra`) between the pattern and the counts. */
  protected listWith<V extends object>(extra: (fault: F) => V): Array<PatternFaultView<F['kind']> & V> {
    return this.faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      method: f.method ?? null,
      path: f.pathSource ?? null,
      ...extra(f),
      remaining: f.remaining ?? null,
      applied: f.applied,
    }));
  }

  /**
   * The first fault of `kind` that matches and fires (probability), consuming one of its `count`. `target`
   * is the request URL, or the delivery URL for a webhook fault, which also matches `event`.
   */
  take(kind: F['kind'], method: string, target: string, event?: string): F | undefined {
    return takeFault(
      this.faults,
      kind,
      (fault) =>
        (fault.method === undefined || fault.method === method) &&
        (fault.path === undefined || fault.path.test(target)) &&
        (fault.event === undefined || fault.event === event),
    );
  }
}
