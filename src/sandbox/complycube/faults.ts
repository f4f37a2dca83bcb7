import { z } from 'zod';
import {
  faultSchema as meshFaultSchema,
  type FaultBody as MeshFaultBody,
  type FaultInput,
} from '../mesh/faults';
import { parseBody } from './errors';

export { FaultRegistry, pickLatency } from '../mesh/faults';

/**
 * The Mesh sandbox's faults (same body, same registry), less those that make no sense here:
 * `gateway-forbidden` stands for a gateway in front of Mesh, and `resetSeconds` fills rate-limit
 * headers ComplyCube never sends. `match.webhookType` matches the event type (`check.completed`).
 */
export const COMPLYCUBE_FAULT_KINDS = [
  'latency',
  'rate-limit',
  'server-error',
  'lost-response',
  'drop-webhook',
] as const;
export type ComplyCubeFaultKind = (typeof COMPLYCUBE_FAULT_KINDS)[number];

const kindSchema = z.looseObject({ kind: z.enum(COMPLYCUBE_FAULT_KINDS) });
const complyCubeFaultSchema = meshFaultSchema.refine((f) => f.resetSeconds === undefined, {
  error: 'has no meaning here: ComplyCube sends no rate-limit headers',
  path: ['resetSeconds'],
});

/** Validates a `POST /_sandbox/complycube/faults` body: the kind first, so a refused one is named with this list. */
export function parseFault(body: unknown): FaultInput {
  parseBody(kindSchema, body);
  return parseBody(complyCubeFaultSchema, body);
}

/** What `POST /_sandbox/complycube/faults` accepts, for typed control clients. */
export type ComplyCubeFaultBody = Omit<MeshFaultBody, 'kind' | 'resetSeconds'> & {
  kind: ComplyCubeFaultKind;
};
