import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CaClassicSearchEvent } from '../contracts/ca-classic';
import { PayloadError } from './payload';

/**
 * The parts of a ComplyAdvantage classic webhook the bridge routes by (docs/bridge.md, "ComplyAdvantage
 * classic route"). The body is `{event, data}`; `data` is typed Array in the API reference but is an object
 * in every sample, so both are taken (each element of an array is an event of its own). Only the search id,
 * `client_ref` and, for `monitored_search_updated`, the counts and `is_suspended` are read: the webhooks are
 * unsigned, so nothing in them is more than a hint that the search may have changed (the inbox reads it).
 */
export interface CaClassicNotice {
  event: string;
  searchId: string;
  clientRef?: string;
  monitoringChanges?: number;
  suspended?: boolean;
}

export const MONITORED_SEARCH_UPDATED = 'monitored_search_updated';

/** One body routes at most this many events: the documented ones carry one. */
export const CA_CLASSIC_MAX_EVENTS_PER_BODY = 100;

// Identifiers become workflow inputs and log fields: printable, bounded, no whitespace or control characters.
const identifier = /^[^\s\p{Cc}]{1,255}$/u;
// An event name is carried as it came (an open set), but printable and bounded.
const eventName = z.string().regex(/^[^\p{Cc}]{1,255}$/u);

const envelopeSchema = z.looseObject({
  event: eventName,
  data: z.union([z.looseObject({}), z.array(z.unknown()).min(1).max(CA_CLASSIC_MAX_EVENTS_PER_BODY)]),
});

const SEARCH_ID_TEXT = /^[0-9]{1,20}$/;

/** `search_id` is typed String or Integer depending on the event, and a number in every sample. */
const searchIdSchema = z.union([z.number(), z.string()]).transform((value, ctx): string => {
  const text =
    typeof value === 'number'
      ? Number.isSafeInteger(value) && value > 0
        ? String(value)
        : undefined
      : SEARCH_ID_TEXT.test(value)
        ? BigInt(value).toString() // `0042` is search 42: one inbox per search
        : undefined;
  if (text === undefined || text === '0') {
    ctx.addIssue({ code: 'custom', message: 'not a search id' });
    return z.NEVER;
  }
  return text;
});

const dataSchema = z.looseObject({
  search_id: searchIdSchema,
  client_ref: z.unknown().optional(),
  new: z.unknown().optional(),
  updated: z.unknown().optional(),
  is_suspended: z.unknown().optional(),
});

const EXPECTED: Record<string, string> = {
  event: 'required, the event name: a non-empty string such as match_status_updated (at most 255 characters)',
  data: `required, the event data: an object with search_id (or an array of at most ${CA_CLASSIC_MAX_EVENTS_PER_BODY} of them)`,
  search_id: 'expected the numeric search id',
};

function envelopeIssue(error: z.ZodError): PayloadError {
  const field = String(error.issues[0]?.path[0] ?? 'body');
  return new PayloadError(field, EXPECTED[field] ?? 'unexpected value');
}

const countOf = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

function notice(event: string, element: unknown, field: string): CaClassicNotice {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) {
    throw new PayloadError(field, 'expected an object with search_id');
  }
  const parsed = dataSchema.safeParse(element);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0]?.path[0] ?? '');
    throw new PayloadError(`${field}.${key}`, EXPECTED[key] ?? 'unexpected value');
  }
  const data = parsed.data;
  const clientRef =
    typeof data.client_ref === 'string' && identifier.test(data.client_ref) ? data.client_ref : undefined;
  return {
    event,
    searchId: data.search_id,
    // Routing help only; one that could not be an external identifier of ours is left out, not refused.
    ...(clientRef !== undefined && { clientRef }),
    ...(event === MONITORED_SEARCH_UPDATED && {
      monitoringChanges: countOf(data.new) + countOf(data.updated),
      ...(typeof data.is_suspended === 'boolean' && { suspended: data.is_suspended }),
    }),
  };
}

/**
 * Parses an accepted JSON body into one notice per element of `data`. Throws `PayloadError` naming the
 * field (`data.search_id`, `data[1].search_id`, …). Any event name is taken: an event the bridge has not
 * heard of still means the search may have changed.
 */
export function parseCaClassicPayload(json: unknown): CaClassicNotice[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PayloadError(
      'body',
      'expected a JSON object {event, data} (a ComplyAdvantage classic webhook)',
    );
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw envelopeIssue(envelope.error);
  const { event, data } = envelope.data;
  if (!Array.isArray(data)) return [notice(event, data, 'data')];
  return data.map((element, i) => notice(event, element, `data[${i}]`));
}

/**
 * The signals of one body: its events carry the SHA-256 of the raw bytes as their id (the webhooks carry
 * none, so a byte-identical replay is a repeat), with `#<index>` when the body holds several.
 */
export function caClassicSearchEvents(
  raw: Buffer,
  notices: readonly CaClassicNotice[],
  receivedAt: Date,
): CaClassicSearchEvent[] {
  const digest = createHash('sha256').update(raw).digest('hex');
  return notices.map((n, i) => ({
    eventId: notices.length > 1 ? `${digest}#${i}` : digest,
    event: n.event,
    searchId: n.searchId,
    ...(n.clientRef !== undefined && { clientRef: n.clientRef }),
    ...(n.monitoringChanges !== undefined && { monitoringChanges: n.monitoringChanges }),
    ...(n.suspended !== undefined && { suspended: n.suspended }),
    receivedAt: receivedAt.toISOString(),
  }));
}
