import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installTestRuntime } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import { historyFromJson, startOf } from '../../testkit/history-json';
import * as workflows from '../../src/workflows';

/**
 * Replays the recorded histories of real runs of every workflow type (test/fixtures/histories, recorded by
 * `npm run record-histories` against the dev server and the sandbox) on today's workflow code. A change
 * that would break runs already in flight (a new activity, a reordered step, a timer without `patched()`)
 * fails here, in CI, instead of stalling thousands of waiting onboardings. Each history is replayed on
 * the workflow type its first event names.
 */
const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');
const histories = readdirSync(HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => {
    const history = historyFromJson(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
    const { workflowType, workflowId } = startOf(history);
    return { file, workflowType, workflowId: workflowId ?? file, history };
  });
const typeOf = new Map(histories.map((h) => [h.file, h.workflowType]));

/**
 * The corpus as a checklist: each branch and the histories that stand for it, with their workflow type.
 * A new branch gets a scenario in scripts/dev/record-histories.ts and a line here.
 */
const CHECKLIST: readonly (readonly [branch: string, workflowType: string, files: readonly string[]])[] = [
  [
    'onboarding started with configuration and policy in the input (before runs recorded their terms)',
    'onboardCustomer',
    [
      'approve-straight-through.json',
      'prohibited-reject.json',
      'review-positive-decision.json',
      'review-update-then-case-check-negative.json',
    ],
  ],
  ['onboarding approved straight through', 'onboardCustomer', ['terms-approve-straight-through.json']],
  ['onboarding rejected: risk level PROHIBITED', 'onboardCustomer', ['terms-prohibited-reject.json']],
  [
    'review approved by the analyst (POSITIVE webhook, confirmed)',
    'onboardCustomer',
    ['terms-review-confirmed-webhook-positive.json'],
  ],
  [
    'review rejected by the analyst (NEGATIVE webhook, confirmed)',
    'onboardCustomer',
    ['terms-review-confirmed-webhook-negative.json'],
  ],
  [
    'PARTIAL_POSITIVE escalated, then approved or rejected by a compliance officer (decide)',
    'onboardCustomer',
    ['terms-officer-approves-partial-positive.json', 'terms-officer-rejects-partial-positive.json'],
  ],
  [
    'lost webhook: the decision found by the case check',
    'onboardCustomer',
    ['terms-case-check-finds-lost-decision.json', 'terms-amend-then-case-check-negative.json'],
  ],
  [
    'customer data amended during review (amendCustomer), re-scored, PROHIBITED included',
    'onboardCustomer',
    ['terms-amend-then-case-check-negative.json', 'terms-amend-rescored-prohibited-reject.json'],
  ],
  [
    'withdrawn: the withdrawApplication Update, and the withdraw signal of an offboarding',
    'onboardCustomer',
    ['terms-withdraw-application-update.json', 'terms-withdrawn-by-offboarding-signal.json'],
  ],
  ['cancelled: monitoring switched off', 'onboardCustomer', ['terms-cancelled-monitoring-off.json']],
  [
    'review reminder (overdue), then decided',
    'onboardCustomer',
    ['terms-review-reminder-then-approved.json'],
  ],
  ['review deadline: EXPIRED', 'onboardCustomer', ['terms-review-deadline-expired.json']],
  [
    'a long review continued as new, and the run it continued into',
    'onboardCustomer',
    ['terms-review-continued-as-new.json', 'terms-review-continued-run-approved.json'],
  ],
  [
    'updateCustomerData: re-scored, and re-scored PROHIBITED starting an offboarding',
    'updateCustomerData',
    ['update-customer-data-rescored.json', 'update-customer-data-prohibited-starts-offboarding.json'],
  ],
  [
    'setCustomerMonitoring off (by external identifier) and on (by Mesh id)',
    'setCustomerMonitoring',
    ['set-customer-monitoring-off.json', 'set-customer-monitoring-on.json'],
  ],
  [
    'offboardCustomer: after onboarding, withdrawing a running onboarding, started by a monitoring case',
    'offboardCustomer',
    [
      'offboard-customer-after-onboarding.json',
      'offboard-customer-withdraws-onboarding.json',
      'offboard-customer-from-monitoring-case.json',
    ],
  ],
  [
    'monitoring case NEGATIVE: marked for offboarding, offboarding started',
    'monitoringCaseReview',
    ['monitoring-case-negative-starts-offboarding.json'],
  ],
  [
    'monitoring case review continued as new, and the run it continued into (CLEARED)',
    'monitoringCaseReview',
    ['monitoring-case-continued-as-new.json', 'monitoring-case-continued-run-cleared.json'],
  ],
  // ComplyCube (`screening: { provider: 'complycube' }`): the check answers pending, its event's inbox
  // reads it and hands the onboarding a provider-read decision.
  [
    'ComplyCube: the check completes clear after screening, read by the event inbox: APPROVED',
    'onboardCustomer',
    ['complycube-approve-after-check-event.json'],
  ],
  [
    'ComplyCube: matches (attention) in review, the analyst clears them (APPROVED) or confirms one (REJECTED, monitoring off)',
    'onboardCustomer',
    ['complycube-review-analyst-clears.json', 'complycube-review-analyst-confirms-match-rejected.json'],
  ],
  [
    'ComplyCube: not_processed (unrecognised) escalated to review, then withdrawn (withdrawApplication)',
    'onboardCustomer',
    ['complycube-not-processed-escalated-withdrawn.json'],
  ],
  [
    "Tenants: the primary (CA classic, the tenant's own account) unavailable past the failover window: screened at the Mesh fallback, the primary reconciled",
    'onboardCustomer',
    [
      'tenants-failover-primary-down-screened-at-fallback.json',
      'ca-classic-hits-analyst-approves-by-webhook.json',
    ],
  ],
  [
    'reconcileAbandonedScreening: the customer found at the abandoned provider once it is back, its monitoring switched off',
    'reconcileAbandonedScreening',
    ['reconcile-abandoned-screening-found-monitoring-off.json'],
  ],
  [
    'caClassicSearchEvents (recorded open, idle): a webhook re-read the search and handed the decision to the onboarding',
    'caClassicSearchEvents',
    ['ca-classic-search-events-onboarding-decided.json'],
  ],
  [
    "complyCubeCheckEvents (recorded open, idle): two reads of the check handed to the onboarding; a monitoring event starting a review, the ended onboarding's signals refused",
    'complyCubeCheckEvents',
    [
      'complycube-check-events-onboarding-decided.json',
      'complycube-check-events-starts-monitoring-review.json',
    ],
  ],
  [
    'ComplyCube monitoring finding: review (decision only after the check was seen open) marked for offboarding',
    'monitoringCaseReview',
    ['complycube-monitoring-case-match-confirmed-starts-offboarding.json'],
  ],
  [
    "ComplyCube offboarding: monitoring off check by check (the client's checks listed, then updated)",
    'offboardCustomer',
    ['complycube-offboard-customer-from-monitoring-case.json'],
  ],
  [
    'complyCubeWebhookHealth: the check of our webhook registrations',
    'complyCubeWebhookHealth',
    ['complycube-webhook-health.json'],
  ],
  // Around screening (a worker whose defaults carry risk, core and Mesh's extensive profile): the risk score
  // chooses the screening, an approved onboarding starts its core-banking customer (an abandoned child).
  [
    'risk score low (standard route), clean screening: APPROVED, the core-banking customer started',
    'onboardCustomer',
    ['risk-standard-approved-starts-core.json'],
  ],
  [
    'risk score high (enhanced route): extensive screening profile, clean, held for an officer (decide APPROVE): APPROVED, core started',
    'onboardCustomer',
    ['risk-enhanced-officer-approves.json'],
  ],
  [
    'core-banking customer, address and phone created; scans read Pending, then Clear after a coreEvent: CORE_READY',
    'coreCustomerOnboarding',
    ['core-customer-ready-after-event.json'],
  ],
  [
    'core-banking customer without a phone: CORE_INCOMPLETE before anything is created, amendCustomer supplies it: CORE_READY',
    'coreCustomerOnboarding',
    ['core-customer-incomplete-then-amended.json'],
  ],
  [
    'core OFAC Failed, Reviewing, then Positive (each read after its event): CORE_DECLINED, offboarding started',
    'coreCustomerOnboarding',
    ['core-customer-ofac-positive-declined.json'],
  ],
  [
    'core PEP hit: CORE_REVIEW, accepted by an officer (decide APPROVE): CORE_READY',
    'coreCustomerOnboarding',
    ['core-customer-pep-officer-approves.json'],
  ],
  [
    'coreCustomerReview: a CORE_READY customer rescanned OFAC Positive: CORE_DECLINED, offboarding started',
    'coreCustomerReview',
    ['core-review-ofac-positive-offboards.json'],
  ],
];

beforeAll(() => {
  installTestRuntime();
});

type Recorded = (typeof histories)[number];

/** Replays `recorded` on the workflows at `workflowsPath` in one replay worker; the error (or none) per file. */
async function replayAll(
  workflowsPath: string,
  recorded: readonly Recorded[] = histories,
): Promise<Map<string, Error | undefined>> {
  const workflowBundle = await bundleOnce(workflowsPath);
  const outcome = new Map<string, Error | undefined>();
  // One history at a time, results in the order given: the n-th result is the n-th file's.
  let i = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle }, recorded)) {
    outcome.set(recorded[i++]!.file, result.error);
  }
  return outcome;
}

describe('the replay corpus', () => {
  it.each(CHECKLIST.map(([branch, type, files]) => [branch, type, files] as const))(
    'has histories of: %s',
    (_branch, workflowType, files) => {
      for (const file of files) expect([file, typeOf.get(file)]).toEqual([file, workflowType]);
    },
  );

  it('has at least one history of every workflow type the worker registers, and only of those', () => {
    const registered = Object.keys(workflows).sort();
    expect([...new Set(typeOf.values())].sort()).toEqual(registered);
  });
});

describe('replay of the recorded histories on the current workflow code', () => {
  let outcome: Map<string, Error | undefined>;

  beforeAll(async () => {
    outcome = await replayAll(require.resolve('../../src/workflows'));
  });

  it.each(histories.map((h) => [h.file, h.workflowType] as const))(
    'replays %s (%s) without nondeterminism',
    (file) => {
      expect(outcome.has(file)).toBe(true);
      const error = outcome.get(file);
      expect(error === undefined ? undefined : `${error.name}: ${error.message}`).toBeUndefined();
    },
  );
});

describe('replay on a changed onboardCustomer', () => {
  // The changed module defines onboardCustomer only: the other types' histories would fail for want of
  // their code, which proves nothing, so only the onboarding's are replayed on it.
  const onboardings = histories.filter((h) => h.workflowType === 'onboardCustomer');

  it('fails every onboarding history with a nondeterminism error, so such a change cannot pass CI', async () => {
    const outcome = await replayAll(require.resolve('./fixtures/changed-onboarding'), onboardings);
    expect([...outcome].map(([file, error]) => [file, error?.name])).toEqual(
      onboardings.map((h) => [h.file, DeterminismViolationError.name]),
    );
  });
});
