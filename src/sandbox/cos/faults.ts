import { z } from 'zod';
import {
  faultFiringShape,
  faultLatencySchema,
  LATENCY_FAULT_NEEDS_LATENCY,
  latencyFaultHasLatency,
  PatternFaultRegistry,
  pickLatency,
  requestMatchShape,
  type PatternFault,
  type PatternFaultView,
} from '../common/faults';
import { parseBody } from './errors';

export { pickLatency };

/**
 * Fault injection (`POST /_sandbox/cos/faults`), the knobs of the other sandboxes plus what COS adds: a
 * whole outage (`down`), a refusing identity server (`token-refused`) and a receiver that fails
 * (`fail-webhook`). Request faults match the method and the URL (path and query); webhook faults match the
 * callback URL and the event name. A fault without `count` stays until `DELETE /_sandbox/cos/faults`.
 */
export const COS_FAULT_KINDS = [
  /** Added delay before the request is handled. */
  'latency',
  /** The request is handled in full (a customer is created), then the connection drops instead of the answer. */
  'lost-response',
  /** `status` (500 by default; 500–599), the request not handled. */
  'server-error',
  /** 429 with `Retry-After: retryAfterSeconds`, the request not handled. */
  'rate-limit',
  /** Every API request (not the token route: the identity server is another host) answers 503. */
  'down',
  /** `POST /connect/token` answers `status` (401 `invalid_client` by default). */
  'token-refused',
  /** A delivery attempt counts as failed (`status`, or a network error when 0) without reaching the receiver. */
  'fail-webhook',
  /** The event is never delivered, nor retried. */
  'drop-webhook',
] as const;
export type CosFaultKind = (typeof COS_FAULT_KINDS)[number];

const faultSchema = z
  .object({
    kind: z.enum(COS_FAULT_KINDS),
    match: z
      .object({
        ...requestMatchShape,
        eventName: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    latencyMs: faultLatencySchema.optional(),
    status: z.number().int().min(0).max(599).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    ...faultFiringShape,
  })
  .strict()
  .refine(latencyFaultHasLatency, LATENCY_FAULT_NEEDS_LATENCY)
  .refine(
    (f) =>
      f.status === undefined ||
      (f.kind === 'server-error' && f.status >= 500) ||
      (f.kind === 'down' && f.status >= 500) ||
      (f.kind === 'token-refused' && f.status >= 400) ||
      f.kind === 'fail-webhook',
    { error: 'has no meaning for this kind, or is out of its range', path: ['status'] },
  );

export type CosFaultInput = z.output<typeof faultSchema>;
/** What `POST /_sandbox/cos/faults` accepts, for typed control clients. */
export type CosFaultBody = z.input<typeof faultSchema>;

export function parseFault(body: unknown): CosFaultInput {
  return parseBody(faultSchema, body);
}

const DEFAULT_STATUS: Record<CosFaultKind, number> = {
  latency: 0,
  'lost-response': 0,
  'server-error': 500,
  'rate-limit': 429,
  down: 503,
  'token-refused': 401,
  'fail-webhook': 500,
  'drop-webhook': 0,
};

/** A COS fault; its `event` is the `match.eventName` a webhook fault matches. */
export interface CosFault extends PatternFault<CosFaultKind> {
  /** As given; a rate-limit fault announces 1 s when none was. */
  retryAfterSeconds: number | undefined;
}

/** A fault as `GET /_sandbox/cos/faults` lists it. */
export interface CosFaultView extends PatternFaultView<CosFaultKind> {
  eventName: string | null;
  status: number | null;
}

export class CosFaultRegistry extends PatternFaultRegistry<CosFault, CosFaultInput> {
  protected sandboxFields(input: CosFaultInput): Pick<CosFault, 'event' | 'status' | 'retryAfterSeconds'> {
    return {
      event: input.match.eventName,
      status: input.status ?? DEFAULT_STATUS[input.kind],
      retryAfterSeconds: input.retryAfterSeconds,
    };
  }

  list(): CosFaultView[] {
    return this.listWith((f) => ({
      eventName: f.event ?? null,
      status: f.status === 0 && f.kind !== 'fail-webhook' ? null : f.status,
    }));
  }
}
