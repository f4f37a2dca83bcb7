import type { WorkerOptions } from '@temporalio/worker';
import { createActivities, createOnboardingTermsActivities } from '../activities';
import type { ApplicantCheck } from '../activities/onboarding-terms';
import { meshTaskQueue, type OnboardingDefaults } from '../contracts/onboarding';
import type { ComplyCubeActivities, ScreeningActivities } from '../contracts/screening-activities';
import { coreTaskQueue, type CoreBankingActivities } from '../contracts/core-banking';
import { riskTaskQueue, type RiskActivities } from '../contracts/risk';
import { providerTaskQueue, type ScreeningProviderName } from '../contracts/screening-provider';
import type { MeshApi } from '../providers/mesh/api';
import type { WorkerConfig } from './config';
import type { DeploymentVersion } from './deployment';
import type { MeshRateLimitPlan, PerSecondRateLimitPlan } from './rate-plan';

/**
 * The options of the worker's two workers, built from the configuration: src/worker/main.ts runs them,
 * bench/mesh-rate-limit.ts measures exactly these settings.
 */
type ConnectionOptions = Pick<WorkerOptions, 'connection' | 'namespace' | 'dataConverter'>;

/**
 * Both workers of a process are one deployment version: a run pinned to it gets its workflow tasks and its
 * Mesh calls from the same build. Each workflow type declares its own behaviour (PINNED for onboardings and
 * reviews, AUTO_UPGRADE for the short operations); the default only covers a type that forgot to.
 */
export function versioningOptions(
  version: DeploymentVersion | undefined,
): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (version === undefined) return {};
  return {
    workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' },
  };
}

/**
 * The workflow worker: orchestration, plus the local activity that gives each new onboarding its
 * terms from `defaults` (MESH_SCREENING_CONFIGURATION_ID and the REVIEW_* policy). Every Mesh call
 * lives on the Mesh queue.
 */
export function workflowWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
  defaults: OnboardingDefaults,
  version?: DeploymentVersion,
  applicantChecks: Partial<Record<ScreeningProviderName, ApplicantCheck>> = {},
): WorkerOptions {
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =
    config.workflowBundlePath !== undefined
      ? { workflowBundle: { codePath: config.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') };
  return {
    ...base,
    ...workflowSource,
    ...versioningOptions(version),
    // Thousands of runs wait for review for days; cached ones wake without replaying their history.
    maxCachedWorkflows: config.maxCachedWorkflows,
    // How long a run stalls when this worker dies with a task on its sticky queue (config.ts says why 10 s).
    stickyQueueScheduleToStartTimeout: config.stickyQueueScheduleToStartTimeoutMs,
    // Workflow tasks are short CPU bursts; the SDK's usual 40 keeps a small machine responsive.
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    // Local activities only: no polling for activity tasks on this queue, and no eager dispatch that
    // would skip the Mesh queue's rate limit (Mesh activities are scheduled on another queue anyway).
    activities: createOnboardingTermsActivities(defaults, applicantChecks),
    enableNonLocalActivities: false,
    // The SDK still wants a positive number.
    maxConcurrentActivityTaskExecutions: 1,
    // Workflow tasks finish in milliseconds; the same grace time as the Mesh worker keeps one setting.
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

/** The Mesh activity worker: every Mesh call of the account passes this queue's server-side rate limit. */
export function meshWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
  plan: MeshRateLimitPlan,
  mesh: MeshApi,
  version?: DeploymentVersion,
): WorkerOptions {
  return {
    ...base,
    ...versioningOptions(version),
    taskQueue: meshTaskQueue(base.taskQueue),
    activities: createActivities({ mesh }),
    // Enforced by the server across all workers polling the queue: the account-wide provider budget.
    // Every worker must use the same value: the last poller's value wins on the server.
    maxTaskQueueActivitiesPerSecond: plan.activitiesPerSecond,
    // Little's law: the allowed rate times a 10 s worst-case call (4.85/s × 10 s ≈ 49 at 300/min).
    maxConcurrentActivityTaskExecutions: config.meshActivitySlots,
    // Longer than one Mesh request (10 s timeout), so calls in flight finish instead of being sent again.
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

/**
 * The ComplyCube activity worker: every ComplyCube call of the account passes this queue's server-side
 * rate limit, planned per second (ComplyCube allows no burst, src/worker/rate-plan.ts).
 */
export function complyCubeWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
  plan: PerSecondRateLimitPlan,
  activities: ScreeningActivities & ComplyCubeActivities,
  version?: DeploymentVersion,
): WorkerOptions {
  return {
    ...base,
    ...versioningOptions(version),
    taskQueue: providerTaskQueue(base.taskQueue, 'complycube'),
    activities,
    maxTaskQueueActivitiesPerSecond: plan.activitiesPerSecond,
    maxConcurrentActivityTaskExecutions: config.complyCubeActivitySlots,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

/**
 * The risk activity worker (`<queue>-risk`): one customer-checks call per activity. The reference gives no
 * rate limit; each run calls it once (and once per amendment), so the screening queue's budget bounds it.
 */
export function riskWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
  activities: RiskActivities,
  version?: DeploymentVersion,
): WorkerOptions {
  return {
    ...base,
    ...versioningOptions(version),
    taskQueue: riskTaskQueue(base.taskQueue),
    activities,
    maxConcurrentActivityTaskExecutions: 20,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

/**
 * The COS activity worker (`<queue>-cos`): every core-banking call passes this queue's server-side rate
 * limit (COS_RATE_LIMIT_PER_SECOND; the reference documents none, 429s are retried with Retry-After).
 */
export function cosWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
  activities: CoreBankingActivities,
  ratePerSecond: number,
  version?: DeploymentVersion,
): WorkerOptions {
  return {
    ...base,
    ...versioningOptions(version),
    taskQueue: coreTaskQueue(base.taskQueue),
    activities,
    maxTaskQueueActivitiesPerSecond: ratePerSecond,
    maxConcurrentActivityTaskExecutions: 20,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}
