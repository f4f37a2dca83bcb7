import { setTimeout as delay } from 'node:timers/promises';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { COS_WEBHOOK_ROUTE } from '../contracts/core-banking';
import type { CosWebhookCredentials } from './config';
import { parseCosPayload, type CoreWebhookEvent } from './cos-payload';
import type { DeliveryDedupe } from './delivery-dedupe';
import { refuse } from './http-errors';
import { recordCosDelivery, type CosCustomerOutcome, type CosDeliveryTally } from './metrics';
import { PayloadError } from './payload';
import type { createRejectionLog } from './rejection-log';
import { TemporalUnavailableError, type Signaller } from './signaller';
import type { SignatureFailure } from './signature';

/** Larger than the bridge's 1 MiB: a documented COS event may name 50,000 customers. */
export const COS_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export { COS_WEBHOOK_ROUTE };

/** What a 401 asks for: the credentials of the registration (`authUsername` / `authPassword`). */
export const COS_AUTH_CHALLENGE = 'Basic realm="kyc-bridge"';

/**
 * Customers of one event routed at once. An event gathers about 30 s of changes and may name thousands of
 * customers (a nightly rescan); each costs a visibility query and a signal, so they overlap, but a bounded
 * number, so one event cannot crowd out every other delivery's calls to Temporal.
 */
export const COS_ROUTING_CONCURRENCY = 16;
/** Time for visibility to index a core run's first KycCoreCustomerId upsert. */
export const COS_VISIBILITY_RETRY_MS = 1_000;

/** At most this many not-ours customer ids go into a delivery's log line (the count is always there). */
const NOT_OURS_LOGGED = 20;

/** The key a COS event is remembered by in the bridge's dedupe, beside the other routes' keys. */
function cosDeliveryKey(eventId: string): string {
  return `cos:${eventId}`;
}

/** The answer to a routed event: how many of its customers went where. */
export interface CosRouteSummary {
  status: 'routed';
  /** Signalled to their running `coreCustomerOnboarding` run. */
  routed: number;
  /** A `coreCustomerReview` started (or already there) for a customer whose run ended CORE_READY. */
  reviewsStarted: number;
  /** No run of ours to tell (see `Signaller.routeCoreEvent`). */
  notOurs: number;
  /** Resources that are not a customer path. */
  skipped: number;
}

export interface CosRouteDeps {
  credentials: CosWebhookCredentials;
  signaller: Signaller;
  /**
   * The bridge's one dedupe, shared with the other routes: keys are prefixed (`cos:`), so this route only
   * ever reads back summaries it stored.
   */
  dedupe: DeliveryDedupe<CosRouteSummary>;
  /** Its own rejection log: a flood of bad credentials on this route does not hide the others'. */
  logRejection: ReturnType<typeof createRejectionLog>;
  /** Where the rejection log writes: the bridge's logger, marked with the provider. */
  rejectionLogger: FastifyBaseLogger;
  /** Customers routed at once (default COS_ROUTING_CONCURRENCY). */
  concurrency?: number;
  /** How long a batch waits before looking its misses up once more (tests pass 0). */
  visibilityRetryMs?: number;
}

type AuthCheck = { ok: true } | { ok: false; reason: SignatureFailure };

const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();
const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const COLON = 0x3a;

/**
 * HTTP Basic against the configured pair. COS signs nothing, so these credentials are all that stands
 * between the internet and the runs' signals. The user name and the password are compared as SHA-256
 * digests, which have a fixed length, with `timingSafeEqual`, both of them every time: the time taken
 * tells neither their lengths nor which one was wrong. Refusals reuse the signature reasons of the
 * rejection log (`missing-signature`: no header, `malformed-headers`: not Basic, `no-matching-signature`:
 * wrong credentials).
 */
export function createBasicAuthCheck(
  credentials: CosWebhookCredentials,
): (header: string | string[] | undefined) => AuthCheck {
  const username = sha256(Buffer.from(credentials.username.reveal(), 'utf8'));
  const password = sha256(Buffer.from(credentials.password.reveal(), 'utf8'));

  return (header) => {
    if (header === undefined || header === '') return { ok: false, reason: 'missing-signature' };
    const encoded = typeof header === 'string' ? BASIC.exec(header)?.[1] : undefined;
    if (encoded === undefined) return { ok: false, reason: 'malformed-headers' };
    const decoded = Buffer.from(encoded, 'base64');
    // RFC 7617: the user-id ends at the first colon; the password may contain more.
    const colon = decoded.indexOf(COLON);
    if (colon < 0) return { ok: false, reason: 'malformed-headers' };
    const userOk = timingSafeEqual(sha256(decoded.subarray(0, colon)), username);
    const passwordOk = timingSafeEqual(sha256(decoded.subarray(colon + 1)), password);
    return userOk && passwordOk ? { ok: true } : { ok: false, reason: 'no-matching-signature' };
  };
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. After the first failure no new item is
 * started; the ones in flight finish, and the first failure is thrown.
 */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure !== undefined) throw failure.error;
}

/**
 * `POST /webhooks/cos`: check the Basic credentials, parse, hand each customer an OFAC or PEP change names
 * to the run that owns it (docs/bridge.md, "COS route"). 401 before anything is parsed, 400 naming the
 * field, 503 while Temporal is unreachable for any customer (COS retries the whole event; the runs dedupe
 * by event id), 200 with a summary once every customer was routed, or when the event is a ping or one we
 * do not route. The body limit (413) and the raw-body content type parser are the app's.
 */
export function registerCosRoute(app: FastifyInstance, deps: CosRouteDeps): void {
  const { signaller, dedupe, logRejection, rejectionLogger } = deps;
  const concurrency = deps.concurrency ?? COS_ROUTING_CONCURRENCY;
  const visibilityRetryMs = deps.visibilityRetryMs ?? COS_VISIBILITY_RETRY_MS;
  const checkAuth = createBasicAuthCheck(deps.credentials);

  // COS batches up to 50,000 customers into one Basic-format event (~60 bytes each): 4 MiB fits them.
  app.post(COS_WEBHOOK_ROUTE, { bodyLimit: COS_BODY_LIMIT_BYTES }, async (request, reply) => {
    const receivedAt = new Date();
    const tally: Required<CosDeliveryTally> = { outcome: 'routed', customers: {} };
    const count = (outcome: CosCustomerOutcome, n = 1) => {
      tally.customers[outcome] = (tally.customers[outcome] ?? 0) + n;
    };
    recordCosDelivery(request, tally);

    const auth = checkAuth(request.headers.authorization);
    if (!auth.ok) {
      tally.outcome = 'unauthorized';
      logRejection(rejectionLogger, auth.reason);
      void reply.header('www-authenticate', COS_AUTH_CHALLENGE);
      return refuse(reply, 401, 'missing or invalid credentials');
    }

    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let event: CoreWebhookEvent;
    try {
      event = parseCosPayload(JSON.parse(raw.toString('utf8')) as unknown);
    } catch (err) {
      if (err instanceof PayloadError) {
        tally.outcome = 'invalid';
        request.log.warn({ provider: 'cos', field: err.field }, 'webhook payload refused');
        return refuse(reply, 400, err.message);
      }
      if (err instanceof SyntaxError) {
        tally.outcome = 'invalid';
        return refuse(reply, 400, 'body is not valid JSON');
      }
      throw err;
    }

    if (event.kind === 'ignored') {
      tally.outcome = event.reason === 'ping' ? 'ping' : 'ignored';
      request.log.info(
        {
          provider: 'cos',
          eventId: event.eventId,
          eventName: event.eventName,
          outcome: 'ignored',
          ignoredBecause: event.reason,
        },
        'webhook handled',
      );
      return reply.code(200).send({ status: 'ignored', reason: event.reason });
    }

    const notOursIds: string[] = [];
    let delivered: { result: CosRouteSummary; duplicate: boolean };
    try {
      delivered = await dedupe.run(cosDeliveryKey(event.eventId), async () => {
        const summary: CosRouteSummary = {
          status: 'routed',
          routed: 0,
          reviewsStarted: 0,
          notOurs: 0,
          skipped: event.skipped,
        };
        count('skipped', event.skipped);
        const route = (coreCustomerId: string) =>
          signaller.routeCoreEvent({
            eventId: event.eventId,
            eventName: event.eventName,
            coreCustomerId,
            receivedAt: receivedAt.toISOString(),
          });
        const record = (coreCustomerId: string, answer: Awaited<ReturnType<typeof route>>) => {
          count(answer);
          if (answer === 'signalled') summary.routed += 1;
          else if (answer === 'review-started') summary.reviewsStarted += 1;
          else {
            summary.notOurs += 1;
            if (notOursIds.length < NOT_OURS_LOGGED) notOursIds.push(coreCustomerId);
          }
        };
        const missed: string[] = [];
        await forEachBounded(event.customerIds, concurrency, async (coreCustomerId) => {
          const answer = await route(coreCustomerId);
          if (answer === 'not-ours') missed.push(coreCustomerId);
          else record(coreCustomerId, answer);
        });
        // Visibility is eventually consistent: a customer created a moment ago (COS scans right after
        // creation) may not be findable yet. One wait per batch, then its misses are looked up once more.
        if (missed.length > 0) await delay(visibilityRetryMs);
        await forEachBounded(missed, concurrency, async (coreCustomerId) => {
          record(coreCustomerId, await route(coreCustomerId));
        });
        return summary;
      });
    } catch (err) {
      if (err instanceof TemporalUnavailableError) {
        tally.outcome = 'unavailable';
        request.log.warn(
          { provider: 'cos', eventId: event.eventId, eventName: event.eventName, err: err.message },
          'Temporal unavailable, asking the sender to retry',
        );
        return refuse(reply, 503, 'temporarily unavailable, retry later');
      }
      throw err;
    }

    const { result, duplicate } = delivered;
    if (duplicate) tally.outcome = 'duplicate';
    request.log.info(
      {
        provider: 'cos',
        eventId: event.eventId,
        eventName: event.eventName,
        customers: event.customerIds.length,
        // Flat fields: a nested object costs the logger a generic serialisation on every webhook.
        outcome: result.status,
        routed: result.routed,
        reviewsStarted: result.reviewsStarted,
        notOurs: result.notOurs,
        skipped: result.skipped,
        // Ids only, never anything of the customer; the runs' own polls are the safety net for these.
        ...(notOursIds.length > 0 && { notOursCustomerIds: notOursIds }),
        duplicate,
      },
      'webhook handled',
    );
    return reply.code(200).send({ ...result, ...(duplicate && { duplicate: true }) });
  });
}
