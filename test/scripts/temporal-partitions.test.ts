/**
 * `npm run temporal` gives every task queue one partition, so the Mesh queue's rate limit is exact
 * (docs/workflow.md). The dev server takes these flags as global dynamic config; a misspelt key would be
 * ignored without a word, so this starts a server with them and asks it.
 */
import type { Client } from '@temporalio/client';
import { startLocalTemporal, type LocalTemporal } from '../../testkit/temporal-server';
import { LOCAL_TASK_QUEUE_PARTITIONS, taskQueuePartitionArgs } from '../../testkit/temporal-cli';
import { meshTaskQueue } from '../../src/contracts/onboarding';
import { testConnection, uniqueTaskQueue, type TestConnection } from '../helpers/temporal';

async function activityPartitions(client: Client, taskQueue: string): Promise<number> {
  const partitions = await client.workflowService.listTaskQueuePartitions({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
  });
  return partitions.activityTaskQueuePartitions.length;
}

describe('task queue partitions of the local dev server', () => {
  let local: LocalTemporal;
  let shared: TestConnection;

  beforeAll(async () => {
    local = await startLocalTemporal({ extraArgs: taskQueuePartitionArgs(LOCAL_TASK_QUEUE_PARTITIONS) });
    shared = await testConnection();
  });

  afterAll(async () => {
    await shared?.close();
    await local?.env.teardown();
  });

  it('gives the Mesh queue one partition with the flags npm run temporal passes', async () => {
    expect(LOCAL_TASK_QUEUE_PARTITIONS).toBe(1);
    expect(await activityPartitions(local.env.client, meshTaskQueue(uniqueTaskQueue('onboarding')))).toBe(1);
  });

  it("leaves Temporal's four partitions on a server started without them (the test run's own)", async () => {
    expect(await activityPartitions(shared.client, meshTaskQueue(uniqueTaskQueue('onboarding')))).toBe(4);
  });
});
