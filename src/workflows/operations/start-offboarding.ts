import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { offboardCustomerWorkflowId } from '../../contracts/customer-operations';
import { offboardCustomer } from './offboard-customer';
import type { ScreeningProviderName } from '../../contracts/screening-provider';

export interface OffboardingRequest {
  externalIdentifier: string;
  customerIdentifier?: string;
  /** The provider that screened the customer; Mesh when absent. */
  provider?: ScreeningProviderName;
  /** The tenant's account at that provider (`status.terms.screeningChain`); the worker's own when absent. */
  account?: string;
  reason: string;
  /** Names the offboarding: the same request started twice (a replay, a repeat) is one execution. */
  requestId: string;
}

/**
 * Starts a customer's offboarding as a run of its own that outlives the one starting it (a monitoring
 * case's review, a re-score to PROHIBITED). Returns its workflow ID.
 */
export async function startOffboarding(request: OffboardingRequest): Promise<string> {
  const workflowId = offboardCustomerWorkflowId(request.externalIdentifier, request.requestId);
  try {
    await startChild(offboardCustomer, {
      workflowId,
      args: [
        {
          externalIdentifier: request.externalIdentifier,
          ...(request.customerIdentifier !== undefined && { customerIdentifier: request.customerIdentifier }),
          ...(request.provider !== undefined && { provider: request.provider }),
          ...(request.account !== undefined && { account: request.account }),
          reason: request.reason,
          requestId: request.requestId,
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}
