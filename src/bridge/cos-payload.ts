import { z } from 'zod';
import { CORE_EVENT_NAMES } from '../contracts/core-banking';
import { PayloadError } from './payload';

/**
 * The parts of an authenticated COS event the bridge acts on (docs/bridge.md, "COS route"). Of the envelope
 * `{id, eventName, status, partnerId, createdAt, lastAttemptedAt?, resources[], details[]}` only `id`,
 * `eventName`, `resources` and `isPing` are read. `status` is the state of the delivery, not a scan result,
 * and `partnerId` need not match the partner id of the customer records, so neither is used; an event only
 * says that something changed, and the customer's run reads the customer itself.
 */
export interface CoreCustomerNotice {
  kind: 'customers';
  eventId: string;
  /** One of CORE_EVENT_NAMES. */
  eventName: string;
  /** COS customer ids, each once, in the order the event named them. */
  customerIds: string[];
  /** Resources that name no customer in a form we know (counted, never routed). */
  skipped: number;
}

export interface CoreIgnoredEvent {
  kind: 'ignored';
  /** `ping`: a registration's test event; `event-name`: an event this project does not route. */
  reason: 'ping' | 'event-name';
  eventId: string | undefined;
  eventName: string | undefined;
}

export type CoreWebhookEvent = CoreCustomerNotice | CoreIgnoredEvent;

const ROUTED_EVENT_NAMES: ReadonlySet<string> = new Set(CORE_EVENT_NAMES);

/**
 * A customer resource as events name it: `core/v1/cm/customers/<id>`, without the leading slash in every
 * sample; with one, or in the tutorial's `/v1/cm/…` spelling of the same path, it is the same customer.
 * The id is a UUID; anything outside `[A-Za-z0-9-]{1,64}` cannot be one of ours and would only reach a
 * visibility query, so it is skipped.
 */
const CUSTOMER_RESOURCE = /^\/?(?:core\/)?v1\/cm\/customers\/([A-Za-z0-9-]{1,64})$/i;

/** The customer id a resource names, or undefined for any other resource (an account, an address, junk). */
export function customerIdOfResource(resource: unknown): string | undefined {
  if (typeof resource !== 'string') return undefined;
  return CUSTOMER_RESOURCE.exec(resource)?.[1];
}

// Identifiers become dedupe keys and workflow IDs: printable, bounded, no whitespace or control characters.
const identifier = z.string().regex(/^[^\s\p{Cc}]{1,255}$/u);

// Lenient: fields the bridge does not use are not checked, and unknown fields are kept unread.
const envelopeSchema = z.looseObject({
  id: identifier,
  eventName: z.string().min(1).max(255),
});

const customersSchema = z.looseObject({
  // The entries are checked one by one: a resource of a kind we do not know is skipped, not refused.
  resources: z.array(z.unknown()),
});

const EXPECTED: Record<string, string> = {
  id: "required, the event's id: a non-empty identifier without spaces (at most 255 characters)",
  eventName:
    'required, the event name: a non-empty string such as Core.Customer.Ofac.Changed (at most 255 characters)',
  resources: 'required for the routed events, an array of resource paths such as core/v1/cm/customers/<id>',
};

function firstIssue(error: z.ZodError): PayloadError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? String(issue.path[0]) : 'body';
  return new PayloadError(field, EXPECTED[field] ?? 'unexpected value');
}

/**
 * Parses an already authenticated JSON body. Throws `PayloadError` naming the field that is missing or
 * wrong. A ping is acknowledged whatever else it holds, and `resources` is required of the routed events
 * only: refusing an event we ignore would make COS retry it and then suspend the registration.
 */
export function parseCosPayload(json: unknown): CoreWebhookEvent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PayloadError('body', 'expected a JSON object (a COS event)');
  }
  const body = json as Record<string, unknown>;
  if (body['isPing'] === true) {
    return {
      kind: 'ignored',
      reason: 'ping',
      eventId: typeof body['id'] === 'string' ? body['id'] : undefined,
      eventName: typeof body['eventName'] === 'string' ? body['eventName'] : undefined,
    };
  }

  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw firstIssue(envelope.error);
  const { id: eventId, eventName } = envelope.data;
  if (!ROUTED_EVENT_NAMES.has(eventName))
    return { kind: 'ignored', reason: 'event-name', eventId, eventName };

  const customers = customersSchema.safeParse(json);
  if (!customers.success) throw firstIssue(customers.error);
  const customerIds = new Set<string>();
  let skipped = 0;
  for (const resource of customers.data.resources) {
    const id = customerIdOfResource(resource);
    if (id === undefined) skipped += 1;
    // A customer named twice in one event is routed once.
    else customerIds.add(id);
  }
  return { kind: 'customers', eventId, eventName, customerIds: [...customerIds], skipped };
}
