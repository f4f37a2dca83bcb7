/**
 * Workflow IDs are contracts: the onboarding service, the webhook bridge and ops search by them.
 * They hold the external identifier only (never personal data), because Temporal never encrypts IDs.
 */
export const ONBOARDING_WORKFLOW_PREFIX = 'onboarding-';
export const MONITORING_CASE_WORKFLOW_PREFIX = 'monitoring-case-';

export function onboardingWorkflowId(externalIdentifier: string): string {
  return `${ONBOARDING_WORKFLOW_PREFIX}${externalIdentifier}`;
}

export function monitoringCaseWorkflowId(caseIdentifier: string): string {
  return `${MONITORING_CASE_WORKFLOW_PREFIX}${caseIdentifier}`;
}

export const RECONCILE_WORKFLOW_PREFIX = 'screening-reconcile-';

/**
 * The run that finds, at a provider given up on during a failover, the customer it may have created, and
 * switches its monitoring off: one per onboarding and provider.
 */
export function reconcileWorkflowId(externalIdentifier: string, provider: string): string {
  return `${RECONCILE_WORKFLOW_PREFIX}${provider}-${externalIdentifier}`;
}
