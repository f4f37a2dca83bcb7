import { CORE_EVENT_NAMES, COS_WEBHOOK_ROUTE } from '../../contracts/core-banking';
import type { CosApi, CosRegistration } from './client';

/**
 * COS's webhook registrations (docs/providers/cos.md, "Events"): what `npm run register-webhooks` needs
 * to point COS at the bridge, and what a webhook-health job needs to resume a suspended registration.
 * COS keeps one registration per event name; after a delivery fails four times it turns the registration
 * `Suspended` and queues its events until `PUT …/{id}/restart`.
 */

/** The bridge's route for COS events (src/bridge/). */
/** The bridge's route, as the contract names it. */
export const COS_WEBHOOK_PATH = COS_WEBHOOK_ROUTE;

/** The same URL once normalised (`https://host/x` and `https://HOST/x` are one registration). */
export function sameUrl(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  return URL.canParse(a) && URL.canParse(b) ? new URL(a).toString() === new URL(b).toString() : a === b;
}

/** Ours: at the configured URL, or, without one, any URL whose path ends with the bridge's route. */
export function isOurRegistration(
  registration: Pick<CosRegistration, 'callbackUrl'>,
  callbackUrl: string | undefined,
): boolean {
  if (callbackUrl !== undefined) return sameUrl(registration.callbackUrl, callbackUrl);
  if (registration.callbackUrl === undefined || !URL.canParse(registration.callbackUrl)) return false;
  return new URL(registration.callbackUrl).pathname.replace(/\/+$/, '').endsWith(COS_WEBHOOK_PATH);
}

/** COS's state names are not promised in one case: `Suspended`, `suspended`, `SUSPENDED` alike. */
export function isSuspended(registration: Pick<CosRegistration, 'state'>): boolean {
  return registration.state?.toLowerCase() === 'suspended';
}

/** What happens to one event's registration at the bridge's URL. */
export type CosRegistrationPlan =
  | { action: 'unchanged'; eventName: string; registration: CosRegistration }
  | { action: 'restart'; eventName: string; registration: CosRegistration }
  | { action: 'create'; eventName: string };

/**
 * Decides, from the existing registrations, what makes every event reach `callbackUrl` once: one not
 * suspended at that URL is kept (whatever its state; COS names only Suspended as stopped), else a
 * suspended one is restarted, else one is created. Registrations elsewhere are never touched.
 */
export function planCosRegistrations(
  existing: readonly CosRegistration[],
  callbackUrl: string,
  eventNames: readonly string[] = CORE_EVENT_NAMES,
): CosRegistrationPlan[] {
  return eventNames.map((eventName) => {
    const atUrl = existing.filter((r) => r.eventName === eventName && sameUrl(r.callbackUrl, callbackUrl));
    const working = atUrl.find((r) => !isSuspended(r));
    if (working !== undefined) return { action: 'unchanged', eventName, registration: working };
    const suspended = atUrl[0];
    if (suspended !== undefined) return { action: 'restart', eventName, registration: suspended };
    return { action: 'create', eventName };
  });
}

export interface RestartResult {
  /** Registrations of ours (our URL and events) found. */
  registrations: number;
  /** Ids of the suspended ones restarted. */
  restarted: string[];
}

/**
 * Restarts every suspended registration of ours: for our events, at `callbackUrl` (or, without one, at
 * any URL ending in /webhooks/cos). Nothing else is touched. For a webhook-health job: `each` wraps every
 * call (an activity's error mapping); COS then delivers the events it queued while suspended, which the
 * bridge deduplicates by event id.
 */
export async function restartSuspendedCosRegistrations(
  api: Pick<CosApi, 'listRegistrations' | 'restartRegistration'>,
  options: { callbackUrl?: string | undefined; eventNames?: readonly string[] } = {},
  each: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<RestartResult> {
  const eventNames = options.eventNames ?? CORE_EVENT_NAMES;
  const ours = (await each(() => api.listRegistrations())).filter(
    (r) =>
      r.eventName !== undefined &&
      eventNames.includes(r.eventName) &&
      isOurRegistration(r, options.callbackUrl),
  );
  const restarted: string[] = [];
  for (const registration of ours.filter(isSuspended)) {
    await each(() => api.restartRegistration(registration.id));
    restarted.push(registration.id);
  }
  return { registrations: ours.length, restarted };
}
