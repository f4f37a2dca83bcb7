import { CORE_EVENT_NAMES } from '../contracts/core-banking';
import type { Secret } from '../platform/config/secret';
import type { CosApi, CosRegistration } from '../providers/cos/client';
import {
  COS_WEBHOOK_PATH,
  isSuspended,
  planCosRegistrations,
  sameUrl,
  type CosRegistrationPlan,
} from '../providers/cos/webhooks';

/**
 * `npm run register-webhooks` at COS (with COS_BASE_URL set): one Push registration per event the
 * project routes (`Core.Customer.Ofac.Changed`, `Core.Customer.PepScan.Changed`) pointing at the bridge's
 * `/webhooks/cos`, with the HTTP Basic credentials COS sends on every delivery (docs/providers/cos.md,
 * "Events"). Idempotent: the registrations are listed first, one already at the URL is left alone, a
 * suspended one is restarted, and only a missing one is created. The password is sent, never printed.
 */

export interface CosRegistrationOptions {
  callbackUrl: string;
  partnerId: string;
  username: string;
  password: Secret;
  dryRun: boolean;
  eventNames?: readonly string[];
}

export interface CosRegistrationOutcome {
  action: CosRegistrationPlan['action'];
  eventName: string;
  /** Undefined for a dry run's create, or when COS answered the create without a body. */
  registration: CosRegistration | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The URL COS delivers to: COS_WEBHOOK_URL (a bare origin gets /webhooks/cos), or else `--url` with the
 * Mesh route replaced by /webhooks/cos. HTTPS, since every delivery carries the Basic password; plain
 * http only on loopback, for the local sandbox. Throws an Error with a line a person can act on.
 */
export function cosCallbackUrl(options: {
  webhookUrl: string | undefined;
  meshUrl: string;
  meshRoute: string;
}): string {
  if (options.webhookUrl !== undefined) {
    const url = new URL(options.webhookUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new Error(
        'COS_WEBHOOK_URL: must use HTTPS (COS sends the Basic password with every delivery); http only on loopback',
      );
    }
    if (url.username !== '' || url.password !== '') {
      throw new Error('COS_WEBHOOK_URL: must not contain credentials (user:password@)');
    }
    if (url.hash !== '') throw new Error('COS_WEBHOOK_URL: must not contain a #fragment');
    if (url.pathname === '/' && url.search === '') url.pathname = COS_WEBHOOK_PATH;
    return url.toString();
  }
  const mesh = new URL(options.meshUrl);
  if (mesh.search !== '' || !mesh.pathname.endsWith(options.meshRoute)) {
    throw new Error(
      `COS_WEBHOOK_URL: required when --url does not end in ${options.meshRoute} (COS delivers to the bridge's ${COS_WEBHOOK_PATH})`,
    );
  }
  mesh.pathname = `${mesh.pathname.slice(0, -options.meshRoute.length)}${COS_WEBHOOK_PATH}`;
  return mesh.toString();
}

export async function registerCosWebhooks(
  api: CosApi,
  options: CosRegistrationOptions,
  out: (line: string) => void,
): Promise<CosRegistrationOutcome[]> {
  const eventNames = options.eventNames ?? CORE_EVENT_NAMES;
  const existing = await api.listRegistrations();
  const plan = planCosRegistrations(existing, options.callbackUrl, eventNames);
  out(`${options.dryRun ? 'would register' : 'registering'} ${options.callbackUrl}`);

  const outcomes: CosRegistrationOutcome[] = [];
  for (const step of plan) {
    const label = step.eventName.padEnd(30);
    if (step.action === 'unchanged') {
      const { registration } = step;
      out(
        `  ${label} ${'unchanged'.padEnd(11)} ${registration.id} (${registration.state ?? 'state not reported'})`,
      );
      if (registration.authUsername !== undefined && registration.authUsername !== options.username) {
        out(
          '    note: registered with another Basic user than COS_WEBHOOK_USERNAME; the bridge will refuse its deliveries',
        );
      }
      outcomes.push({ action: 'unchanged', eventName: step.eventName, registration });
    } else if (step.action === 'restart') {
      const { registration } = step;
      if (!options.dryRun) await api.restartRegistration(registration.id);
      out(
        `  ${label} ${(options.dryRun ? 'restart' : 'restarted').padEnd(11)} ${registration.id} (was suspended)`,
      );
      outcomes.push({ action: 'restart', eventName: step.eventName, registration });
    } else if (options.dryRun) {
      out(`  ${label} ${'create'.padEnd(11)} (new) (Push, HTTP Basic)`);
      outcomes.push({ action: 'create', eventName: step.eventName, registration: undefined });
    } else {
      const created = await api.createRegistration({
        partnerId: options.partnerId,
        eventName: step.eventName,
        callbackUrl: options.callbackUrl,
        authUsername: options.username,
        authPassword: options.password.reveal(),
      });
      out(
        `  ${label} ${'created'.padEnd(11)} ${created?.id ?? '(id not answered)'} (Push, HTTP Basic as COS_WEBHOOK_USERNAME)`,
      );
      outcomes.push({ action: 'create', eventName: step.eventName, registration: created });
    }
  }

  // Registrations of our events elsewhere, and duplicates at our URL: shown, never touched.
  const kept = new Set(outcomes.map((o) => o.registration?.id).filter((id) => id !== undefined));
  for (const other of existing) {
    if (kept.has(other.id) || other.eventName === undefined || !eventNames.includes(other.eventName))
      continue;
    const where = sameUrl(other.callbackUrl, options.callbackUrl) ? 'this URL' : (other.callbackUrl ?? '?');
    const state = isSuspended(other) ? 'suspended' : (other.state ?? 'state not reported');
    out(`  ${other.eventName.padEnd(30)} ${'left alone'.padEnd(11)} ${other.id} -> ${where} (${state})`);
  }
  return outcomes;
}
