import { z } from 'zod';
import { PayloadError } from './payload';

/**
 * The parts of a verified ComplyCube webhook the bridge acts on (docs/bridge.md, "ComplyCube route"):
 * the envelope `{id, type, resourceType, payload: {id, status, outcome, …}, createdAt}` gives the event
 * id, the event type and the id of the resource it is about. The payload is only a hint that a check
 * changed: its status and outcome are not read (the workflow reads the check), and everything else is
 * dropped unread.
 */
export interface ComplyCubeCheckNotice {
  kind: 'check-event';
  eventId: string;
  /** `check.completed.attention`, `check.complete`, `check.monitoring.attention`, … (an open set). */
  eventType: string;
  checkId: string;
}

export interface ComplyCubeIgnoredEvent {
  kind: 'ignored';
  reason: 'event-type';
  eventId: string;
  eventType: string;
}

export type ComplyCubeWebhookEvent = ComplyCubeCheckNotice | ComplyCubeIgnoredEvent;

/**
 * Every event about a check, in both spellings ComplyCube has used (`check.completed.*` and
 * `check.complete.*`), and any future `check.*` type: each one is a reason to read the check again.
 */
const CHECK_EVENT_PREFIX = 'check.';

// Identifiers become workflow IDs and dedupe keys: printable, bounded, no whitespace or control characters.
const identifier = z.string().regex(/^[^\s\p{Cc}]{1,255}$/u);

const envelopeSchema = z.looseObject({
  id: identifier,
  type: z.string().min(1).max(255),
});

const checkSchema = z.looseObject({
  payload: z.looseObject({ id: identifier }),
});

const EXPECTED: Record<string, string> = {
  id: "required, the event's id: a non-empty identifier without spaces (at most 255 characters)",
  type: 'required, the event type: a non-empty string such as check.completed (at most 255 characters)',
  payload: 'required for check.* events, an object whose id is the check id',
  'payload.id':
    'required for check.* events, the check id: a non-empty identifier without spaces (at most 255 characters)',
};

function firstIssue(error: z.ZodError): PayloadError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  return new PayloadError(field, EXPECTED[field] ?? 'unexpected value');
}

/**
 * Parses an already verified JSON body. Throws `PayloadError` naming the field that is missing or
 * wrong. `payload.id` is required of check events only: an event the bridge ignores is acknowledged
 * whatever its payload, since refusing it would make ComplyCube retry it and, after ten failures,
 * disable the webhook for every check.
 */
export function parseComplyCubePayload(json: unknown): ComplyCubeWebhookEvent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PayloadError('body', 'expected a JSON object (a ComplyCube event)');
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw firstIssue(envelope.error);
  const { id: eventId, type: eventType } = envelope.data;
  if (!eventType.startsWith(CHECK_EVENT_PREFIX)) {
    return { kind: 'ignored', reason: 'event-type', eventId, eventType };
  }

  const check = checkSchema.safeParse(json);
  if (!check.success) throw firstIssue(check.error);
  return { kind: 'check-event', eventId, eventType, checkId: check.data.payload.id };
}
