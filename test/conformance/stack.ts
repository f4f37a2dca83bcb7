/**
 * The conformance suite's stack for one scenario, in this jest process, as test/e2e/analyst-decision.test.ts
 * runs it for Mesh, for any provider with a driver: the bridge (testkit/bridge.ts) on a free port
 * verifying the provider's signatures, the provider's sandbox (the driver) delivering signed webhooks to
 * it, and the workers of src/worker/main.ts on the shared dev server: the workflow worker (the bundle,
 * with the terms local activity and the providers' applicant checks) and the provider's activity worker
 * on `<queue>-<provider>` with its real adapter. Onboardings start through the typed client
 * (src/client), as the onboarding service starts them.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { createOnboardingTermsActivities } from '../../src/activities';
import { COMPLYCUBE_WEBHOOK_ROUTE } from '../../src/bridge/app';
import { OnboardingClient } from '../../src/client';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  DEFAULT_ONBOARDING_POLICY,
  FINAL_STATES,
  type OnboardingDefaults,
  type OnboardingPolicy,
  type OnboardingState,
  type OnboardingStatus,
} from '../../src/contracts/onboarding';
import { providerTaskQueue } from '../../src/contracts/screening-provider';
import type { onboardCustomer } from '../../src/workflows';
import { complyCubeApplicantProblems } from '../../src/providers/complycube/applicant';
import { startInProcessBridge } from '../../testkit/bridge';
import { bundleOnce } from '../../testkit/bundle';
import { testPolicy, waitForStatus } from '../helpers/onboarding';
import { runWorker, uniqueTaskQueue, type TestConnection } from '../helpers/temporal';
import type { ProviderDriver } from './driver';

const workflowsPath = require.resolve('../../src/workflows');

/** The worker's defaults as src/worker/main.ts builds them with both providers configured. */
export function conformanceDefaults(driver: ProviderDriver): OnboardingDefaults {
  return {
    screeningConfigurationIdentifier: 'sandbox-default',
    policy: DEFAULT_ONBOARDING_POLICY,
    provider: driver.provider,
    providers: {
      mesh: { screeningProfile: 'sandbox-default' },
      complycube: { screeningProfile: 'standard_screening_check' },
      'ca-classic': { screeningProfile: 'sandbox-standard' },
    },
  };
}

export interface ConformanceRun {
  externalIdentifier: string;
  handle: WorkflowHandle<typeof onboardCustomer>;
  /** Waits (bounded) until the run is in `state`, and answers its status then. */
  reaches(state: OnboardingState): Promise<OnboardingStatus>;
  /** Waits (bounded) for a final state, and answers the run's result. */
  result(): Promise<OnboardingStatus>;
}

export interface ConformanceStack {
  taskQueue: string;
  client: OnboardingClient;
  /** Starts an onboarding screened by the driver's provider, with the test policy and `policy` over it. */
  onboard(customer: MeshCustomer, policy?: Partial<OnboardingPolicy>): Promise<ConformanceRun>;
}

/** How long a scenario waits for a state: well beyond the slowest retry the faults cause. */
const WAIT_MS = 30_000;

export async function withConformanceStack(
  t: TestConnection,
  driver: ProviderDriver,
  fn: (stack: ConformanceStack) => Promise<void>,
): Promise<void> {
  const taskQueue = uniqueTaskQueue(`conformance-${driver.provider}`);
  const workflowBundle = await bundleOnce(workflowsPath);
  const bridge = await startInProcessBridge({
    temporalAddress: t.address,
    taskQueue,
    ...driver.bridgeSecrets,
  });
  try {
    await driver.start({
      meshUrl: bridge.url,
      complyCubeUrl: new URL(COMPLYCUBE_WEBHOOK_ROUTE, bridge.url).href,
      caClassicUrl: bridge.caClassicUrl(driver.bridgeSecrets.caClassicTokens?.[0] ?? 'off'),
    });
    try {
      const client = new OnboardingClient({ client: t.client, taskQueue });
      const workflowWorker = {
        taskQueue,
        workflowBundle,
        activities: createOnboardingTermsActivities(conformanceDefaults(driver), {
          complycube: (customer) => complyCubeApplicantProblems(customer as MeshCustomer),
        }),
        enableNonLocalActivities: false,
      };
      const providerWorker = {
        taskQueue: providerTaskQueue(taskQueue, driver.provider),
        activities: driver.activities(),
      };
      await runWorker(workflowWorker, () =>
        runWorker(providerWorker, () =>
          fn({
            taskQueue,
            client,
            async onboard(customer, policy = {}) {
              const { handle } = await client.start({
                customer,
                screening: { provider: driver.provider },
                policy: testPolicy(policy),
              });
              return {
                externalIdentifier: customer.external_identifier,
                handle,
                reaches: (state) =>
                  waitForStatus(handle, (s) => s.state === state, `state ${state}`, WAIT_MS),
                async result() {
                  await waitForStatus(
                    handle,
                    (s) => FINAL_STATES.includes(s.state),
                    'a final state',
                    WAIT_MS,
                  );
                  return handle.result();
                },
              };
            },
          }),
        ),
      );
    } finally {
      await driver.stop();
    }
  } finally {
    await bridge.close();
  }
}
