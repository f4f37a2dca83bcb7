import { CORE_OFAC_CHANGED, CORE_PEP_CHANGED } from '../../contracts/core-banking';
import type { CosContext } from './context';
import type { CustomerRecord, ScanField, ScanStatus } from './store';
import { recordTimestamp } from './time';

/**
 * COS scans every new customer by itself (docs/providers/cos-sandbox.md, "Scan table"). The result is
 * decided by the customer's full name, compared without case, accents or repeated spaces, so the same
 * name always scans the same way:
 *
 * - "Vladimir Putin": PEP Positive, OFAC Clear (Cross River's documented PEP hit).
 * - "Francisco Javier Arellano Félix" born 1969-12-11: OFAC Failed, Reviewing at half of
 *   `reviewDelayMs`, Positive at its end (the documented OFAC hit, through the AML team's review); the
 *   same name with another birth date goes the same way but ends Clear (a namesake cleared by the team).
 * - "Blue Star Diamond": OFAC Positive (the documented business hit).
 * - a name containing "Pepreview": PEP Failed until `POST /_sandbox/cos/customers/{id}/decide`.
 * - any other name containing "Review": OFAC Failed, Reviewing at half of `reviewDelayMs`, and stays
 *   there until decided.
 * - anyone else: both Clear.
 *
 * Every change of `ofac` raises `Core.Customer.Ofac.Changed`, of `pepScan` `Core.Customer.PepScan.Changed`.
 */
export const EVENT_FOR: Record<ScanField, string> = {
  ofac: CORE_OFAC_CHANGED,
  pepScan: CORE_PEP_CHANGED,
};

export function normaliseName(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** One step of a scan: at `atMs` after the first results, these values. */
interface ScanStep {
  atMs: (reviewDelayMs: number) => number;
  ofac?: ScanStatus;
  pepScan?: ScanStatus;
}

export type ScanRule =
  'pep-hit' | 'ofac-hit' | 'ofac-namesake' | 'business-ofac-hit' | 'pep-review' | 'ofac-review' | 'clear';

const PLAN: Record<ScanRule, ScanStep[]> = {
  'pep-hit': [{ atMs: () => 0, ofac: 'Clear', pepScan: 'Positive' }],
  'ofac-hit': [
    { atMs: () => 0, ofac: 'Failed', pepScan: 'Clear' },
    { atMs: (r) => Math.floor(r / 2), ofac: 'Reviewing' },
    { atMs: (r) => r, ofac: 'Positive' },
  ],
  'ofac-namesake': [
    { atMs: () => 0, ofac: 'Failed', pepScan: 'Clear' },
    { atMs: (r) => Math.floor(r / 2), ofac: 'Reviewing' },
    { atMs: (r) => r, ofac: 'Clear' },
  ],
  'business-ofac-hit': [{ atMs: () => 0, ofac: 'Positive', pepScan: 'Clear' }],
  'pep-review': [{ atMs: () => 0, ofac: 'Clear', pepScan: 'Failed' }],
  'ofac-review': [
    { atMs: () => 0, ofac: 'Failed', pepScan: 'Clear' },
    { atMs: (r) => Math.floor(r / 2), ofac: 'Reviewing' },
  ],
  clear: [{ atMs: () => 0, ofac: 'Clear', pepScan: 'Clear' }],
};

export function scanRule(customer: Pick<CustomerRecord, 'name' | 'profile'>): ScanRule {
  const name = normaliseName(customer.name.fullName);
  if (name === 'vladimir putin') return 'pep-hit';
  if (name === 'francisco javier arellano felix') {
    return customer.profile.birthDate === '1969-12-11' ? 'ofac-hit' : 'ofac-namesake';
  }
  if (name === 'blue star diamond') return 'business-ofac-hit';
  if (name.includes('pepreview')) return 'pep-review';
  if (name.includes('review')) return 'ofac-review';
  return 'clear';
}

/** Sets one scan value; a change stamps the record and raises its event. */
export function setScan(
  ctx: CosContext,
  customer: CustomerRecord,
  field: ScanField,
  value: ScanStatus,
): boolean {
  if (customer[field] === value) return false;
  customer[field] = value;
  customer.lastModifiedAt = recordTimestamp();
  ctx.events.raise(EVENT_FOR[field], customer.id);
  return true;
}

function apply(ctx: CosContext, customer: CustomerRecord, step: ScanStep): void {
  if (step.ofac !== undefined) setScan(ctx, customer, 'ofac', step.ofac);
  if (step.pepScan !== undefined) setScan(ctx, customer, 'pepScan', step.pepScan);
}

/** Schedules a new customer's scan: first results after `scanDelayMs`, the AML team's steps after that. */
export function scheduleScan(ctx: CosContext, customer: CustomerRecord): void {
  const { scanDelayMs, reviewDelayMs } = ctx.settings;
  for (const step of PLAN[scanRule(customer)]) {
    const timer = ctx.timers.after(scanDelayMs + step.atMs(reviewDelayMs), () => {
      customer.pendingSteps.delete(timer);
      if (ctx.store.customers.get(customer.id) !== customer) return;
      apply(ctx, customer, step);
    });
    customer.pendingSteps.add(timer);
  }
}

/** Cancels the automatic steps still to come (an analyst or a rescan decided instead). */
export function cancelPendingSteps(ctx: CosContext, customer: CustomerRecord): void {
  for (const timer of customer.pendingSteps) ctx.timers.cancel(timer);
  customer.pendingSteps.clear();
}
