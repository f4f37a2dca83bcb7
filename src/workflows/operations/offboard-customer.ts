import {
  getExternalWorkflowHandle,
  log,
  setWorkflowOptions,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import type { OffboardCustomerInput, OffboardCustomerResult } from '../../contracts/customer-operations';
import { withdrawSignal } from '../../contracts/onboarding';
import { kycExternalIdentifier, kycMarkedForOffboarding } from '../../contracts/search-attributes';
import { onboardingWorkflowId } from '../../contracts/workflow-ids';
import { customerIdentifierOf } from './customer-reference';
import { providerActivities, untilDone } from '../common/provider-activities';

/**
 * Ends the relationship with a customer: a still running onboarding is withdrawn, ongoing monitoring
 * is switched off (cases stay readable for audit), and this execution is the searchable record
 * (KycMarkedForOffboarding=true).
 */
export async function offboardCustomer(input: OffboardCustomerInput): Promise<OffboardCustomerResult> {
  upsertSearchAttributes([
    { key: kycExternalIdentifier, value: input.externalIdentifier },
    { key: kycMarkedForOffboarding, value: true },
  ]);
  let onboardingWithdrawn = false;
  try {
    await getExternalWorkflowHandle(onboardingWorkflowId(input.externalIdentifier)).signal(withdrawSignal, {
      reason: input.reason ?? 'offboarded',
      requestId: input.requestId,
    });
    onboardingWithdrawn = true;
  } catch {
    // No running onboarding (finished long ago, or never here): nothing to withdraw.
    log.info('no running onboarding to withdraw');
  }
  const provider = providerActivities({ provider: input.provider, account: input.account });
  const customerIdentifier = await customerIdentifierOf(input, provider);
  await untilDone(provider.customerChange.setMonitoring, {
    customerIdentifier,
    enabled: false,
  });
  return {
    externalIdentifier: input.externalIdentifier,
    customerIdentifier,
    monitoringEnabled: false,
    onboardingWithdrawn,
    ...(input.reason !== undefined && { reason: input.reason }),
    offboardedAt: new Date().toISOString(),
  };
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.offboardCustomer), offboardCustomer);
