/** Runs against the real Temporal dev server started by test/global-setup.ts. */
// Maps the SDK's type names to the server's IndexedValueType enum (the SDK's own converter).
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { CUSTOM_SEARCH_ATTRIBUTES, kycOnboardingState } from '../../src/contracts/search-attributes';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { smokeGreeting } from '../fixtures/smoke-workflows';
import {
  runWorker,
  testConnection,
  uniqueTaskQueue,
  uniqueWorkflowId,
  type TestConnection,
} from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';

describe('the Temporal dev server started for the test run', () => {
  let t: TestConnection;

  beforeAll(async () => {
    t = await testConnection();
  });

  afterAll(async () => {
    await t.close();
  });

  it('runs a workflow with an activity on a real worker and returns its result', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const workflowId = uniqueWorkflowId('smoke');
    const workflowBundle = await bundleOnce(require.resolve('../fixtures/smoke-workflows'));

    const result = await runWorker({ taskQueue, workflowBundle, activities: createSmokeActivities() }, () =>
      t.client.workflow.execute(smokeGreeting, { taskQueue, workflowId, args: [{ name: 'Temporal' }] }),
    );

    expect(result).toEqual({ greeting: 'Hello, Temporal!' });
    const description = await t.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(kycOnboardingState)).toBe('SMOKE_TESTED');
  });

  it("registers every one of the project's custom search attributes with its type", async () => {
    const response = await t.connection.operatorService.listSearchAttributes({ namespace: t.namespace });
    const registered = response.customAttributes ?? {};

    for (const key of CUSTOM_SEARCH_ATTRIBUTES) {
      expect({ name: key.name, type: registered[key.name] }).toEqual({
        name: key.name,
        type: encodeSearchAttributeIndexedValueType(key.type),
      });
    }
  });
});
