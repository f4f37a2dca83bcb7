import type { ComplyCubeApi, ComplyCubeWebhook } from '../providers/complycube/api';
import { createComplyCubeWebhook, listComplyCubeWebhooks, sameUrl } from '../providers/complycube/webhooks';

/**
 * `npm run register-webhooks` at ComplyCube: points one webhook with every event at the bridge's
 * `/webhooks/complycube` (docs/bridge.md, "Registering the bridge with ComplyCube"), through the ComplyCube
 * client (src/providers/complycube/): `GET /webhooks` (every page), `POST /webhooks`, `POST /webhooks/{id}`.
 * Its errors (`ComplyCubeError`) name the call, the status and ComplyCube's error `type`, never the message.
 */

export const COMPLYCUBE_WEBHOOK_DESCRIPTION = 'KYC onboarding bridge';
/** Every event: the bridge acts on `check.*` and acknowledges the rest, so none is missed when ComplyCube adds one. */
export const COMPLYCUBE_WEBHOOK_EVENTS: readonly string[] = ['*'];

/** What happened to the bridge's registration. `secret` only on `create`, and only when not a dry run. */
export type ComplyCubeRegistration =
  | { action: 'unchanged'; webhook: ComplyCubeWebhook }
  | { action: 'enable'; webhook: ComplyCubeWebhook }
  | { action: 'create'; webhook: ComplyCubeWebhook | undefined; secret: string | undefined };

const coversChecks = (events: readonly string[]) =>
  events.length === 0 || events.some((e) => e === '*' || e.startsWith('check.') || e === 'check');

const SECRET_CANNOT_BE_READ =
  "    ComplyCube shows a webhook's signing secret only when it is created: COMPLYCUBE_WEBHOOK_SECRET of the bridge\n" +
  '    must already hold it. To rotate it (or replace a lost one): delete this webhook (DELETE /webhooks/{id}, or in\n' +
  "    ComplyCube's portal), run this command again, and append the new secret to COMPLYCUBE_WEBHOOK_SECRET\n" +
  '    (comma-separated) until the old one is removed.';

/**
 * Makes ComplyCube deliver every event to `url` through exactly one enabled webhook: one already enabled
 * for the URL is left alone; a disabled one (ComplyCube disables a webhook whose deliveries keep failing)
 * is enabled again; otherwise one is created and its secret printed, once. Other registrations are listed
 * and never touched; nothing is deleted.
 */
export async function registerComplyCubeWebhook(
  api: ComplyCubeApi,
  options: { url: string; dryRun: boolean },
  out: (line: string) => void,
): Promise<ComplyCubeRegistration> {
  const existing = await listComplyCubeWebhooks(api);
  const atUrl = existing.filter((w) => sameUrl(w.url, options.url));
  out(`${options.dryRun ? 'would register' : 'registering'} ${options.url}`);

  let result: ComplyCubeRegistration;
  const enabled = atUrl.find((w) => w.enabled === true);
  const disabled = atUrl[0];
  if (enabled !== undefined) {
    out(`  ${'webhook'.padEnd(20)} ${'unchanged'.padEnd(11)} ${enabled.id} (already enabled for this URL)`);
    out(SECRET_CANNOT_BE_READ.replace('{id}', enabled.id));
    result = { action: 'unchanged', webhook: enabled };
  } else if (disabled !== undefined) {
    const webhook = options.dryRun ? disabled : await api.updateWebhook(disabled.id, { enabled: true });
    const verb = options.dryRun ? 'enable' : 'enabled';
    const was = disabled.enabled === false ? 'was disabled' : 'its state was not reported';
    out(`  ${'webhook'.padEnd(20)} ${verb.padEnd(11)} ${disabled.id} (${was})`);
    out(SECRET_CANNOT_BE_READ.replace('{id}', disabled.id));
    result = { action: 'enable', webhook };
  } else if (options.dryRun) {
    out(
      `  ${'webhook'.padEnd(20)} ${'create'.padEnd(11)} (new) (events ${COMPLYCUBE_WEBHOOK_EVENTS.join(',')})`,
    );
    result = { action: 'create', webhook: undefined, secret: undefined };
  } else {
    const { webhook: created, secret } = await createComplyCubeWebhook(api, {
      url: options.url,
      events: [...COMPLYCUBE_WEBHOOK_EVENTS],
      description: COMPLYCUBE_WEBHOOK_DESCRIPTION,
    });
    out(
      `  ${'webhook'.padEnd(20)} ${'created'.padEnd(11)} ${created.id} (events ${COMPLYCUBE_WEBHOOK_EVENTS.join(',')}, description "${COMPLYCUBE_WEBHOOK_DESCRIPTION}")`,
    );
    out(`  signing secret (shown this once, ComplyCube never shows it again): ${secret}`);
    out(
      '    Put it into COMPLYCUBE_WEBHOOK_SECRET of the bridge and restart it; while rotating, append it to the old one\n' +
        '    (COMPLYCUBE_WEBHOOK_SECRET=<old>,<new>). Until then the bridge refuses its deliveries (401) and ComplyCube retries them.',
    );
    result = { action: 'create', webhook: created, secret };
  }

  const kept = result.webhook;
  // Every other registration, a second one for this URL included, is shown and left as it is.
  const others = existing.filter((w) => result.action === 'create' || w.id !== kept?.id);
  if (kept !== undefined && !coversChecks(kept.events)) {
    out(
      `    note: its events (${kept.events.join(', ')}) include no check.* event, and the bridge acts on check events only`,
    );
  }
  for (const other of others) {
    const state = other.enabled === undefined ? 'state unknown' : other.enabled ? 'enabled' : 'disabled';
    out(`  ${'webhook'.padEnd(20)} ${'left alone'.padEnd(11)} ${other.id} -> ${other.url} (${state})`);
  }
  return result;
}
