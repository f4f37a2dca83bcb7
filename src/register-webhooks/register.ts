import { parseArgs } from 'node:util';
import { z } from 'zod';
import { COMPLYCUBE_WEBHOOK_ROUTE, COS_WEBHOOK_ROUTE, WEBHOOK_ROUTE } from '../bridge/app';
import type { MeshWebhooks, WebhookConfiguration } from '../providers/mesh/webhooks';
import { UsageError } from '../platform/cli/command-line';

export const REGISTER_WEBHOOKS_USAGE = `Usage: npm run register-webhooks -- --url URL [options]

Registers the bridge's public URL with Mesh for the case events the onboarding needs, idempotently:
existing configurations are listed first, and only what is missing or different is changed. With
COMPLYCUBE_API_KEY set, also registers ${COMPLYCUBE_WEBHOOK_ROUTE} with ComplyCube (every event), printing the
signing secret of a new registration once. With COS_BASE_URL set, also registers ${COS_WEBHOOK_ROUTE} with COS
for Core.Customer.Ofac.Changed and Core.Customer.PepScan.Changed, with the HTTP Basic credentials COS sends
on each delivery (a suspended registration is restarted; the password is never printed).

  --url URL             the bridge as Mesh reaches it, e.g. https://kyc.example.com/webhooks/complyadvantage
                        (a bare origin gets ${WEBHOOK_ROUTE} appended); must be HTTPS
  --case-state-updated  also register the deprecated CASE_STATE_UPDATED (docs/providers/mesh.md), for accounts
                        that do not send CASE_TRANSITIONED
  --name NAME           prefix of the configuration names this tool owns (default "kyc-onboarding");
                        a configuration named "<NAME> <TYPE>" pointing elsewhere is moved to --url
  --complycube-url URL  the bridge as ComplyCube reaches it (only with COMPLYCUBE_API_KEY); default: --url
                        with ${WEBHOOK_ROUTE} replaced by ${COMPLYCUBE_WEBHOOK_ROUTE} (a bare origin gets
                        ${COMPLYCUBE_WEBHOOK_ROUTE}); must be HTTPS
  --allow-http          accept an http:// URL: only for the local Mesh sandbox, which takes http on
                        loopback; the real API refuses it
  --dry-run             list what would change, change nothing
  -h, --help            this text

Mesh connection from the environment: MESH_BASE_URL and MESH_ACCESS_KEY+MESH_SECRET (or
MESH_REALM+MESH_USERNAME+MESH_PASSWORD); ComplyCube, when COMPLYCUBE_API_KEY is set: COMPLYCUBE_BASE_URL
(default https://api.complycube.com/v1); COS, when COS_BASE_URL is set: COS_TOKEN_URL, COS_CLIENT_ID,
COS_CLIENT_SECRET, COS_PARTNER_ID (COS_SCOPE, COS_AUDIENCE optional), COS_WEBHOOK_USERNAME and
COS_WEBHOOK_PASSWORD (the bridge's), and COS_WEBHOOK_URL, the bridge as COS reaches it (HTTPS, http on
loopback only; unset: --url with ${WEBHOOK_ROUTE} replaced by ${COS_WEBHOOK_ROUTE}). Exit codes: 0 done,
1 a provider refused or failed, 2 bad usage or configuration.`;

/** The events the onboarding acts on (docs/providers/mesh.md, "Webhooks"). */
export const DEFAULT_WEBHOOK_TYPES = ['CASE_TRANSITIONED', 'CASE_CREATED'] as const;
/** Deprecated, but some accounts only send this one (its payloads say CASE_STAGE_UPDATED). */
export const STATE_UPDATED_TYPE = 'CASE_STATE_UPDATED';
export const DEFAULT_NAME_PREFIX = 'kyc-onboarding';

// One class for every entry point; callers and tests import it from here too.
export { UsageError };

export interface RegisterWebhooksOptions {
  url: string;
  types: string[];
  namePrefix: string;
  dryRun: boolean;
  /**
   * Where ComplyCube delivers (registered only when COMPLYCUBE_API_KEY is set): `--complycube-url`, or
   * derived from `--url`; `url` undefined when `--url` has a path it cannot be derived from.
   */
  complyCube?: { url: string | undefined; explicit: boolean };
}

export type RegisterWebhooksCommand = { kind: 'help' } | ({ kind: 'register' } & RegisterWebhooksOptions);

/**
 * Checks a webhook URL the way both providers require it (HTTPS, no credentials, no fragment); a bare
 * origin gets `route`. Reports a problem through `ctx` and returns undefined.
 */
function checkedWebhookUrl(
  raw: string,
  o: { flag: string; provider: string; route: string; allowHttp: boolean },
  ctx: z.RefinementCtx,
): URL | undefined {
  if (!URL.canParse(raw)) {
    ctx.addIssue({ code: 'custom', message: `${o.flag}: expected an absolute URL, got "${raw}"` });
    return undefined;
  }
  const url = new URL(raw);
  const httpAllowed = o.allowHttp && url.protocol === 'http:';
  if (url.protocol !== 'https:' && !httpAllowed) {
    ctx.addIssue({
      code: 'custom',
      message:
        url.protocol === 'http:'
          ? `${o.flag}: must use HTTPS (${o.provider} sends webhooks to HTTPS endpoints only); for the local sandbox only, add --allow-http`
          : `${o.flag}: must use HTTPS, got ${url.protocol}`,
    });
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    // The provider would store and show them; the bridge authenticates deliveries by signature instead.
    ctx.addIssue({ code: 'custom', message: `${o.flag}: must not contain credentials (user:password@)` });
    return undefined;
  }
  if (url.hash !== '') {
    ctx.addIssue({ code: 'custom', message: `${o.flag}: must not contain a #fragment` });
    return undefined;
  }
  if (url.pathname === '/' && url.search === '') url.pathname = o.route;
  return url;
}

/** The ComplyCube route beside the Mesh route of `meshUrl` (same origin and path prefix), if it has one. */
function complyCubeUrlBeside(meshUrl: URL): string | undefined {
  if (meshUrl.search !== '' || !meshUrl.pathname.endsWith(WEBHOOK_ROUTE)) return undefined;
  const url = new URL(meshUrl);
  url.pathname = `${meshUrl.pathname.slice(0, -WEBHOOK_ROUTE.length)}${COMPLYCUBE_WEBHOOK_ROUTE}`;
  return url.toString();
}

const argsSchema = z
  .object({
    url: z.string({ error: '--url is required: the public URL Mesh should deliver to' }),
    'complycube-url': z.string().optional(),
    'allow-http': z.boolean(),
    'case-state-updated': z.boolean(),
    name: z
      .string()
      .trim()
      .min(1, { error: '--name: expected a non-empty name prefix' })
      .max(100, { error: '--name: expected at most 100 characters' }),
    'dry-run': z.boolean(),
  })
  .transform((args, ctx) => {
    const allowHttp = args['allow-http'];
    const url = checkedWebhookUrl(
      args.url,
      { flag: '--url', provider: 'Mesh', route: WEBHOOK_ROUTE, allowHttp },
      ctx,
    );
    if (url === undefined) return z.NEVER;
    const explicit = args['complycube-url'];
    let complyCubeUrl: string | undefined;
    if (explicit !== undefined) {
      const checked = checkedWebhookUrl(
        explicit,
        { flag: '--complycube-url', provider: 'ComplyCube', route: COMPLYCUBE_WEBHOOK_ROUTE, allowHttp },
        ctx,
      );
      if (checked === undefined) return z.NEVER;
      complyCubeUrl = checked.toString();
    } else {
      complyCubeUrl = complyCubeUrlBeside(url);
    }
    return {
      url: url.toString(),
      types: [...DEFAULT_WEBHOOK_TYPES, ...(args['case-state-updated'] ? [STATE_UPDATED_TYPE] : [])],
      namePrefix: args.name,
      dryRun: args['dry-run'],
      complyCube: { url: complyCubeUrl, explicit: explicit !== undefined },
    };
  });

/** argv without `node register-webhooks.ts`; throws UsageError with lines a person can act on. */
export function parseRegisterWebhooksArgs(argv: string[]): RegisterWebhooksCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        'complycube-url': { type: 'string' },
        'allow-http': { type: 'boolean', default: false },
        'case-state-updated': { type: 'boolean', default: false },
        name: { type: 'string', default: DEFAULT_NAME_PREFIX },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { kind: 'help' };
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
  return { kind: 'register', ...parsed.data };
}

export function configurationName(namePrefix: string, type: string): string {
  return `${namePrefix} ${type}`;
}

/** What happens to one wanted event type. */
export type PlannedChange =
  | { action: 'unchanged'; type: string; existing: WebhookConfiguration }
  | { action: 'reactivate'; type: string; existing: WebhookConfiguration }
  | { action: 'move'; type: string; existing: WebhookConfiguration }
  | { action: 'create'; type: string; name: string };

export interface RegistrationPlan {
  changes: PlannedChange[];
  /** Other configurations of a wanted type, and this tool's own of other types: listed, never touched. */
  leftAlone: WebhookConfiguration[];
}

/**
 * Decides, from the existing configurations, what makes `url` receive every wanted type exactly once:
 * a configuration already pointing at `url` is kept (re-activated if switched off); else one this tool
 * named earlier is moved to `url` (the bridge's address changed); else a new one is created. Mesh has
 * no DELETE (docs/providers/mesh.md, "Webhooks"), so nothing is ever removed.
 */
export function planRegistration(
  existing: readonly WebhookConfiguration[],
  options: Pick<RegisterWebhooksOptions, 'url' | 'types' | 'namePrefix'>,
): RegistrationPlan {
  const used = new Set<string>();
  const changes = options.types.map((type): PlannedChange => {
    const ofType = existing.filter((w) => w.type === type);
    const atUrl = ofType.filter((w) => sameUrl(w.url, options.url));
    const target = atUrl.find((w) => w.isActive) ?? atUrl[0];
    if (target !== undefined) {
      used.add(target.identifier);
      return { action: target.isActive ? 'unchanged' : 'reactivate', type, existing: target };
    }
    const name = configurationName(options.namePrefix, type);
    const owned = ofType.find((w) => w.name === name);
    if (owned !== undefined) {
      used.add(owned.identifier);
      return { action: 'move', type, existing: owned };
    }
    return { action: 'create', type, name };
  });
  // Also shown: this tool's own configurations of types not asked for this time (still pointing somewhere).
  const ownedPrefix = `${options.namePrefix} `;
  const leftAlone = existing.filter(
    (w) =>
      !used.has(w.identifier) &&
      (options.types.includes(w.type) || (w.name?.startsWith(ownedPrefix) ?? false)),
  );
  return { changes, leftAlone };
}

function sameUrl(a: string, b: string): boolean {
  return URL.canParse(a) && URL.canParse(b) ? new URL(a).toString() === new URL(b).toString() : a === b;
}

export interface AppliedChange {
  action: PlannedChange['action'];
  type: string;
  configuration: WebhookConfiguration | undefined;
}

/** Lists, plans and (unless dry-run) applies; every line of output goes through `out`. */
export async function registerWebhooks(
  mesh: MeshWebhooks,
  options: RegisterWebhooksOptions,
  out: (line: string) => void,
): Promise<AppliedChange[]> {
  const existing = await mesh.listWebhooks();
  const plan = planRegistration(existing, options);
  out(`${options.dryRun ? 'would register' : 'registering'} ${options.url}`);

  const applied: AppliedChange[] = [];
  for (const change of plan.changes) {
    let configuration: WebhookConfiguration | undefined;
    if (change.action === 'unchanged') {
      configuration = change.existing;
    } else if (options.dryRun) {
      configuration = change.action === 'create' ? undefined : change.existing;
    } else if (change.action === 'create') {
      configuration = await mesh.registerWebhook({
        name: change.name,
        type: change.type,
        url: options.url,
        isActive: true,
      });
    } else {
      configuration = await mesh.updateWebhook(change.existing.identifier, {
        ...(change.action === 'move' && { url: options.url }),
        isActive: true,
      });
    }
    out(describe(change, configuration, options.dryRun));
    applied.push({ action: change.action, type: change.type, configuration });
  }
  for (const other of plan.leftAlone) {
    out(
      `  ${other.type.padEnd(20)} left alone  ${other.identifier} -> ${other.url} (${other.isActive ? 'active' : 'inactive'}${other.name !== undefined ? `, name "${other.name}"` : ''})`,
    );
  }
  return applied;
}

const VERBS: Record<PlannedChange['action'], [done: string, planned: string]> = {
  unchanged: ['unchanged', 'unchanged'],
  reactivate: ['reactivated', 'reactivate'],
  move: ['updated', 'update'],
  create: ['created', 'create'],
};

function reasonOf(change: PlannedChange): string {
  switch (change.action) {
    case 'unchanged':
      return 'already active for this URL';
    case 'reactivate':
      return 'was inactive';
    case 'move':
      return `was ${change.existing.url}`;
    case 'create':
      return `name "${change.name}"`;
  }
}

function describe(
  change: PlannedChange,
  configuration: WebhookConfiguration | undefined,
  dryRun: boolean,
): string {
  const verb = VERBS[change.action][dryRun ? 1 : 0];
  const id = configuration?.identifier ?? '(new)';
  return `  ${change.type.padEnd(20)} ${verb.padEnd(11)} ${id} (${reasonOf(change)})`;
}
