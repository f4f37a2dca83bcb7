import {
  bucketPerPartition,
  burstPerPartition,
  DEFAULT_RESERVED_PER_MINUTE,
  meshRateLimitPlan,
  reviewPollCallsPerMinute,
  reviewPollIntervalMsFor,
  worstCaseActivitiesPerMinute,
} from '../../src/worker/rate-plan';
import { DEFAULT_ONBOARDING_POLICY } from '../../src/contracts/onboarding';

describe('meshRateLimitPlan', () => {
  it('gives the default account (300/min) 4.75 activities/s over 4 partitions: worst 60 s window 297, 3 requests/min left for other calls', () => {
    const plan = meshRateLimitPlan(300);
    expect(plan.activitiesPerSecond).toBe(4.75);
    expect(plan.burstPerPartition).toBe(3);
    expect(plan.burst).toBe(12);
    expect(plan.worstCaseActivitiesPerMinute).toBe(297);
    expect(plan.headroomPerMinute).toBe(DEFAULT_RESERVED_PER_MINUTE);
  });

  it('gives a one-partition Mesh queue (the local stack, the compose stack) 4.85 activities/s: one burst of 6, worst window 297', () => {
    const plan = meshRateLimitPlan(300, { partitions: 1 });
    expect(plan.activitiesPerSecond).toBe(4.85);
    expect(plan.burst).toBe(6);
    expect(plan.worstCaseActivitiesPerMinute).toBe(297);
    expect(plan.headroomPerMinute).toBe(3);
  });

  it('drains 1,000 queued onboardings at 300/min within the 211 s of issue 6 on a one-partition Mesh queue', () => {
    // The burst starts at once, the rest follow at the rate; the last call then takes up to 3 s. (With
    // four partitions the arithmetic alone would also fit, but each partition drains its own uneven share
    // of the backlog at a quarter of the rate: 227.6 s measured, docs/workflow.md.)
    const plan = meshRateLimitPlan(300, { partitions: 1 });
    expect((1000 - plan.burst) / plan.activitiesPerSecond + 3).toBeLessThanOrEqual(211);
  });

  it('plans the benchmark account (60/min) at 0.81 activities per second with two tasks of burst per partition', () => {
    const plan = meshRateLimitPlan(60);
    expect(plan.activitiesPerSecond).toBe(0.81);
    expect(plan.burst).toBe(8);
    expect(plan.worstCaseActivitiesPerMinute).toBe(57);
  });

  it('keeps a larger reserve when asked: 4.70 activities/s with 6 requests/min kept free', () => {
    const plan = meshRateLimitPlan(300, { reservedPerMinute: 6 });
    expect(plan.activitiesPerSecond).toBe(4.7);
    expect(plan.worstCaseActivitiesPerMinute).toBe(294);
    expect(plan.headroomPerMinute).toBe(6);
  });

  it.each([1, 10, 60, 100, 299, 300, 301, 1000, 1200, 6000])(
    'never lets the worst 60 s window of a %i/min account reach into the reserve, for 1 to 8 partitions',
    (limit) => {
      for (let partitions = 1; partitions <= 8; partitions += 1) {
        const plan = meshRateLimitPlan(limit, { partitions });
        if (plan.activitiesPerSecond > 0.01)
          expect(plan.worstCaseActivitiesPerMinute).toBeLessThanOrEqual(limit - DEFAULT_RESERVED_PER_MINUTE);
        expect(plan.worstCaseActivitiesPerMinute).toBe(
          Math.ceil(worstCaseActivitiesPerMinute(plan.activitiesPerSecond, partitions)),
        );
      }
    },
  );

  it('picks the highest rate in hundredths: one hundredth more would reach into the reserve', () => {
    for (const limit of [60, 300, 1000]) {
      const plan = meshRateLimitPlan(limit);
      const faster = Math.round(plan.activitiesPerSecond * 100 + 1) / 100;
      expect(worstCaseActivitiesPerMinute(faster, 4)).toBeGreaterThan(limit - DEFAULT_RESERVED_PER_MINUTE);
    }
  });

  it('gives fewer partitions a higher rate, since fewer buckets can burst at once', () => {
    expect(meshRateLimitPlan(300, { partitions: 1 }).activitiesPerSecond).toBeGreaterThan(
      meshRateLimitPlan(300, { partitions: 8 }).activitiesPerSecond,
    );
  });

  it('rejects a partition count or reserve that cannot be right', () => {
    expect(() => meshRateLimitPlan(300, { partitions: 0 })).toThrow(/partitions/);
    expect(() => meshRateLimitPlan(300, { reservedPerMinute: -1 })).toThrow(/reservedPerMinute/);
    expect(() => meshRateLimitPlan(300, { reservedPerMinute: 1.5 })).toThrow(/reservedPerMinute/);
  });
});

describe('bucketPerPartition', () => {
  it('is the rounded-up share of the rate, never less than one task (Temporal matching)', () => {
    expect(bucketPerPartition(4.36, 4)).toBe(2);
    expect(bucketPerPartition(4.36, 1)).toBe(5);
    expect(bucketPerPartition(0.83, 4)).toBe(1);
    expect(bucketPerPartition(8, 4)).toBe(2);
  });
});

describe('burstPerPartition', () => {
  it('adds the one task per partition measured to slip past before the rate arrives', () => {
    // Measured: 4 partitions at 4.36/s started 12 tasks at once, 1 partition 6, 4 partitions at 0.83/s 8.
    expect(4 * burstPerPartition(4.36, 4)).toBe(12);
    expect(burstPerPartition(4.36, 1)).toBe(6);
    expect(4 * burstPerPartition(0.83, 4)).toBe(8);
  });
});

describe('review poll arithmetic', () => {
  it('needs at least 5.56 h between checks for 10,000 waiting customers to use a tenth of 300/min', () => {
    const ms = reviewPollIntervalMsFor(10_000, 300);
    expect(ms).toBe(20_000_000);
    expect(reviewPollCallsPerMinute(10_000, ms)).toBeLessThanOrEqual(30);
  });

  it('keeps the default 6 h interval (jitter only lengthens it) at 27.8 checks a minute, under the 30 allowed', () => {
    expect(DEFAULT_ONBOARDING_POLICY.reviewPollIntervalMs).toBeGreaterThanOrEqual(
      reviewPollIntervalMsFor(10_000, 300),
    );
    expect(reviewPollCallsPerMinute(10_000, DEFAULT_ONBOARDING_POLICY.reviewPollIntervalMs)).toBeCloseTo(
      27.78,
      2,
    );
  });
});
