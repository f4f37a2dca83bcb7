import { workflowInfo } from '@temporalio/workflow';
import type { VersioningBehavior, WorkflowDefinitionOptions } from '@temporalio/common';

/**
 * How each workflow type moves between worker versions (Worker Versioning, docs/deploying.md): the long
 * ones stay on the build they started on, continue-as-new included; the short operations move to the
 * current version at their next task, so a change to them needs patched() (CONTRIBUTING.md).
 */
export const VERSIONING_BEHAVIOR = {
  onboardCustomer: 'PINNED',
  monitoringCaseReview: 'PINNED',
  updateCustomerData: 'AUTO_UPGRADE',
  setCustomerMonitoring: 'AUTO_UPGRADE',
  offboardCustomer: 'AUTO_UPGRADE',
  complyCubeCheckEvents: 'PINNED',
  complyCubeWebhookHealth: 'AUTO_UPGRADE',
  coreCustomerOnboarding: 'PINNED',
  coreCustomerReview: 'PINNED',
  reconcileAbandonedScreening: 'AUTO_UPGRADE',
  // Lives as long as its search may send events (months): it must not hold an old version's workers.
  caClassicSearchEvents: 'AUTO_UPGRADE',
} as const satisfies Record<string, VersioningBehavior>;

/**
 * The behaviour, declared only where a versioned worker runs the run: the server refuses every workflow
 * task completion of an unversioned worker (WORKER_VERSIONING=false, the tests' in-process workers) that
 * declares one. An unversioned worker still reports a build ID, but no deployment name. Read once, when a
 * worker first runs the run; a pinned run is only ever given to workers of its own version.
 */
export function behaviourWhenVersioned(behavior: VersioningBehavior): () => WorkflowDefinitionOptions {
  return () =>
    (workflowInfo().currentDeploymentVersion?.deploymentName ?? '') !== ''
      ? { versioningBehavior: behavior }
      : {};
}
