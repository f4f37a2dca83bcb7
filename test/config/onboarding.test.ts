import { ConfigError } from '../../src/platform/config/env';
import { loadOnboardingDefaults, loadOnboardingPolicyConfig } from '../../src/worker/onboarding-defaults';
import { DEFAULT_ONBOARDING_POLICY } from '../../src/contracts/onboarding';

/** The worker's review policy: the default of every onboarding, refused at start when it makes no sense. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadOnboardingPolicyConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the worker review policy (REVIEW_*, PARTIAL_POSITIVE_POLICY)', () => {
  it('defaults to the compliance team defaults, and takes durations', () => {
    expect(loadOnboardingPolicyConfig({})).toEqual(DEFAULT_ONBOARDING_POLICY);
    expect(
      loadOnboardingDefaults('cfg-1', {
        REVIEW_POLL_INTERVAL: '5s',
        REVIEW_REMINDER: '1m',
        REVIEW_DEADLINE: '2m',
      }),
    ).toEqual({
      screeningConfigurationIdentifier: 'cfg-1',
      policy: {
        ...DEFAULT_ONBOARDING_POLICY,
        reviewPollIntervalMs: 5_000,
        reviewReminderMs: 60_000,
        reviewDeadlineMs: 120_000,
      },
    });
  });

  it.each([
    [{ REVIEW_POLL_INTERVAL: '0' }, 'REVIEW_POLL_INTERVAL: must be at least 1s'],
    [{ REVIEW_POLL_INTERVAL: '500ms' }, 'REVIEW_POLL_INTERVAL: must be at least 1s'],
    [{ REVIEW_POLL_INTERVAL: '-5s' }, 'REVIEW_POLL_INTERVAL: expected a duration'],
    [{ REVIEW_POLL_JITTER: '1.5' }, 'REVIEW_POLL_JITTER: expected a fraction between 0 and 1'],
    [{ REVIEW_REMINDER: '31d' }, 'REVIEW_REMINDER: must not be later than REVIEW_DEADLINE'],
    [{ REVIEW_DEADLINE: '0' }, 'REVIEW_DEADLINE: must be at least 1s'],
    [{ PARTIAL_POSITIVE_POLICY: 'approve' }, 'PARTIAL_POSITIVE_POLICY: expected escalate or reject'],
  ])('refuses %o at start, naming the variable', (env, problem) => {
    expect(problemsOf(env)).toEqual(expect.arrayContaining([expect.stringContaining(problem)]));
  });

  it('keeps short intervals of a few seconds valid (tests and drills use them)', () => {
    expect(problemsOf({ REVIEW_POLL_INTERVAL: '2s', REVIEW_REMINDER: '3s', REVIEW_DEADLINE: '10s' })).toEqual(
      [],
    );
  });
});
