import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installTestRuntime } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import { historyFromJson } from '../../testkit/history-json';

/**
 * Replays the recorded histories of real onboardings (test/fixtures/histories, recorded by
 * scripts/dev/record-histories.ts against the dev server and the sandbox) on today's workflow code.
 * A change that would break runs already in flight (a new activity, a reordered step, a timer
 * without `patched()`) fails here, in CI, instead of stalling thousands of waiting onboardings.
 */
const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');
const histories = readdirSync(HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJson(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
  }));

beforeAll(() => {
  installTestRuntime();
});

/** Replays every history on the workflows at `workflowsPath`; the error (or none) per file. */
async function replayAll(workflowsPath: string): Promise<Record<string, string | undefined>> {
  const workflowBundle = await bundleOnce(workflowsPath);
  const outcome: Record<string, string | undefined> = {};
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    outcome[`${result.workflowId}.json`] = result.error?.name;
  }
  return outcome;
}

describe('onboardCustomer replay of recorded histories', () => {
  it('has the recorded runs to replay, from before and after runs recorded their terms', () => {
    expect(histories.map((h) => h.file)).toEqual(
      expect.arrayContaining([
        // Started with configuration and policy in the input, before the patches of onboarding-patches.ts.
        'approve-straight-through.json',
        'prohibited-reject.json',
        'review-positive-decision.json',
        'review-update-then-case-check-negative.json',
        // Started with the customer alone: terms, confirmed decisions, Updates, cleanup on cancel.
        'terms-approve-straight-through.json',
        'terms-review-confirmed-webhook-positive.json',
        'terms-officer-approves-partial-positive.json',
        'terms-amend-then-case-check-negative.json',
        'terms-cancelled-monitoring-off.json',
      ]),
    );
  });

  it.each(histories.map((h) => [h.file, h] as const))(
    'replays %s on the current workflow code without nondeterminism',
    async (_file, { history, workflowId }) => {
      const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));
      await expect(Worker.runReplayHistory({ workflowBundle }, history, workflowId)).resolves.toBeUndefined();
    },
  );

  it('fails every history on a workflow whose steps changed, so such a change cannot pass CI', async () => {
    const outcome = await replayAll(require.resolve('./fixtures/changed-onboarding'));
    expect(Object.keys(outcome).sort()).toEqual(histories.map((h) => h.file));
    for (const error of Object.values(outcome)) expect(error).toBe(DeterminismViolationError.name);
  });
});
