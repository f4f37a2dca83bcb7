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
