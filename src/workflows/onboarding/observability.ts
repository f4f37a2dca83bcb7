import { metricMeter, setCurrentDetails } from '@temporalio/workflow';
import type { OnboardingState, OnboardingStatus } from '../../contracts/onboarding';

/**
 * What ops see of an onboarding without opening payloads: counters on the worker's Prometheus endpoint
 * and the run's "current details" in the Web UI. Both hold states, levels and identifiers only, never
 * personal data: metric labels are never encrypted, and dashboards and screenshots travel.
 *
 * The workflow `metricMeter` drops values while a run replays (cache eviction, worker restart), so
 * each transition is counted once, when it first happens.
 */

const COUNTERS: Record<OnboardingState, { name: string; description: string }> = {
  SCREENING: { name: 'kyc_onboarding_started', description: 'Onboardings started (screening begins)' },
  AWAITING_REVIEW: {
    name: 'kyc_onboarding_awaiting_review',
    description: 'Onboardings that went to analyst review',
  },
  APPROVED: { name: 'kyc_onboarding_approved', description: 'Onboardings approved' },
  REJECTED: { name: 'kyc_onboarding_rejected', description: 'Onboardings rejected' },
  EXPIRED: { name: 'kyc_onboarding_expired', description: 'Onboardings expired without a decision' },
  WITHDRAWN: { name: 'kyc_onboarding_withdrawn', description: 'Onboardings withdrawn' },
  FAILED: { name: 'kyc_onboarding_failed', description: 'Onboardings failed (Mesh refused the data)' },
};

/** Mesh's risk level, or UNKNOWN before screening; the label every onboarding counter carries. */
function riskLevelLabel(riskLevel: string | undefined): string {
  return riskLevel ?? 'UNKNOWN';
}

/** Counts a run entering `state` (SCREENING is its start). */
export function countState(state: OnboardingState, riskLevel: string | undefined): void {
  const { name, description } = COUNTERS[state];
  metricMeter
    .createCounter(name, 'onboardings', description)
    .add(1, { risk_level: riskLevelLabel(riskLevel) });
}

/** Counts a run still awaiting review after the reminder period (KycReviewOverdue turning true). */
export function countReviewOverdue(riskLevel: string | undefined): void {
  metricMeter
    .createCounter('kyc_onboarding_review_overdue', 'onboardings', 'Onboardings whose review became overdue')
    .add(1, { risk_level: riskLevelLabel(riskLevel) });
}

/** Counts a case decision the run dropped (`why`: another-case, not-this-customers-onboarding-case). */
export function countDecisionIgnored(why: string): void {
  metricMeter
    .createCounter(
      'kyc_onboarding_decision_ignored',
      'decisions',
      'Case decisions an onboarding ignored because they named another case',
    )
    .add(1, { reason: why });
}

/**
 * Counts a run that found every screening provider of its chain unavailable (KycProviderOutage turning
 * true): the alert's signal. Labelled by tenant only.
 */
export function countProviderOutage(tenant: string | undefined): void {
  metricMeter
    .createCounter(
      'kyc_screening_provider_outage',
      'onboardings',
      'Onboardings waiting in SCREENING because every screening provider of their tenant was unavailable',
    )
    .add(1, { tenant: tenant ?? 'default' });
}

/** The run's current details (Temporal markdown) for the Web UI: state, flags, levels, identifiers. */
export function showStatus(status: OnboardingStatus): void {
  setCurrentDetails(currentDetails(status));
}

export function currentDetails(status: OnboardingStatus): string {
  const flags = [
    ...(status.reviewOverdue ? ['review overdue'] : []),
    ...(status.escalated ? ['escalated: needs a final decision'] : []),
  ];
  const items = [
    `Risk level: ${status.riskLevel ?? 'not screened yet'} · Screening result: ${status.screeningResult ?? '-'}`,
    `External identifier: \`${status.externalIdentifier}\``,
  ];
  if (status.customerIdentifier !== undefined) items.push(`Mesh customer: \`${status.customerIdentifier}\``);
  if (status.case !== undefined) {
    const stage = status.case.stageName !== undefined ? ` (stage ${status.case.stageName})` : '';
    items.push(`Case: \`${status.case.caseIdentifier}\`${stage}`);
  }
  if (status.decision !== undefined) {
    items.push(`Last decision: ${status.decision.decisionType ?? 'none yet'} via ${status.decision.source}`);
  }
  items.push(`Monitoring: ${status.monitoringEnabled ? 'on' : 'off'} · Re-scores: ${status.rescores}`);
  const heading = `**${status.state}**${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
  return [heading, '', ...items.map((item) => `- ${item}`)].join('\n');
}
