import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Scheduler } from '../mesh/store';
import type { FaultRegistry } from './faults';
import { webhookRetryGapMs, type ComplyCubeSettings } from './settings';
import type { ComplyCubeStats } from './stats';
import type { WebhookRecord } from './store';

/**
 * Delivery as ComplyCube documents it: a JSON POST signed with `ComplyCube-Signature` (hex HMAC-SHA256 of
 * the raw body, keyed with the webhook's secret), a 2xx within 15 s counts. Otherwise up to ten retries
 * with growing gaps; after the last one fails the webhook itself is disabled, and nothing is sent to it
 * (retries of other events included) until it is enabled again. Deliveries run concurrently, unordered,
 * and no API handler waits for one.
 */
export const SIGNATURE_HEADER = 'ComplyCube-Signature';

export interface DeliveryLogEntry {
  eventId: string;
  type: string;
  webhookId: string;
  url: string;
  /** The check or client the event is about. */
  resourceId: string;
  /** 1 for the first attempt; 0 when the event was dropped or cancelled before an attempt. */
  attempt: number;
  status?: number;
  error?: string;
  /**
   * `delivered`; `failed` (a retry follows); `gave-up` (the last retry failed: the webhook is now
   * disabled); `dropped` (by a fault); `cancelled` (the webhook was disabled or deleted before this attempt).
   */
  outcome: 'delivered' | 'failed' | 'gave-up' | 'dropped' | 'cancelled';
  at: string;
}

export interface OutgoingEvent {
  id: string;
  type: string;
  resourceId: string;
  /** The exact bytes that are signed are the bytes that are sent. */
  body: string;
}

interface Delivery extends OutgoingEvent {
  webhookId: string;
  url: string;
  secret: string;
}

const MAX_LOG_ENTRIES = 20_000;

export function signature(body: string, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex');
}

export class WebhookDispatcher {
  private entries: DeliveryLogEntry[] = [];
  private readonly controllers = new Set<AbortController>();
  private generation = 0;

  constructor(
    private readonly deps: {
      settings: () => ComplyCubeSettings;
      webhook: (id: string) => WebhookRecord | undefined;
      scheduler: Scheduler;
      faults: FaultRegistry;
      stats: ComplyCubeStats;
      log: FastifyBaseLogger;
    },
  ) {}

  /** Queues one event for one (enabled, subscribed) webhook. */
  send(webhook: WebhookRecord, event: OutgoingEvent): void {
    const delivery: Delivery = { ...event, webhookId: webhook.id, url: webhook.url, secret: webhook.secret };
    const dropped = this.deps.faults.take('drop-webhook', 'POST', delivery.url, delivery.type);
    if (dropped) {
      this.deps.stats.delivery('dropped');
      this.record(delivery, 0, { outcome: 'dropped', error: `dropped by fault ${dropped.id}` });
      return;
    }
    const generation = this.generation;
    setImmediate(() => void this.attempt(delivery, 1, generation));
  }

  private async attempt(delivery: Delivery, attempt: number, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const webhook = this.deps.webhook(delivery.webhookId);
    if (!webhook?.enabled) {
      this.record(delivery, attempt, {
        outcome: 'cancelled',
        error: webhook ? 'webhook disabled' : 'webhook deleted',
      });
      return;
    }
    const settings = this.deps.settings();
    const controller = new AbortController();
    this.controllers.add(controller);
    this.deps.stats.delivery('attempted');
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ComplyCube-Sandbox/1',
          [SIGNATURE_HEADER]: signature(delivery.body, delivery.secret),
        },
        body: delivery.body,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(settings.webhookAttemptTimeoutMs)]),
        redirect: 'manual',
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = describeFetchError(err);
    } finally {
      this.controllers.delete(controller);
    }
    if (generation !== this.generation) return;
    const detail = { ...(status === undefined ? {} : { status }), ...(error === undefined ? {} : { error }) };
    if (status !== undefined && status >= 200 && status < 300) {
      this.deps.stats.delivery('delivered');
      this.record(delivery, attempt, { outcome: 'delivered', ...detail });
      return;
    }
    this.deps.stats.delivery('failed');
    const gap = webhookRetryGapMs(attempt, settings.webhookRetryScale);
    if (gap === undefined) {
      this.record(delivery, attempt, { outcome: 'gave-up', ...detail });
      this.disable(delivery.webhookId);
      this.deps.log.warn(
        { webhookId: delivery.webhookId, eventType: delivery.type, attempts: attempt, status, error },
        'webhook delivery given up; the webhook is disabled',
      );
      return;
    }
    this.record(delivery, attempt, { outcome: 'failed', ...detail });
    this.deps.scheduler.after(gap, () => void this.attempt(delivery, attempt + 1, generation));
  }

  private disable(webhookId: string): void {
    const webhook = this.deps.webhook(webhookId);
    if (webhook?.enabled) {
      webhook.enabled = false;
      webhook.updatedAt = new Date().toISOString();
    }
  }

  private record(
    delivery: Delivery,
    attempt: number,
    result: Pick<DeliveryLogEntry, 'outcome' | 'status' | 'error'>,
  ): void {
    this.entries.push({
      eventId: delivery.id,
      type: delivery.type,
      webhookId: delivery.webhookId,
      url: delivery.url,
      resourceId: delivery.resourceId,
      attempt,
      ...result,
      at: new Date().toISOString(),
    });
    if (this.entries.length > MAX_LOG_ENTRIES) this.entries.splice(0, this.entries.length - MAX_LOG_ENTRIES);
  }

  log(): readonly DeliveryLogEntry[] {
    return this.entries;
  }

  /** Stops retries and in-flight attempts of everything sent so far, and forgets the log. */
  clear(): void {
    this.generation += 1;
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
    this.entries = [];
  }
}

function describeFetchError(err: unknown): string {
  // Not `instanceof Error`: fetch's DOMException may come from another realm (e.g. under jest).
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: string; message?: string } } | null;
  if (e?.name === 'TimeoutError') return 'timeout';
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message;
  return typeof detail === 'string' ? detail : String(err);
}
