import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import type { FaultRegistry } from './faults';
import type { SandboxSettings } from './settings';
import type { Scheduler } from './store';

/**
 * Delivery like the real one (docs/providers/mesh.md, "Webhooks"): at least once, each attempt signed the
 * Standard Webhooks way, a failure (non-2xx, timeout, connection error) retried after 1 s, 5 s and
 * 10 s with the same webhook-id, then given up. Nothing here is awaited by an API handler.
 */
export interface DeliveryLogEntry {
  webhookId: string;
  /** The payload's webhook_type. */
  type: string;
  /** The registration's type (CASE_STATE_UPDATED registrations receive webhook_type CASE_STAGE_UPDATED). */
  subscriptionType: string;
  apiVersion: string;
  url: string;
  caseIdentifier?: string;
  attempt: number;
  status?: number;
  error?: string;
  outcome: 'delivered' | 'failed' | 'gave-up' | 'dropped';
  at: string;
}

export interface OutgoingWebhook {
  url: string;
  subscriptionType: string;
  payload: { api_version: string; webhook_type: string; case_identifier?: string } & Record<string, unknown>;
}

interface Delivery {
  webhookId: string;
  url: string;
  subscriptionType: string;
  webhookType: string;
  apiVersion: string;
  caseIdentifier: string | undefined;
  body: string;
}

const MAX_LOG_ENTRIES = 20_000;

export class WebhookDispatcher {
  private entries: DeliveryLogEntry[] = [];
  private readonly controllers = new Set<AbortController>();
  private generation = 0;
  private readonly signer: Webhook;

  constructor(
    private readonly deps: {
      settings: () => SandboxSettings;
      secret: string;
      scheduler: Scheduler;
      faults: FaultRegistry;
      log: FastifyBaseLogger;
    },
  ) {
    this.signer = new Webhook(deps.secret);
  }

  /** Queues one event for one registration; returns its webhook-id. */
  send(webhook: OutgoingWebhook): string {
    const delivery: Delivery = {
      webhookId: randomUUID(),
      url: webhook.url,
      subscriptionType: webhook.subscriptionType,
      webhookType: webhook.payload.webhook_type,
      apiVersion: webhook.payload.api_version,
      caseIdentifier: webhook.payload.case_identifier,
      // The exact bytes that are signed are the bytes that are sent.
      body: JSON.stringify(webhook.payload),
    };
    const dropped = this.deps.faults.take('drop-webhook', 'POST', delivery.url, delivery.webhookType);
    if (dropped) {
      this.record(delivery, 0, { outcome: 'dropped', error: `dropped by fault ${dropped.id}` });
      return delivery.webhookId;
    }
    const generation = this.generation;
    setImmediate(() => void this.attempt(delivery, 1, generation));
    return delivery.webhookId;
  }

  headersFor(webhookId: string, body: string, at: Date): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'ComplyAdvantage-Mesh-Sandbox/1',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.signer.sign(webhookId, at, body),
    };
    const legacy = this.deps.settings().legacySignatureSecret;
    if (legacy !== null)
      headers['x-complyadvantage-signature'] = createHmac('sha256', legacy).update(body).digest('hex');
    return headers;
  }

  private async attempt(delivery: Delivery, attempt: number, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const settings = this.deps.settings();
    const controller = new AbortController();
    this.controllers.add(controller);
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        // A fresh timestamp per attempt, as the signature's replay window expects; the id stays.
        headers: this.headersFor(delivery.webhookId, delivery.body, new Date()),
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
    if (status !== undefined && status >= 200 && status < 300) {
      this.record(delivery, attempt, { outcome: 'delivered', status });
      return;
    }
    const retryDelay = settings.webhookRetryDelaysMs[attempt - 1];
    if (retryDelay === undefined) {
      this.record(delivery, attempt, {
        outcome: 'gave-up',
        ...(status === undefined ? {} : { status }),
        ...(error === undefined ? {} : { error }),
      });
      this.deps.log.warn(
        {
          webhookId: delivery.webhookId,
          webhookType: delivery.webhookType,
          attempts: attempt,
          status,
          error,
        },
        'webhook delivery given up',
      );
      return;
    }
    this.record(delivery, attempt, {
      outcome: 'failed',
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
    });
    this.deps.scheduler.after(retryDelay, () => void this.attempt(delivery, attempt + 1, generation));
  }

  private record(
    delivery: Delivery,
    attempt: number,
    result: Pick<DeliveryLogEntry, 'outcome' | 'status' | 'error'>,
  ): void {
    const entry: DeliveryLogEntry = {
      webhookId: delivery.webhookId,
      type: delivery.webhookType,
      subscriptionType: delivery.subscriptionType,
      apiVersion: delivery.apiVersion,
      url: delivery.url,
      attempt,
      outcome: result.outcome,
      at: new Date().toISOString(),
    };
    if (delivery.caseIdentifier !== undefined) entry.caseIdentifier = delivery.caseIdentifier;
    if (result.status !== undefined) entry.status = result.status;
    if (result.error !== undefined) entry.error = result.error;
    this.entries.push(entry);
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
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timeout';
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
