import { defaultPayloadConverter } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { meshTaskQueue, type OnboardingInput } from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import {
  fakeActivities,
  screeningOutcome,
  testPolicy,
  uniqueCustomer,
  waitForState,
} from '../helpers/onboarding';
import { onboardingWorkflowWorkerOptions } from '../helpers/onboarding';

/**
 * What a compliance analyst reads in the Web UI without opening payloads: the run's current details
 * and each activity's summary. Both must say what happens, with identifiers only.
 */

const t = useTestConnection();

const PERSON = { first_name: 'Victoria', last_name: 'Readable' };

it('shows state, risk level, screening result and case in the current details, and summarises each activity', async () => {
  const taskQueue = uniqueTaskQueue('ui');
  const customer = uniqueCustomer({ person: PERSON });
  const { activities } = fakeActivities({
    createAndScreen: () =>
      screeningOutcome({
        customerIdentifier: 'cust-ui-1',
        riskLevel: 'HIGH-RISK',
        screeningResult: 'HAS_PROFILES',
        caseIdentifier: 'case-ui-1',
      }),
  });
  const input: OnboardingInput = {
    customer,
    configuration: { screening_configuration_identifier: 'cfg-1' },
    policy: testPolicy(),
  };
  const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));

  await runWorker({ taskQueue, workflowBundle, ...onboardingWorkflowWorkerOptions() }, () =>
    runWorker({ taskQueue: meshTaskQueue(taskQueue), activities }, async () => {
      const handle = await t.client.workflow.start('onboardCustomer', {
        taskQueue,
        workflowId: onboardingWorkflowId(customer.external_identifier),
        args: [input],
      });
      await waitForState(handle, 'AWAITING_REVIEW');

      const details = (await handle.query(workflowMetadataQuery)).currentDetails ?? '';
      expect(details).toContain('**AWAITING_REVIEW**');
      expect(details).toContain('HIGH-RISK');
      expect(details).toContain('HAS_PROFILES');
      expect(details).toContain('case-ui-1');
      expect(details).toContain(customer.external_identifier);

      const summaries: string[] = [];
      for (const event of (await handle.fetchHistory()).events ?? []) {
        const summary = event.userMetadata?.summary;
        if (event.activityTaskScheduledEventAttributes && summary) {
          summaries.push(defaultPayloadConverter.fromPayload<string>(summary));
        }
      }
      expect(summaries).toEqual([`create and screen customer ${customer.external_identifier}`]);

      for (const text of [details, ...summaries]) {
        expect(text).not.toContain(PERSON.first_name);
        expect(text).not.toContain(PERSON.last_name);
      }
      await handle.terminate('test done');
    }),
  );
});
