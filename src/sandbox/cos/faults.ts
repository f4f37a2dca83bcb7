import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  faultLatencySchema,
  latencyRange,
  pickLatency,
  regexSourceSchema,
  takeFault,
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
        method: z.string().min(1).optional(),
        /** A regular expression source, tested against the request URL or the callback URL. */
        path: regexSourceSchema.optional(),
        eventName: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    latencyMs: faultLatencySchema.optional(),
    status: z.number().int().min(0).max(599).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    probability: z.number().min(0).max(1).default(1),
    count: z.number().int().positive().optional(),
  })
  .strict()
  .refine((f) => f.kind !== 'latency' || f.latencyMs !== undefined, {
    error: 'latencyMs is required for a latency fault',
    path: ['latencyMs'],
  })
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

export interface CosFault {
  id: string;
  kind: CosFaultKind;
  method: string | undefined;
  path: RegExp | undefined;
  pathSource: string | undefined;
  eventName: string | undefined;
  latencyMs: { min: number; max: number };
  status: number;
  /** As given; a rate-limit fault announces 1 s when none was. */
  retryAfterSeconds: number | undefined;
  probability: number;
  remaining: number | undefined;
  applied: number;
}

/** A fault as `GET /_sandbox/cos/faults` lists it. */
export interface CosFaultView {
  id: string;
  kind: CosFaultKind;
  method: string | null;
  path: string | null;
  eventName: string | null;
  status: number | null;
  remaining: number | null;
  applied: number;
}

export class CosFaultRegistry {
  private faults: CosFault[] = [];

  add(input: CosFaultInput): CosFault {
    const fault: CosFault = {
      id: `fault-${randomUUID()}`,
      kind: input.kind,
      method: input.match.method?.toUpperCase(),
      path: input.match.path === undefined ? undefined : new RegExp(input.match.path),
      pathSource: input.match.path,
      eventName: input.match.eventName,
      latencyMs: latencyRange(input.latencyMs),
      status: input.status ?? DEFAULT_STATUS[input.kind],
      retryAfterSeconds: input.retryAfterSeconds,
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

  list(): CosFaultView[] {
    return this.faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      method: f.method ?? null,
      path: f.pathSource ?? null,
      eventName: f.eventName ?? null,
      status: f.status === 0 && f.kind !== 'fail-webhook' ? null : f.status,
      remaining: f.remaining ?? null,
      applied: f.applied,
    }));
  }

  /** The first fault of `kind` that matches and fires, consuming one of its `count`. */
  take(kind: CosFaultKind, method: string, target: string, eventName?: string): CosFault | undefined {
    return takeFault(
      this.faults,
      kind,
      (fault) =>
        (fault.method === undefined || fault.method === method) &&
        (fault.path === undefined || fault.path.test(target)) &&
        (fault.eventName === undefined || fault.eventName === eventName),
    );
  }
}
