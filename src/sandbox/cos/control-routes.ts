import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes } from '../common/control-routes';
import { expireAllTokens } from './auth';
import type { CosContext } from './context';
import { CosError, parseBody, titleFor } from './errors';
import { parseFault } from './faults';
import { findCustomer, renderCustomer } from './customers';
import { findRegistration, registerStartRegistrations, renderRegistration } from './registrations';
import { cancelPendingSteps, setScan } from './scans';
import { cloneSettings, settingsPatchSchema } from './settings';
import { SCAN_STATUSES, type CustomerRecord, type ScanField, type ScanStatus } from './store';

/**
 * Sandbox-only routes under /_sandbox/cos: no auth, never faulted, logged or counted; local use only.
 * `decide` stands for the bank's AML team answering a scan under review; `rescan` for COS's nightly rescan.
 */
export const COS_CONTROL_PREFIX = '/_sandbox/cos';

const decideSchema = z
  .object({ ofac: z.enum(['Clear', 'Positive']), pepScan: z.enum(['Clear', 'Positive']) })
  .partial()
  .strict()
  .refine((b) => b.ofac !== undefined || b.pepScan !== undefined, { error: 'name ofac, pepScan or both' });

const rescanSchema = z
  .object({ ofac: z.enum(SCAN_STATUSES), pepScan: z.enum(SCAN_STATUSES) })
  .partial()
  .strict()
  .refine((b) => b.ofac !== undefined || b.pepScan !== undefined, { error: 'name ofac, pepScan or both' });

const UNDER_REVIEW: readonly ScanStatus[] = ['Failed', 'Reviewing'];

/** A customer with what the API answers separately: its addresses and phones. */
export function renderCustomerWithContacts(c: CustomerRecord): Record<string, unknown> {
  return { ...renderCustomer(c), addresses: c.addresses, phones: c.phones };
}

export function resetSandbox(ctx: CosContext): void {
  ctx.timers.cancelAll();
  ctx.events.clear();
  ctx.store.clear();
  ctx.faults.clear();
  ctx.stats.clear();
  ctx.settings = cloneSettings(ctx.startSettings);
  registerStartRegistrations(ctx, ctx.startRegistrations);
}

function applyScans(
  ctx: CosContext,
  customer: CustomerRecord,
  values: { [F in ScanField]?: ScanStatus | undefined },
): { customer: Record<string, unknown>; eventsRaised: string[] } {
  cancelPendingSteps(ctx, customer);
  const eventsRaised: string[] = [];
  for (const field of ['ofac', 'pepScan'] as const) {
    const value = values[field];
    if (value !== undefined && setScan(ctx, customer, field, value)) eventsRaised.push(field);
  }
  return { customer: renderCustomerWithContacts(customer), eventsRaised };
}

export function registerControlRoutes(app: FastifyInstance, ctx: CosContext): void {
  const p = COS_CONTROL_PREFIX;

  const held = () => {
    let addresses = 0;
    let phones = 0;
    for (const c of ctx.store.customers.values()) {
      addresses += c.addresses.length;
      phones += c.phones.length;
    }
    return { customers: ctx.store.customers.size, addresses, phones };
  };

  registerCommonControlRoutes(app, p, ctx, {
    reset: () => resetSandbox(ctx),
    parseSettingsPatch: (body) => parseBody(settingsPatchSchema, body),
    parseFault,
    statsSnapshot: () => ctx.stats.snapshot(held()),
  });

  app.post(`${p}/tokens/expire`, () => ({ expired: expireAllTokens(ctx) }));

  app.get(`${p}/customers`, () => [...ctx.store.customers.values()].map(renderCustomerWithContacts));

  app.get<{ Params: { id: string } }>(`${p}/customers/:id`, (request) =>
    renderCustomerWithContacts(findCustomer(ctx, request.params.id)),
  );

  /** The AML team's final answer on a scan under review (Failed or Reviewing). */
  app.post<{ Params: { id: string } }>(`${p}/customers/:id/decide`, (request) => {
    const customer = findCustomer(ctx, request.params.id);
    const body = parseBody(decideSchema, request.body);
    for (const field of ['ofac', 'pepScan'] as const) {
      if (body[field] !== undefined && !UNDER_REVIEW.includes(customer[field])) {
        throw new CosError(
          409,
          titleFor(409),
          `${field} is ${customer[field]}, not under review (Failed or Reviewing): use rescan to set it anyway`,
        );
      }
    }
    return applyScans(ctx, customer, body);
  });

  /** COS's nightly rescan found these values: each one that changes raises its event. */
  app.post<{ Params: { id: string } }>(`${p}/customers/:id/rescan`, (request) => {
    const customer = findCustomer(ctx, request.params.id);
    return applyScans(ctx, customer, parseBody(rescanSchema, request.body));
  });

  /** Closes the open event batches now instead of at the end of their window. */
  app.post(`${p}/events/flush`, () => ({ flushed: ctx.events.flushAll() }));

  app.get(`${p}/events`, (request) => {
    const q = request.query as Record<string, string | undefined>;
    return ctx.events
      .eventLog()
      .filter((e) => q.eventName === undefined || e.event.eventName === q.eventName);
  });

  app.get(`${p}/deliveries`, (request) => {
    const q = request.query as Record<string, string | undefined>;
    return ctx.events
      .deliveryLog()
      .filter(
        (e) =>
          (q.eventName === undefined || e.eventName === q.eventName) &&
          (q.registrationId === undefined || e.registrationId === q.registrationId) &&
          (q.eventId === undefined || e.eventId === q.eventId),
      );
  });

  app.get(`${p}/requests`, (request) => {
    const q = request.query as Record<string, string | undefined>;
    return ctx.store.requests.filter(
      (e) =>
        (q.method === undefined || e.method === q.method.toUpperCase()) &&
        (q.path === undefined || e.path.startsWith(q.path)),
    );
  });

  app.get(`${p}/registrations`, () =>
    [...ctx.store.registrations.values()].map((r) => ({ ...renderRegistration(r), queued: r.queue.length })),
  );

  app.post<{ Params: { id: string } }>(`${p}/registrations/:id/suspend`, (request) => {
    const registration = findRegistration(ctx, request.params.id);
    ctx.events.suspend(registration);
    return { ...renderRegistration(registration), queued: registration.queue.length };
  });

  app.post<{ Params: { id: string } }>(`${p}/registrations/:id/restart`, (request) => {
    const registration = findRegistration(ctx, request.params.id);
    ctx.events.restart(registration);
    return { ...renderRegistration(registration), queued: registration.queue.length };
  });
}
