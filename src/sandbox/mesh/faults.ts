import { z } from 'zod';
import { latencyRange, pickLatency, regexSourceSchema, takeFault } from '../common/faults';
import { newId } from './ids';

export { pickLatency };

/**
 * Fault injection per request pattern (`POST /_sandbox/faults`). Request faults match the Mesh
 * request's method and its URL (path and query, so `last_sync_step=ALERTING` can be targeted);
 * drop-webhook faults match the delivery URL and the payload's webhook_type.
 */
export const FAULT_KINDS = [
  'latency',
  'rate-limit',
  'server-error',
  'gateway-forbidden',
  'lost-response',
  'drop-webhook',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const latencySchema = z.union([
  z.number().int().min(0),
  z
    .object({ min: z.number().int().min(0), max: z.number().int().min(0) })
    .refine((r) => r.max >= r.min, { error: 'max must be at least min' }),
]);

export const faultSchema = z
  .object({
    match: z
      .object({
        method: z.string().min(1).optional(),
        path: regexSourceSchema.optional(),
        webhookType: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    kind: z.enum(FAULT_KINDS),
    latencyMs: latencySchema.optional(),
    status: z.number().int().min(500).max(599).optional(),
    /** Seconds announced in Ratelimit-Reset by an injected 429. */
    resetSeconds: z.number().int().min(0).optional(),
    probability: z.number().min(0).max(1).default(1),
    count: z.number().int().positive().optional(),
  })
  .strict()
  .refine((f) => f.kind !== 'latency' || f.latencyMs !== undefined, {
    error: 'latencyMs is required for a latency fault',
    path: ['latencyMs'],
  });

export type FaultInput = z.output<typeof faultSchema>;
/** What `POST /_sandbox/faults` accepts, for typed control clients. */
export type FaultBody = z.input<typeof faultSchema>;

export interface Fault {
  id: string;
  kind: FaultKind;
  method: string | undefined;
  path: RegExp | undefined;
  /** The pattern as given (RegExp.source would show `/` escaped). */
  pathSource: string | undefined;
  webhookType: string | undefined;
  latencyMs: { min: number; max: number };
  status: number;
  resetSeconds: number;
  probability: number;
  remaining: number | undefined;
  applied: number;
}

export class FaultRegistry {
  private faults: Fault[] = [];

  add(input: FaultInput): Fault {
    const fault: Fault = {
      id: newId('fault'),
      kind: input.kind,
      method: input.match.method?.toUpperCase(),
      path: input.match.path === undefined ? undefined : new RegExp(input.match.path),
      pathSource: input.match.path,
      webhookType: input.match.webhookType,
      latencyMs: latencyRange(input.latencyMs),
      status: input.status ?? 500,
      resetSeconds: input.resetSeconds ?? 1,
      probability: input.probability,
      remaining: input.count,
      applied: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  get size(): number {
    return this.faults.length;
  }

  list(): Fault[] {
    return [...this.faults];
  }

  /**
   * The first fault of `kind` that matches and fires (probability), consuming one of its `count`.
   * `target` is the request URL, or the delivery URL for drop-webhook.
   */
  take(kind: FaultKind, method: string, target: string, webhookType?: string): Fault | undefined {
    if (this.faults.length === 0) return undefined;
    return takeFault(
      this.faults,
      kind,
      (fault) =>
        (fault.method === undefined || fault.method === method) &&
        (fault.path === undefined || fault.path.test(target)) &&
        (fault.webhookType === undefined || fault.webhookType === webhookType),
    );
  }
}
