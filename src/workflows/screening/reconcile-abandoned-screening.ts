import {
  ApplicationFailure,
  log,
  setWorkflowOptions,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
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
  /**
   * How long the abandoned call may still land: its longest attempt (the failover window, at most 30 s)
   * plus the client's own request timeout. Default: the longest there is.
   */
  settleMs?: number;
}

export interface ReconcileAbandonedScreeningResult {
  /** A provider that cannot say (a lookup it does not support) fails the run (`ReconciliationUnresolved`). */
  found: boolean;
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
/** Longer than any attempt of the abandoned call (30 s start-to-close) plus a 10 s request timeout. */
const ABANDONED_CALL_MS = 45_000;

export async function reconcileAbandonedScreening(
  input: ReconcileAbandonedScreeningInput,
): Promise<ReconcileAbandonedScreeningResult> {
  upsertSearchAttributes([{ key: kycExternalIdentifier, value: input.externalIdentifier }]);
  // The abandoned call may still be in flight (an attempt lives up to its 30 s start-to-close): a lookup
  // before it lands would find nothing and leave what it creates monitored.
  await sleep(input.settleMs ?? ABANDONED_CALL_MS);
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
    // Failed, not completed: a run that could not tell must stand out in the Web UI's list for a person.
    throw ApplicationFailure.create({
      type: 'ReconciliationUnresolved',
      message: `${input.provider} could not be searched for the customer (${failure}): check there by hand whether it exists and is monitored`,
      nonRetryable: true,
    });
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
