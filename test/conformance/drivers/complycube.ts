/**
 * The ComplyCube driver of the conformance suite: the ComplyCube sandbox in process
 * (src/sandbox/complycube), registering the bridge's route for every event at start and signing with a
 * known secret, its control routes (testkit/complycube-sandbox-control.ts), and the real ComplyCube
 * activities against it. Checks complete 200 ms after creation; webhook retries are scaled down.
 */
import type { MeshCustomer } from '../../../src/contracts/customer';
import { createComplyCubeActivities } from '../../../src/providers/complycube/activities';
import { EXTERNAL_ID_METADATA_KEY } from '../../../src/providers/complycube/applicant';
import { isScreeningCheck } from '../../../src/providers/complycube/checks';
import { createComplyCubeClient } from '../../../src/providers/complycube/client';
import { loadComplyCubeConfig } from '../../../src/providers/complycube/config';
import {
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  DEFAULT_COMPLYCUBE_API_KEY,
  startComplyCubeSandbox,
  type ComplyCubeSandbox,
} from '../../../src/sandbox/complycube';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../../../src/sandbox/mesh';
import { ComplyCubeSandboxControl } from '../../../testkit/complycube-sandbox-control';
import { guidePerson } from '../../helpers/mesh-sandbox';
import { faultsAppliedOf, monitoringOf, type CustomerKind, type ProviderDriver } from '../driver';

/** docs/sandbox.md, "Checks and the names that decide them": the client's last name decides. */
const NAMES: Record<CustomerKind, string> = {
  clean: 'Jane Clear',
  hits: 'Jane Attention',
  // `not_processed`: no decision the adapter can read, so `unrecognised` (escalated review).
  prohibited: 'Jane Failed',
};

const DECISIONS = { approve: 'clear', reject: 'match_confirmed' } as const;

const quiet = { info: () => undefined, warn: () => undefined };

export function complyCubeDriver(): ProviderDriver {
  let started: { sandbox: ComplyCubeSandbox; control: ComplyCubeSandboxControl } | undefined;
  const current = () => {
    if (started === undefined) throw new Error('the ComplyCube sandbox is not started');
    return started;
  };
  const control = () => current().control;

  /** The sandbox's own records: every client carrying the external identifier, and their checks. */
  function held(externalIdentifier: string) {
    const store = current().sandbox.context.store;
    const clients = new Set(
      [...store.clients.values()]
        .filter(
          (c) =>
            c.externalId === externalIdentifier ||
            c.metadata?.[EXTERNAL_ID_METADATA_KEY] === externalIdentifier,
        )
        .map((c) => c.id),
    );
    const checks = [...store.checks.values()].filter(
      (check) => clients.has(check.clientId) && isScreeningCheck(check.type),
    );
    return { clients, checks };
  }

  return {
    provider: 'complycube',
    // The Mesh route needs a secret to be served at all; ComplyCube's is the sandbox's start secret.
    bridgeSecrets: {
      secrets: [SANDBOX_DEV_WEBHOOK_SECRET],
      complyCubeSecrets: [COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET],
    },
    webhookDecisionSource: 'provider-read',

    async start(bridge) {
      const sandbox = await startComplyCubeSandbox({
        checkDelayMs: 200,
        // The adapter's one-call-per-activity is proven by bench/; here a limit would only add 429s.
        rateLimitPerSecond: 0,
        // 60 s, 120 s, … become 6 ms, 12 ms, …: a refused delivery is retried within the scenario.
        webhookRetryScale: 0.0001,
        webhookUrls: [bridge.complyCubeUrl],
        webhookSecret: COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
        logLevel: 'silent',
      });
      started = { sandbox, control: new ComplyCubeSandboxControl(sandbox.url) };
    },

    async stop() {
      await started?.sandbox.close();
      started = undefined;
    },

    activities() {
      const config = loadComplyCubeConfig({
        COMPLYCUBE_BASE_URL: current().sandbox.url,
        COMPLYCUBE_API_KEY: DEFAULT_COMPLYCUBE_API_KEY,
        COMPLYCUBE_RETRY_BACKOFF: '1s',
      });
      return createComplyCubeActivities({
        complycube: createComplyCubeClient({ config }),
        config,
        logger: quiet,
      });
    },

    customer: (kind, externalIdentifier): MeshCustomer => guidePerson(NAMES[kind], externalIdentifier),

    async analystDecides(checkId, decision) {
      await control().decide(checkId, DECISIONS[decision], 'conformance suite: analyst decision');
    },

    async loseNextCreateResponse() {
      // Both creations of a screening: the client, then its check. Each retry looks before it creates.
      await control().addFault({
        kind: 'lost-response',
        count: 1,
        match: { method: 'POST', path: '^/v1/clients$' },
      });
      await control().addFault({
        kind: 'lost-response',
        count: 1,
        match: { method: 'POST', path: '^/v1/checks$' },
      });
    },

    async failNextCalls({ rateLimited, serverErrors }) {
      // 429s on the client lookup (retried after COMPLYCUBE_RETRY_BACKOFF), 5xx on the check creation
      // (whose retry looks for the check first, then creates it in a new step).
      await control().addFault({
        kind: 'rate-limit',
        count: rateLimited,
        match: { method: 'GET', path: '^/v1/clients' },
      });
      await control().addFault({
        kind: 'server-error',
        status: 503,
        count: serverErrors,
        match: { method: 'POST', path: '^/v1/checks$' },
      });
    },

    async dropEveryWebhook() {
      await control().addFault({ kind: 'drop-webhook' });
    },

    async faultsApplied() {
      return faultsAppliedOf(await control().faults());
    },

    holdings(externalIdentifier) {
      const { clients, checks } = held(externalIdentifier);
      return Promise.resolve({ subjects: clients.size, screenings: checks.length });
    },

    monitoring(externalIdentifier) {
      const { clients, checks } = held(externalIdentifier);
      // Monitoring belongs to checks: `on` only when every screening check of the client is watched.
      return Promise.resolve(
        clients.size === 0 ? 'none' : monitoringOf(checks.map((check) => check.enableMonitoring)),
      );
    },
  };
}
