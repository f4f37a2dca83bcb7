import { z } from 'zod';
import {
  faultFiringShape,
  LATENCY_FAULT_NEEDS_LATENCY,
  latencyFaultHasLatency,
  PatternFaultRegistry,
  pickLatency,
  requestMatchShape,
  type PatternFault,
  type PatternFaultView,
} from '../common/faults';
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
        ...requestMatchShape,
        webhookType: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    kind: z.enum(FAULT_KINDS),
    latencyMs: latencySchema.optional(),
    status: z.number().int().min(500).max(599).optional(),
    /** Seconds announced in Ratelimit-Reset by an injected 429. */
    resetSeconds: z.number().int().min(0).optional(),
    ...faultFiringShape,
  })
  .strict()
  .refine(latencyFaultHasLatency, LATENCY_FAULT_NEEDS_LATENCY);

export type FaultInput = z.output<typeof faultSchema>;
/** What `POST /_sandbox/faults` accepts, for typed control clients. */
export type FaultBody = z.input<typeof faultSchema>;

/** A Mesh fault; its `event` is the `match.webhookType` a drop-webhook fault matches (the payload's webhook_type). */
export interface Fault extends PatternFault<FaultKind> {
  resetSeconds: number;
}

/** A fault as `GET /_sandbox/faults` (and the ComplyCube sandbox's) lists it. */
export interface FaultView extends PatternFaultView<FaultKind> {
  webhookType: string | null;
}

export class FaultRegistry extends PatternFaultRegistry<Fault, FaultInput> {
  protected override newFaultId(): string {
    return newId('fault');
  }

  protected sandboxFields(input: FaultInput): Pick<Fault, 'event' | 'status' | 'resetSeconds'> {
    return {
      event: input.match.webhookType,
      status: input.status ?? 500,
      resetSeconds: input.resetSeconds ?? 1,
    };
  }

  list(): FaultView[] {
    return this.listWith((f) => ({ webhookType: f.event ?? null }));
  }
}
