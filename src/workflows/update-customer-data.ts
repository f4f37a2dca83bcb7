import { upsertSearchAttributes } from '@temporalio/workflow';
import type { UpdateCustomerDataInput, UpdateCustomerDataResult } from '../shared/customer-operations';
import { kycExternalIdentifier, kycRiskLevel } from '../shared/search-attributes';
import { mergeCustomer } from './customer-merge';
import { meshActivities } from './mesh-activities';

/**
 * Changes an onboarded customer's data and re-scores them (guide Step 5). Reads the record first
 * because update-and-rescore replaces it whole: the update is merged into what Mesh holds.
 */
export async function updateCustomerData(input: UpdateCustomerDataInput): Promise<UpdateCustomerDataResult> {
  upsertSearchAttributes([{ key: kycExternalIdentifier, value: input.externalIdentifier }]);
  const mesh = meshActivities();
  const record = await mesh.customerRead.getCustomer(
    input.customerIdentifier !== undefined
      ? { customerIdentifier: input.customerIdentifier }
      : { externalIdentifier: input.externalIdentifier },
  );
  const rescored = await mesh.customerChange.updateAndRescore({
    customerIdentifier: record.customerIdentifier,
    customer: mergeCustomer(record.customer, input.customer),
  });
  if (rescored.riskLevel !== undefined)
    upsertSearchAttributes([{ key: kycRiskLevel, value: rescored.riskLevel }]);
  return {
    externalIdentifier: input.externalIdentifier,
    customerIdentifier: record.customerIdentifier,
    ...(record.riskLevel !== undefined && { previousRiskLevel: record.riskLevel }),
    ...(rescored.riskLevel !== undefined && { riskLevel: rescored.riskLevel }),
    ...(rescored.riskValue !== undefined && { riskValue: rescored.riskValue }),
  };
}
