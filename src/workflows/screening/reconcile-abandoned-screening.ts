import { log, setWorkflowOptions, upsertSearchAttributes } from '@temporalio/workflow';
import { kycExternalIdentifier } from '../../contracts/search-attributes';
import type { MeshCustomer } from '../../contracts/customer';
import type { ScreeningProviderName } from '../../contracts/screening-provider';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { failureTypeOf } from '../common/failures';
import { providerActivities, untilDone } from '../common/provider-activities';

export interface ReconcileAbandonedScreeningInput {
  provider: ScreeningProviderName;
  account: string;
  externalIdentifier: string;
  /** As it was sent: a provider that finds subjects only by what was searched needs it (CA classic). */
  customer: MeshCustomer;
}

export interface ReconcileAbandonedScreeningResult {
  /** `unknown`: the provider could not say (a lookup it does not support): ops must look. */
  found: boolean | 'unknown';
  customerIdentifier?: string;
  monitoringSwitchedOff?: boolean;
  reason: string;
}

/**
 * After a failover, the provider given up on may have created the customer (its call timed out, or its
 * answer was lost, after it was processed). Once that provider answers again (the read is retried until
 * it does), this finds the customer by external identifier and switches its monitoring off, so the
 * customer is not watched, and paid for, twice. The onboarding goes on at the provider that screened.
 */
export async function reconcileAbandonedScreening(
  input: ReconcileAbandonedScreeningInput,
): Promise<ReconcileAbandonedScreeningResult> {
  upsertSearchAttributes([{ key: kycExternalIdentifier, value: input.externalIdentifier }]);
  const provider = providerActivities({ provider: input.provider, account: input.account });
  let customerIdentifier: string;
  try {
    const record = await provider.customerRead.getCustomer({
      externalIdentifier: input.externalIdentifier,
      customer: input.customer,
    });
    customerIdentifier = record.customerIdentifier;
  } catch (err) {
    const failure = failureTypeOf(err);
    if (/not.?found/i.test(failure)) {
      return { found: false, reason: `${input.provider} holds no customer for it: nothing to switch off` };
    }
    log.error('the abandoned provider could not be searched for the customer: look there by hand', {
      provider: input.provider,
      failureType: failure,
    });
    return { found: 'unknown', reason: `${input.provider} lookup refused (${failure})` };
  }
  await untilDone(provider.customerChange.setMonitoring, { customerIdentifier, enabled: false });
  return {
    found: true,
    customerIdentifier,
    monitoringSwitchedOff: true,
    reason: `found at ${input.provider} after the failover; monitoring switched off`,
  };
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(
  behaviourWhenVersioned(VERSIONING_BEHAVIOR.reconcileAbandonedScreening),
  reconcileAbandonedScreening,
);
