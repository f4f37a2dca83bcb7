import { setWorkflowOptions, upsertSearchAttributes } from '@temporalio/workflow';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import type { UpdateCustomerDataInput, UpdateCustomerDataResult } from '../../contracts/customer-operations';
import { kycExternalIdentifier, kycRiskLevel } from '../../contracts/search-attributes';
import { mergeCustomer } from '../common/customer-merge';
import { providerActivities, untilDone } from '../common/provider-activities';
import { startOffboarding } from './start-offboarding';
import { PATCHES, since } from '../onboarding/patches';
import { readRescore } from '../onboarding/recorded-results';

/**
 * Changes an onboarded customer's data and re-scores them (docs/providers/mesh.md, "Update and
 * re-score"). Reads the record first because update-and-rescore replaces it whole: the update is merged
 * into what Mesh holds. A re-score to PROHIBITED starts the customer's offboarding (a run of its own,
 * which outlives this one).
 */
export async function updateCustomerData(input: UpdateCustomerDataInput): Promise<UpdateCustomerDataResult> {
  upsertSearchAttributes([{ key: kycExternalIdentifier, value: input.externalIdentifier }]);
  const provider = providerActivities({ provider: input.provider, account: input.account });
  const record = await provider.customerRead.getCustomer(
    input.customerIdentifier !== undefined
      ? { customerIdentifier: input.customerIdentifier }
      : { externalIdentifier: input.externalIdentifier },
  );
  const rescored = await untilDone(provider.customerChange.updateAndRescore, {
    customerIdentifier: record.customerIdentifier,
    customer: mergeCustomer(record.customer, input.customer),
  });
  if (rescored.riskLevel !== undefined)
    upsertSearchAttributes([{ key: kycRiskLevel, value: rescored.riskLevel }]);
  const offboardingWorkflowId =
    readRescore(rescored) === 'prohibited' && since(PATCHES.offboardOnProhibited)
      ? await startOffboarding({
          externalIdentifier: input.externalIdentifier,
          customerIdentifier: record.customerIdentifier,
          ...(input.provider !== undefined && { provider: input.provider }),
          ...(input.account !== undefined && { account: input.account }),
          reason: 'risk level PROHIBITED after a customer data update',
          requestId: `prohibited-${input.requestId}`,
        })
      : undefined;
  return {
    externalIdentifier: input.externalIdentifier,
    customerIdentifier: record.customerIdentifier,
    ...(record.riskLevel !== undefined && { previousRiskLevel: record.riskLevel }),
    ...(rescored.riskLevel !== undefined && { riskLevel: rescored.riskLevel }),
    ...(rescored.riskValue !== undefined && { riskValue: rescored.riskValue }),
    ...(offboardingWorkflowId !== undefined && { offboardingWorkflowId }),
  };
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.updateCustomerData), updateCustomerData);
