import type { ComplyCubeApi, ComplyCubeWebhook } from './api';

/**
 * ComplyCube's webhook registrations (docs/providers/complycube.md, "Webhooks"): what
 * `npm run register-webhooks` needs to point ComplyCube at the bridge, and how the webhook-health
 * activity recognises our registrations. ComplyCube shows a registration's signing secret once, in the
 * answer that creates it: the caller prints it for COMPLYCUBE_WEBHOOK_SECRET, and a lost secret means
 * deleting the registration and creating it again.
 */

/** The bridge's route for ComplyCube (src/bridge/). */
export const COMPLYCUBE_WEBHOOK_PATH = '/webhooks/complycube';

/** Registrations read at most (100 each): far more than an account holds. */
const MAX_PAGES = 10;

/** The same URL once normalised (`https://host` and `https://host/` are one registration). */
export function sameUrl(a: string, b: string): boolean {
  return URL.canParse(a) && URL.canParse(b) ? new URL(a).toString() === new URL(b).toString() : a === b;
}

/** Ours: the configured URL, or, without one, any URL whose path ends with the bridge's route. */
export function isOurWebhook(
  webhook: Pick<ComplyCubeWebhook, 'url'>,
  webhookUrl: string | undefined,
): boolean {
  if (webhookUrl !== undefined) return sameUrl(webhook.url, webhookUrl);
  try {
    return new URL(webhook.url).pathname.replace(/\/+$/, '').endsWith(COMPLYCUBE_WEBHOOK_PATH);
  } catch {
    return false;
  }
}

/** Every registration of the account, page by page; `each` wraps every call (an activity's error mapping). */
export async function listComplyCubeWebhooks(
  api: ComplyCubeApi,
  each: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<ComplyCubeWebhook[]> {
  const all: ComplyCubeWebhook[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await each(() => api.listWebhooks({ page }));
    all.push(...answer.items);
    if (answer.items.length === 0 || answer.page >= answer.pages) break;
  }
  return all;
}

export interface CreateComplyCubeWebhookRequest {
  /** HTTPS: ComplyCube refuses anything else. */
  url: string;
  /** `['*']` for every event; the bridge ignores those it does not route. */
  events: string[];
  description: string;
}

/**
 * Registers the bridge (enabled) and returns the registration with its signing secret, which ComplyCube
 * never shows again. Not retried here: a repeat after a lost answer would register twice, so the caller
 * lists first and decides.
 */
export async function createComplyCubeWebhook(
  api: ComplyCubeApi,
  request: CreateComplyCubeWebhookRequest,
): Promise<{ webhook: ComplyCubeWebhook; secret: string }> {
  const { secret, ...webhook } = await api.createWebhook({ ...request, enabled: true });
  return { webhook, secret };
}
