import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { CosFaultRegistry } from './faults';
import type { CosSettings } from './settings';
import type { CosStats } from './stats';
import type { CosEventEnvelope, CosStore, RegistrationRecord } from './store';
import { eventTimestamp, recordTimestamp, type Timers } from './time';

/**
 * Events as COS documents them: changes are gathered per event name for a window (COS: about 30 s) into
 * one envelope naming every customer concerned (`resources`, at most 50,000 in Basic format and 1,000 in
 * Extended), and pushed to the one registration of that name with its HTTP Basic credentials, unsigned.
 * A failed delivery (non-2xx, network error, timeout) is retried 3 more times `deliveryRetryDelayMs`
 * apart; then the registration turns Suspended and its events queue until `PUT …/restart`, which delivers
 * the queue (the failed event first). Each registration delivers one event at a time, in order.
 */
export const CUSTOMER_ONBOARDED = 'Core.Customer.Onboarded';
export const DELIVERY_RETRIES = 3;
export const RESOURCE_LIMITS = { Basic: 50_000, Extended: 1_000 } as const;

export function customerResource(customerId: string): string {
  return `core/v1/cm/customers/${customerId}`;
}

export interface CosDeliveryLogEntry {
  eventId: string;
  eventName: string;
  registrationId: string;
  url: string;
  resourceCount: number;
  resources: string[];
  /** 1 for the first attempt, up to 4; 0 when a fault dropped the event before any attempt. */
  attempt: number;
  status?: number;
  error?: string;
  /** `failed`: a retry follows (or the registration was suspended meanwhile); `suspended`: the last retry failed. */
  outcome: 'delivered' | 'failed' | 'suspended' | 'dropped';
  isPing: boolean;
  at: string;
}

/** An envelope as built, and the registration it went to (null: none for its name, so it was discarded). */
export interface CosEventLogEntry {
  event: CosEventEnvelope;
  registrationId: string | null;
}

const MAX_LOG = 20_000;

export class CosEventHub {
  private readonly batches = new Map<string, { resources: Set<string>; timer: NodeJS.Timeout }>();
  private deliveries: CosDeliveryLogEntry[] = [];
  private events: CosEventLogEntry[] = [];
  private readonly controllers = new Set<AbortController>();
  private generation = 0;

  constructor(
    private readonly deps: {
      store: CosStore;
      timers: Timers;
      settings: () => CosSettings;
      faults: CosFaultRegistry;
      stats: CosStats;
      log: FastifyBaseLogger;
    },
  ) {}

  /** Something changed for a customer: it joins the open batch of that event name (one window each). */
  raise(eventName: string, customerId: string): void {
    let batch = this.batches.get(eventName);
    if (!batch) {
      const timer = this.deps.timers.after(this.deps.settings().eventBatchWindowMs, () =>
        this.flush(eventName),
      );
      batch = { resources: new Set(), timer };
      this.batches.set(eventName, batch);
    }
    batch.resources.add(customerResource(customerId));
  }

  /** Closes every open batch now (a test that does not want to wait for the window). */
  flushAll(): number {
    const names = [...this.batches.keys()];
    for (const name of names) {
      this.deps.timers.cancel(this.batches.get(name)!.timer);
      this.flush(name);
    }
    return names.length;
  }

  private flush(eventName: string): void {
    const batch = this.batches.get(eventName);
    if (!batch) return;
    this.batches.delete(eventName);
    const resources = [...batch.resources];
    const registration = [...this.deps.store.registrations.values()].find((r) => r.eventName === eventName);
    const limit = RESOURCE_LIMITS[registration?.format ?? 'Basic'];
    for (let start = 0; start < resources.length; start += limit) {
      const event: CosEventEnvelope = {
        id: randomUUID(),
        eventName,
        status: 'Pending',
        partnerId: registration?.partnerId ?? '00000000-0000-0000-0000-000000000000',
        createdAt: eventTimestamp(),
        resources: resources.slice(start, start + limit),
        details: [],
      };
      this.deps.stats.events += 1;
      this.pushLog(this.events, { event, registrationId: registration?.id ?? null });
      if (!registration) {
        this.deps.stats.eventsUnrouted += 1;
        continue;
      }
      registration.queue.push(event);
    }
    if (registration) this.pump(registration);
  }

  /** Delivers the head of the queue if the registration is an active Push one and idle. */
  pump(registration: RegistrationRecord): void {
    if (registration.delivering || registration.state !== 'Active' || registration.type !== 'Push') return;
    const head = registration.queue[0];
    if (!head) return;
    registration.delivering = true;
    const generation = this.generation;
    setImmediate(() => void this.attempt(registration, head, 1, generation));
  }

  restart(registration: RegistrationRecord): void {
    if (registration.state !== 'Active') {
      registration.state = 'Active';
      registration.lastModifiedAt = recordTimestamp();
    }
    this.pump(registration);
  }

  suspend(registration: RegistrationRecord): void {
    if (registration.state !== 'Suspended') {
      registration.state = 'Suspended';
      registration.lastModifiedAt = recordTimestamp();
    }
  }

  /** A test event flagged `isPing`, sent once now, outside the queue and its retries. */
  ping(registration: RegistrationRecord): CosEventEnvelope {
    const event: CosEventEnvelope = {
      id: randomUUID(),
      eventName: registration.eventName,
      status: 'Pending',
      partnerId: registration.partnerId,
      createdAt: eventTimestamp(),
      resources: [],
      details: [],
      isPing: true,
    };
    if (registration.callbackUrl !== undefined) {
      const generation = this.generation;
      setImmediate(() => {
        if (generation !== this.generation) return;
        void this.send(registration, event).then((result) =>
          this.record(registration, event, 1, {
            ...result,
            outcome: result.ok ? 'delivered' : 'failed',
          }),
        );
      });
    }
    return event;
  }

  private async attempt(
    registration: RegistrationRecord,
    event: CosEventEnvelope,
    attempt: number,
    generation: number,
  ): Promise<void> {
    if (generation !== this.generation) return;
    if (registration.state !== 'Active') {
      registration.delivering = false;
      return;
    }
    if (attempt === 1) {
      const dropped = this.deps.faults.take(
        'drop-webhook',
        'POST',
        registration.callbackUrl ?? '',
        event.eventName,
      );
      if (dropped) {
        this.deps.stats.faultInjected('drop-webhook');
        this.deps.stats.delivery('dropped');
        this.record(registration, event, 0, { outcome: 'dropped', error: `dropped by fault ${dropped.id}` });
        this.done(registration, event);
        return;
      }
    }
    const result = await this.send(registration, event);
    if (generation !== this.generation) return;
    if (result.ok) {
      this.record(registration, event, attempt, { outcome: 'delivered', ...result });
      this.done(registration, event);
      return;
    }
    if (registration.state !== 'Active') {
      this.record(registration, event, attempt, { outcome: 'failed', ...result });
      registration.delivering = false;
      return;
    }
    if (attempt <= DELIVERY_RETRIES) {
      this.record(registration, event, attempt, { outcome: 'failed', ...result });
      this.deps.timers.after(
        this.deps.settings().deliveryRetryDelayMs,
        () => void this.attempt(registration, event, attempt + 1, generation),
      );
      return;
    }
    this.record(registration, event, attempt, { outcome: 'suspended', ...result });
    this.suspend(registration);
    registration.delivering = false;
    this.deps.log.warn(
      { registrationId: registration.id, eventName: event.eventName, attempts: attempt },
      'COS sandbox: delivery failed 4 times; the registration is Suspended',
    );
  }

  /** The head is delivered (or dropped): on to the next one. */
  private done(registration: RegistrationRecord, event: CosEventEnvelope): void {
    if (registration.queue[0] === event) registration.queue.shift();
    registration.delivering = false;
    this.pump(registration);
  }

  private async send(
    registration: RegistrationRecord,
    event: CosEventEnvelope,
  ): Promise<{ ok: boolean; status?: number; error?: string }> {
    const url = registration.callbackUrl ?? '';
    this.deps.stats.delivery('attempted');
    const failing = this.deps.faults.take('fail-webhook', 'POST', url, event.eventName);
    // The body shows when the previous attempt was made; it is stamped only after this one is built.
    const body = JSON.stringify(event);
    event.lastAttemptedAt = eventTimestamp();
    if (failing) {
      this.deps.stats.faultInjected('fail-webhook');
      this.deps.stats.delivery('failed');
      return failing.status === 0
        ? { ok: false, error: `connection failed (fault ${failing.id})` }
        : { ok: false, status: failing.status, error: `fault ${failing.id}` };
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'COS-Sandbox/1',
    };
    if (registration.authUsername !== undefined) {
      const credentials = `${registration.authUsername}:${registration.authPassword ?? ''}`;
      headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    }
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([
          controller.signal,
          AbortSignal.timeout(this.deps.settings().deliveryAttemptTimeoutMs),
        ]),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      this.deps.stats.delivery(ok ? 'delivered' : 'failed');
      return { ok, status: response.status };
    } catch (err) {
      this.deps.stats.delivery('failed');
      return { ok: false, error: describeFetchError(err) };
    } finally {
      this.controllers.delete(controller);
    }
  }

  private record(
    registration: RegistrationRecord,
    event: CosEventEnvelope,
    attempt: number,
    result: { outcome: CosDeliveryLogEntry['outcome']; status?: number; error?: string },
  ): void {
    this.pushLog(this.deliveries, {
      eventId: event.id,
      eventName: event.eventName,
      registrationId: registration.id,
      url: registration.callbackUrl ?? '',
      resourceCount: event.resources.length,
      resources: [...event.resources],
      attempt,
      ...(result.status === undefined ? {} : { status: result.status }),
      ...(result.error === undefined ? {} : { error: result.error }),
      outcome: result.outcome,
      isPing: event.isPing === true,
      at: new Date().toISOString(),
    });
  }

  private pushLog<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
  }

  deliveryLog(): readonly CosDeliveryLogEntry[] {
    return this.deliveries;
  }

  eventLog(): readonly CosEventLogEntry[] {
    return this.events;
  }

  /** Forgets open batches, stops deliveries in flight and their retries, and empties the logs. */
  clear(): void {
    this.generation += 1;
    for (const batch of this.batches.values()) this.deps.timers.cancel(batch.timer);
    this.batches.clear();
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
    this.deliveries = [];
    this.events = [];
  }
}

function describeFetchError(err: unknown): string {
  // Not `instanceof Error`: fetch's DOMException may come from another realm (e.g. under jest).
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: string; message?: string } } | null;
  if (e?.name === 'TimeoutError') return 'timeout';
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message;
  return typeof detail === 'string' ? detail : String(err);
}
