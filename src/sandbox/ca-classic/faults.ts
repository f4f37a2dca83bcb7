import { z } from 'zod';
import {
  faultFiringShape,
  faultLatencySchema,
  LATENCY_FAULT_NEEDS_LATENCY,
  latencyFaultHasLatency,
  PatternFaultRegistry,
  requestMatchShape,
  type PatternFault,
  type PatternFaultView,
} from '../common/faults';
import { parseBody } from './errors';

/**
 * Fault injection (`POST /_sandbox/ca-classic/faults`), the knobs of the other sandboxes. Request faults
 * match the method and the URL (path and query, a regular expression); `drop-webhook` matches the webhook
 * URL and the event name. A fault without `count` stays until `DELETE /_sandbox/ca-classic/faults`.
 */
export const CA_CLASSIC_FAULT_KINDS = [
  /** Added delay before the request is handled. */
  'latency',
  /** The request is handled in full (the search exists, events are sent), then the connection drops instead of the answer. */
  'lost-response',
  /** `status` (500 by default; 500–599) with the failure envelope, the request not handled. */
  'server-error',
  /** 429 with `Retry-After: retryAfterSeconds` (1 by default), the request not handled. */
  'rate-limit',
  /** Every API request answers `status` (503) until the faults are cleared. */
  'down',
  /** The event is never sent to the matching URL (there are no retries to recover it). */
  'drop-webhook',
] as const;
export type CaClassicFaultKind = (typeof CA_CLASSIC_FAULT_KINDS)[number];

const faultSchema = z
  .object({
    kind: z.enum(CA_CLASSIC_FAULT_KINDS),
    match: z
      .object({
        ...requestMatchShape,
        /** `drop-webhook` only: `match_status_updated`, `search_status_updated` or `monitored_search_updated`. */
        event: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    latencyMs: faultLatencySchema.optional(),
    status: z.number().int().min(500).max(599).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    ...faultFiringShape,
  })
  .strict()
  .refine(latencyFaultHasLatency, LATENCY_FAULT_NEEDS_LATENCY)
  .refine((f) => f.status === undefined || f.kind === 'server-error' || f.kind === 'down', {
    error: 'only a server-error or down fault takes a status',
    path: ['status'],
  })
  .refine((f) => f.retryAfterSeconds === undefined || f.kind === 'rate-limit' || f.kind === 'down', {
    error: 'only a rate-limit or down fault takes retryAfterSeconds',
    path: ['retryAfterSeconds'],
  })
  .refine((f) => f.match.event === undefined || f.kind === 'drop-webhook', {
    error: 'only a drop-webhook fault matches an event',
    path: ['match', 'event'],
  });

export type CaClassicFaultInput = z.output<typeof faultSchema>;
/** What `POST /_sandbox/ca-classic/faults` accepts, for typed control clients. */
export type CaClassicFaultBody = z.input<typeof faultSchema>;

export function parseFault(body: unknown): CaClassicFaultInput {
  return parseBody(faultSchema, body);
}

export interface CaClassicFault extends PatternFault<CaClassicFaultKind> {
  retryAfterSeconds: number | undefined;
}

/** A fault as `GET /_sandbox/ca-classic/faults` lists it. */
export interface CaClassicFaultView extends PatternFaultView<CaClassicFaultKind> {
  event: string | null;
  status: number | null;
}

const DEFAULT_STATUS: Partial<Record<CaClassicFaultKind, number>> = {
  'server-error': 500,
  'rate-limit': 429,
  down: 503,
};

export class CaClassicFaultRegistry extends PatternFaultRegistry<CaClassicFault, CaClassicFaultInput> {
  protected sandboxFields(
    input: CaClassicFaultInput,
  ): Pick<CaClassicFault, 'event' | 'status' | 'retryAfterSeconds'> {
    return {
      event: input.match.event,
      status: input.status ?? DEFAULT_STATUS[input.kind] ?? 0,
      retryAfterSeconds: input.retryAfterSeconds,
    };
  }

  list(): CaClassicFaultView[] {
    return this.listWith((f) => ({ event: f.event ?? null, status: f.status === 0 ? null : f.status }));
  }
}
