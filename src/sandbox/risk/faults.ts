import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  FaultRegistryBase,
  faultLatencySchema,
  LATENCY_FAULT_NEEDS_LATENCY,
  latencyFaultHasLatency,
  latencyRange,
  takeFault,
} from '../common/faults';
import { nonNegativeInt } from '../common/settings';

/**
 * Fault injection for the risk sandbox (`POST /_sandbox/risk/faults`). A fault may be limited to one
 * customer (`externalId`), to a `count` of requests and to a `probability`. `down` is not a fault but a
 * setting (every request 503 until cleared). The latency and lost-response faults act through
 * src/sandbox/common/request-faults.ts, like the other sandboxes'.
 */
export const RISK_FAULT_KINDS = [
  'latency',
  'lost-response',
  'server-error',
  'rate-limit',
  'accepted',
] as const;
export type RiskFaultKind = (typeof RISK_FAULT_KINDS)[number];

export const riskFaultSchema = z
  .object({
    kind: z.enum(RISK_FAULT_KINDS),
    /** Only checks of this customer (our external identifier). */
    externalId: z.string().min(1).optional(),
    /** How many requests it applies to; unlimited without. */
    count: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).default(1),
    /** `server-error`: the status (default 500). */
    status: z.number().int().min(500).max(599).optional(),
    /** `rate-limit`: seconds announced in Retry-After (default 1; 0 sends no header). */
    retryAfterSeconds: nonNegativeInt.optional(),
    /** `latency`: added before the answer, fixed or a range. */
    latencyMs: faultLatencySchema.optional(),
  })
  .strict()
  .refine(latencyFaultHasLatency, LATENCY_FAULT_NEEDS_LATENCY)
  .refine((f) => f.status === undefined || f.kind === 'server-error', {
    error: 'only a server-error fault takes a status',
    path: ['status'],
  })
  .refine((f) => f.retryAfterSeconds === undefined || f.kind === 'rate-limit', {
    error: 'only a rate-limit fault takes retryAfterSeconds',
    path: ['retryAfterSeconds'],
  });

/** What `POST /_sandbox/risk/faults` accepts, for typed control clients. */
export type RiskFaultBody = z.input<typeof riskFaultSchema>;

export interface RiskFault {
  id: string;
  kind: RiskFaultKind;
  externalId: string | undefined;
  probability: number;
  remaining: number | undefined;
  status: number;
  retryAfterSeconds: number;
  latencyMs: { min: number; max: number };
  applied: number;
}

/** A fault as `GET /_sandbox/risk/faults` lists it. */
export interface RiskFaultView {
  id: string;
  kind: RiskFaultKind;
  externalId: string | null;
  remaining: number | null;
  applied: number;
}

export class RiskFaultRegistry extends FaultRegistryBase<RiskFault, z.output<typeof riskFaultSchema>> {
  protected create(input: z.output<typeof riskFaultSchema>): RiskFault {
    return {
      id: `fault_${randomBytes(6).toString('hex')}`,
      kind: input.kind,
      externalId: input.externalId,
      probability: input.probability,
      remaining: input.count,
      status: input.status ?? 500,
      retryAfterSeconds: input.retryAfterSeconds ?? 1,
      latencyMs: latencyRange(input.latencyMs),
      applied: 0,
    };
  }

  list(): RiskFaultView[] {
    return this.faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      externalId: f.externalId ?? null,
      remaining: f.remaining ?? null,
      applied: f.applied,
    }));
  }

  /** The first fault of `kind` for this customer that fires, consuming one of its `count`. */
  take(kind: RiskFaultKind, externalId: string | undefined): RiskFault | undefined {
    return takeFault(
      this.faults,
      kind,
      (fault) => fault.externalId === undefined || fault.externalId === externalId,
    );
  }
}
