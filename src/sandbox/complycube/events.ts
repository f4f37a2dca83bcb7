import type { ComplyCubeContext } from './context';
import { newId } from './ids';
import type { CheckRecord, ClientRecord, WebhookRecord } from './store';

/**
 * Events and their envelope, `{id, type, resourceType, payload: {id, status, outcome?, createdAt,
 * updatedAt}, createdAt}` as ComplyCube's Node SDK types it: it names the resource only, never its
 * client or external id, so a receiver has to read the check (and then its client).
 */
export interface EventEnvelope {
  id: string;
  type: string;
  resourceType: 'check' | 'client';
  payload: { id: string; status?: string; outcome?: string; createdAt: string; updatedAt: string };
  createdAt: string;
}

export function subscribes(webhook: WebhookRecord, type: string): boolean {
  return webhook.events.includes('*') || webhook.events.includes(type);
}

function raise(ctx: ComplyCubeContext, envelope: EventEnvelope): void {
  const body = JSON.stringify(envelope);
  for (const webhook of ctx.store.webhooks.values()) {
    // A disabled webhook misses the event for good: nothing is queued for when it is enabled again.
    if (!webhook.enabled || !subscribes(webhook, envelope.type)) continue;
    ctx.webhooks.send(webhook, {
      id: envelope.id,
      type: envelope.type,
      resourceId: envelope.payload.id,
      body,
    });
  }
}

export function raiseCheckEvent(ctx: ComplyCubeContext, type: string, check: CheckRecord): void {
  const outcome = check.result?.outcome;
  raise(ctx, {
    id: newId(),
    type,
    resourceType: 'check',
    payload: {
      id: check.id,
      status: check.status,
      ...(outcome === undefined ? {} : { outcome }),
      createdAt: check.createdAt,
      updatedAt: check.updatedAt,
    },
    createdAt: new Date().toISOString(),
  });
}

/** A client has no status: its payload carries the id and the two times only. */
export function raiseClientEvent(ctx: ComplyCubeContext, type: string, client: ClientRecord): void {
  raise(ctx, {
    id: newId(),
    type,
    resourceType: 'client',
    payload: { id: client.id, createdAt: client.createdAt, updatedAt: client.updatedAt },
    createdAt: new Date().toISOString(),
  });
}

/** The completion events, in the current spelling or the v1.7.2 one (`legacyEventNames`). */
export function completedEventTypes(ctx: ComplyCubeContext, outcome: string): [string, string] {
  const base = ctx.settings.legacyEventNames ? 'check.complete' : 'check.completed';
  return [base, `${base}.${outcome}`];
}
