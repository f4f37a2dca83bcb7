import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CosContext } from './context';
import { badRequest, errorBody } from './errors';
import type { IdempotencyEntry } from './store';

/**
 * COS's idempotency as documented (docs/providers/cos-sandbox.md, "Idempotency"): header
 * `idempotency-Key`, at most 50 characters. A request is a duplicate only when its key, method, path and
 * body **bytes** all match an earlier one kept less than 7 days: the first answer is replayed (same
 * status and body) with `original-request-id` naming the first request. The same key with another body,
 * even the same JSON in another key order, is a new request. While the first is still being handled, a
 * duplicate answers 409. Answers that ask for a retry (401, 408, 409, 429, 5xx) are not kept, so the retry
 * with the same key and body is handled afresh.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const ORIGINAL_REQUEST_ID_HEADER = 'original-request-id';
export const MAX_KEY_LENGTH = 50;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NOT_KEPT = new Set([401, 403, 408, 409, 429]);

export class Idempotency {
  /** The raw bytes of each request body (set by the content-type parsers). */
  readonly rawBodies = new WeakMap<FastifyRequest, Buffer>();
  readonly replayed = new WeakSet<FastifyRequest>();
  private readonly pending = new WeakMap<FastifyRequest, { scope: string; entry: IdempotencyEntry }>();

  constructor(private readonly ctx: CosContext) {}

  static keyOf(request: FastifyRequest): string | undefined {
    const value = request.headers[IDEMPOTENCY_HEADER];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Answers a duplicate (replay or 409) and returns true; otherwise marks the request in flight. */
  before(request: FastifyRequest, reply: FastifyReply, requestId: string): boolean {
    const key = Idempotency.keyOf(request);
    if (key === undefined) return false;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw badRequest('idempotency-Key', `must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
    if (!WRITE_METHODS.has(request.method)) return false;

    const scope = `${key}\n${request.method}\n${request.url}`;
    const bodyHash = createHash('sha256')
      .update(this.rawBodies.get(request) ?? Buffer.alloc(0))
      .digest('hex');
    const now = Date.now();
    const entries = (this.ctx.store.idempotency.get(scope) ?? []).filter(
      (e) => e.state === 'in-flight' || e.expiresAt > now,
    );
    this.ctx.store.idempotency.set(scope, entries);
    const earlier = entries.find((e) => e.bodyHash === bodyHash);
    if (earlier?.state === 'done') {
      this.replayed.add(request);
      this.ctx.stats.replays += 1;
      void reply
        .code(earlier.status)
        .header('content-type', earlier.contentType)
        .header(ORIGINAL_REQUEST_ID_HEADER, earlier.requestId)
        .send(earlier.payload);
      return true;
    }
    if (earlier?.state === 'in-flight') {
      void reply
        .code(409)
        .send(errorBody(409, 'A request with this idempotency-Key and body is still being processed'));
      return true;
    }
    const entry: IdempotencyEntry = {
      bodyHash,
      state: 'in-flight',
      status: 0,
      payload: '',
      contentType: 'application/json; charset=utf-8',
      requestId,
      expiresAt: Number.POSITIVE_INFINITY,
    };
    entries.push(entry);
    this.pending.set(request, { scope, entry });
    return false;
  }

  /** The first answer: kept for replay, or forgotten when it asks for a retry. */
  after(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const pending = this.pending.get(request);
    if (!pending) return;
    this.pending.delete(request);
    const { scope, entry } = pending;
    const status = reply.statusCode;
    const text =
      typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload)
          ? payload.toString('utf8')
          : payload === undefined || payload === null
            ? ''
            : undefined;
    if (text === undefined || status >= 500 || NOT_KEPT.has(status)) {
      const entries = this.ctx.store.idempotency.get(scope);
      if (entries)
        this.ctx.store.idempotency.set(
          scope,
          entries.filter((e) => e !== entry),
        );
      return;
    }
    entry.state = 'done';
    entry.status = status;
    entry.payload = text;
    const contentType = reply.getHeader('content-type');
    if (typeof contentType === 'string') entry.contentType = contentType;
    entry.expiresAt = Date.now() + this.ctx.settings.idempotencyRetentionMs;
  }
}
