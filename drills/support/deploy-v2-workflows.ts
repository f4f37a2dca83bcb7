/**
 * "Version 2" of the workflow code for the deploy drill (drills/deploy.ts): `onboardCustomer` with one
 * more step in front, a one-second timer, the kind of change that breaks every run in flight unless it is
 * patched or the runs stay on the code they started on. The other workflow types are version 1's.
 */
import { setWorkflowOptions, sleep } from '@temporalio/workflow';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../../src/workflows/common/versioning';
import { onboardCustomer as onboardCustomerV1 } from '../../src/workflows/onboarding/onboard-customer';

export {
  monitoringCaseReview,
  offboardCustomer,
  setCustomerMonitoring,
  updateCustomerData,
} from '../../src/workflows';

/** What the drill looks for in a run's history to tell version 2 ran it. */
export const V2_STEP_TIMER_SECONDS = 1;

export async function onboardCustomer(
  ...args: Parameters<typeof onboardCustomerV1>
): ReturnType<typeof onboardCustomerV1> {
  await sleep(V2_STEP_TIMER_SECONDS * 1000);
  return onboardCustomerV1(...args);
}

setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.onboardCustomer), onboardCustomer);
