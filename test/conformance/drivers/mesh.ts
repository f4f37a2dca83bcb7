/**
 * The Mesh driver of the conformance suite: the Mesh sandbox in process (test/helpers/mesh-sandbox.ts),
 * its case webhooks registered for the bridge as an operator does it (`npm run register-webhooks`), and
 * the real Mesh activities against it. Background steps (case creation after a screening) take 200 ms,
 * the sandbox's default.
 */
import { createActivities } from '../../../src/activities';
import {
  DEFAULT_NAME_PREFIX,
  DEFAULT_WEBHOOK_TYPES,
  registerWebhooks,
} from '../../../src/register-webhooks/register';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../../../src/sandbox/mesh';
import { guidePerson, startHarness, type SandboxHarness } from '../../helpers/mesh-sandbox';
import { faultsAppliedOf, monitoringOf, type CustomerKind, type ProviderDriver } from '../driver';

/** Names of docs/sandbox.md's screening table. */
const NAMES: Record<CustomerKind, string> = {
  clean: 'Test CleanUser',
  hits: 'Victor Bout',
  prohibited: 'Pablo Prohibited',
};

const DECISIONS = { approve: 'POSITIVE', reject: 'NEGATIVE' } as const;

const quiet = { info: () => undefined, warn: () => undefined };

export function meshDriver(): ProviderDriver {
  let started: SandboxHarness | undefined;
  const harness = (): SandboxHarness => {
    if (started === undefined) throw new Error('the Mesh sandbox is not started');
    return started;
  };

  return {
    provider: 'mesh',
    bridgeSecrets: { secrets: [SANDBOX_DEV_WEBHOOK_SECRET] },
    webhookDecisionSource: 'webhook',

    async start(bridge) {
      // A refused delivery is retried within the scenario (Mesh's own schedule is 1 s, 5 s, 10 s).
      started = await startHarness({ webhookRetryDelaysMs: [100, 500, 1_000] });
      await registerWebhooks(
        started.client(),
        {
          url: bridge.meshUrl,
          types: [...DEFAULT_WEBHOOK_TYPES],
          namePrefix: DEFAULT_NAME_PREFIX,
          dryRun: false,
        },
        () => undefined,
      );
    },

    async stop() {
      await started?.close();
      started = undefined;
    },

    // A client of its own (its own token): the run's first call is then a token request, as in a fresh worker.
    activities: () => createActivities({ mesh: harness().client(), logger: quiet }),

    customer: (kind, externalIdentifier) => guidePerson(NAMES[kind], externalIdentifier),

    analystDecides: (caseIdentifier, decision) =>
      harness().decideCase(caseIdentifier, DECISIONS[decision], 'conformance suite: analyst decision'),

    // The customer is created and screened; a retry meets it as a duplicate and recovers it.
    loseNextCreateResponse: () => harness().loseNextScreeningAnswer(),

    async failNextCalls({ rateLimited, serverErrors }) {
      // Create-and-screen is the only call of a clean screening, besides the token the first attempt
      // fetches. One activity retries both: 5xx first (Temporal's backoff, 2 s then 4 s), then the 429s
      // (Ratelimit-Reset: 1 s each); 429s first would put the 5xx on the third attempt (8 s, 16 s).
      await harness().addFault({
        kind: 'server-error',
        status: 503,
        count: serverErrors,
        match: { method: 'POST', path: '^/v[23]/token' },
      });
      await harness().addFault({
        kind: 'rate-limit',
        resetSeconds: 1,
        count: rateLimited,
        match: { method: 'POST', path: 'create-and-screen' },
      });
    },

    dropEveryWebhook: () => harness().addFault({ kind: 'drop-webhook' }),

    async faultsApplied() {
      return faultsAppliedOf(await harness().faults());
    },

    holdings(externalIdentifier) {
      // The sandbox's own records, not its API: a duplicate would be counted even if no route showed it.
      const store = harness().sandbox.context.store;
      const customers = new Set(
        [...store.customers.values()]
          .filter((c) => c.externalIdentifier === externalIdentifier)
          .map((c) => c.identifier),
      );
      const screenings = [...store.workflows.values()].filter(
        (wf) =>
          wf.customerIdentifier !== undefined &&
          customers.has(wf.customerIdentifier) &&
          (wf.kind === 'update-and-rescore' || wf.steps.get('customer-creation')?.status === 'COMPLETED'),
      );
      return Promise.resolve({ subjects: customers.size, screenings: screenings.length });
    },

    async monitoring(externalIdentifier) {
      const customers = (await harness().customers()).filter(
        (c) => c.external_identifier === externalIdentifier,
      );
      return monitoringOf(customers.map((c) => c.monitoring_enabled));
    },
  };
}
