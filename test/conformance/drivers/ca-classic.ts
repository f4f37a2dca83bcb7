/**
 * The ComplyAdvantage classic driver of the conformance suite: the CA-classic sandbox in process
 * (src/sandbox/ca-classic), sending its unsigned webhooks to the bridge's token route, its control routes
 * (testkit/ca-classic-sandbox-control.ts), and the real CA-classic activities against it. A search answers
 * synchronously; its analyst decides by setting the search's `match_status` in the "web app".
 */
import type { MeshCustomer } from '../../../src/contracts/customer';
import { createCaClassicActivities } from '../../../src/providers/ca-classic/activities';
import { createCaClassicClient } from '../../../src/providers/ca-classic/client';
import { loadCaClassicConfig } from '../../../src/providers/ca-classic/config';
import {
  DEFAULT_CA_CLASSIC_API_KEY,
  startCaClassicSandbox,
  type CaClassicSandbox,
} from '../../../src/sandbox/ca-classic';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../../../src/sandbox/mesh';
import { CaClassicSandboxControl } from '../../../testkit/ca-classic-sandbox-control';
import { guidePerson } from '../../helpers/mesh-sandbox';
import { faultsAppliedOf, monitoringOf, type CustomerKind, type ProviderDriver } from '../driver';

/** docs/providers/ca-classic-sandbox.md: the searched name decides. */
const NAMES: Record<CustomerKind, string> = {
  clean: 'Jane Clear',
  hits: 'Robert Mugabe',
  // CA classic has no outright prohibition: its worst answer is a high-risk potential match (7 hits).
  prohibited: 'Vladimir Putin',
};

const DECISIONS = { approve: 'false_positive', reject: 'true_positive_reject' } as const;

const TOKEN = 'conformance-ca-classic-token';

let range = (Date.now() % 1_000_000) * 1_000;
const nextRange = () => (range += 1_000);

const quiet = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

export function caClassicDriver(): ProviderDriver {
  let started: { sandbox: CaClassicSandbox; control: CaClassicSandboxControl } | undefined;
  const current = () => {
    if (started === undefined) throw new Error('the ComplyAdvantage classic sandbox is not started');
    return started;
  };
  const control = () => current().control;

  return {
    provider: 'ca-classic',
    // The Mesh route needs a secret to be served at all; CA classic's webhooks carry only the URL token.
    bridgeSecrets: { secrets: [SANDBOX_DEV_WEBHOOK_SECRET], caClassicTokens: [TOKEN] },
    webhookDecisionSource: 'provider-read',

    async start(bridge) {
      const sandbox = await startCaClassicSandbox({
        webhookUrls: [bridge.caClassicUrl],
        logLevel: 'silent',
        // One id range per scenario: the dev server outlives each sandbox, and so do its search inboxes.
        firstSearchId: nextRange(),
      });
      started = { sandbox, control: new CaClassicSandboxControl(sandbox.url) };
    },

    async stop() {
      await started?.sandbox.close();
      started = undefined;
    },

    activities() {
      const config = loadCaClassicConfig({
        CA_CLASSIC_BASE_URL: current().sandbox.url,
        CA_CLASSIC_API_KEY: DEFAULT_CA_CLASSIC_API_KEY,
        CA_CLASSIC_SEARCH_PROFILE: 'sandbox-standard',
        CA_CLASSIC_TAG_NAME: 'kyc_ref',
      });
      return createCaClassicActivities({
        api: createCaClassicClient({ config, logger: quiet }),
        config,
        logger: quiet,
      });
    },

    customer(kind, externalIdentifier): MeshCustomer {
      const customer = guidePerson(NAMES[kind], externalIdentifier);
      // The sample entities carry their own birth years: a filter on the applicant's would hide them.
      if (kind !== 'clean') delete customer['date_of_birth'];
      return customer;
    },

    async analystDecides(searchId, decision) {
      await control().decide(Number(searchId), { match_status: DECISIONS[decision] });
    },

    async loseNextCreateResponse() {
      await control().addFault({
        kind: 'lost-response',
        count: 1,
        match: { method: 'POST', path: '^/searches$' },
      });
    },

    async failNextCalls({ rateLimited, serverErrors }) {
      await control().addFault({
        kind: 'rate-limit',
        count: rateLimited,
        match: { method: 'POST', path: '^/searches$' },
      });
      await control().addFault({
        kind: 'server-error',
        count: serverErrors,
        match: { method: 'PATCH', path: '/monitors$' },
      });
    },

    async dropEveryWebhook() {
      await control().addFault({ kind: 'drop-webhook' });
    },

    async faultsApplied() {
      return faultsAppliedOf(await control().faults());
    },

    async holdings(externalIdentifier) {
      const searches = await control().searchesOf(externalIdentifier);
      return { subjects: searches.length > 0 ? 1 : 0, screenings: searches.length };
    },

    async monitoring(externalIdentifier) {
      const searches = await control().searchesOf(externalIdentifier);
      return monitoringOf(searches.map((search) => search.is_monitored));
    },
  };
}
