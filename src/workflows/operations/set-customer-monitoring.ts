import { setWorkflowOptions, upsertSearchAttributes } from '@temporalio/workflow';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import type {
  SetCustomerMonitoringInput,
  SetCustomerMonitoringResult,
} from '../../contracts/customer-operations';
import { kycExternalIdentifier } from '../../contracts/search-attributes';
import { customerIdentifierOf } from './customer-reference';
import { providerActivities, untilDone } from '../common/provider-activities';

/**
 * Switches ongoing monitoring on or off for an onboarded customer (docs/providers/mesh.md, "Customers and
 * monitoring").
 */
export async function setCustomerMonitoring(
  input: SetCustomerMonitoringInput,
): Promise<SetCustomerMonitoringResult> {
  upsertSearchAttributes([{ key: kycExternalIdentifier, value: input.externalIdentifier }]);
  const provider = providerActivities({ provider: input.provider, account: input.account });
  const customerIdentifier = await customerIdentifierOf(input, provider);
  const result = await untilDone(provider.customerChange.setMonitoring, {
    customerIdentifier,
    enabled: input.enabled,
  });
  return {
    externalIdentifier: input.externalIdentifier,
    customerIdentifier,
    monitoringEnabled: result.enabled,
    at: new Date().toISOString(),
  };
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.setCustomerMonitoring), setCustomerMonitoring);
