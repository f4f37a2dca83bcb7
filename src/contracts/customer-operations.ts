import type { MeshCustomer } from './customer';
import type { ScreeningProviderName } from './screening-provider';

/**
 * Operations on an already onboarded customer (monitoring, data changes, offboarding), each a short
 * workflow so it is durable, retried and visible in the Web UI. IDs hold the external identifier and a
 * request id: the same request started twice is one execution; a new request id is a new operation.
 */

export interface CustomerReference {
  externalIdentifier: string;
  /** The provider's id when the caller has it; otherwise looked up by external identifier (one call more). */
  customerIdentifier?: string;
  /**
   * The provider that screened the customer (`status.screening.provider` of its onboarding, search
   * attribute KycScreeningProvider); Mesh when absent. The typed client fills it in.
   */
  provider?: ScreeningProviderName;
  /** The tenant's account at that provider (`status.terms.screeningChain`); the worker's own when absent. */
  account?: string;
}

export interface UpdateCustomerDataInput extends CustomerReference {
  /** Only the fields that change; merged into the record Mesh holds (update-and-rescore replaces it). */
  customer: Partial<MeshCustomer>;
  requestId: string;
}

export interface UpdateCustomerDataResult {
  externalIdentifier: string;
  customerIdentifier: string;
  previousRiskLevel?: string;
  riskLevel?: string;
  riskValue?: number;
  /** The `offboardCustomer` run started because the re-score came back PROHIBITED. */
  offboardingWorkflowId?: string;
}

export interface SetCustomerMonitoringInput extends CustomerReference {
  enabled: boolean;
  requestId: string;
}

export interface SetCustomerMonitoringResult {
  externalIdentifier: string;
  customerIdentifier: string;
  monitoringEnabled: boolean;
  at: string;
}

export interface OffboardCustomerInput extends CustomerReference {
  reason?: string;
  requestId: string;
}

export interface OffboardCustomerResult {
  externalIdentifier: string;
  customerIdentifier: string;
  monitoringEnabled: false;
  /** True when an onboarding was still running and was withdrawn first. */
  onboardingWithdrawn: boolean;
  reason?: string;
  offboardedAt: string;
}

export function updateCustomerDataWorkflowId(externalIdentifier: string, requestId: string): string {
  return `customer-update-${externalIdentifier}-${requestId}`;
}

export function setCustomerMonitoringWorkflowId(externalIdentifier: string, requestId: string): string {
  return `customer-monitoring-${externalIdentifier}-${requestId}`;
}

export function offboardCustomerWorkflowId(externalIdentifier: string, requestId: string): string {
  return `offboarding-${externalIdentifier}-${requestId}`;
}
