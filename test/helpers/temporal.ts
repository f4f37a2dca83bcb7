/**
 * Jest's side of the test kit: connections to the ONE real dev server jest starts per run
 * (test/global-setup.ts). Waiting, bundling, ports and processes are testkit/'s, shared with the
 * benchmarks and drills.
 *
 *   testServerAddress()          host:port of the shared server (env TEMPORAL_TEST_ADDRESS); throws if absent.
 *   installTestRuntime()         the quiet test Runtime (testkit/runtime.ts: ERROR, or TEST_LOG_LEVEL),
 *                                once per test file; called by testConnection() and runWorker().
 *   testConnection()             { client, connection, nativeConnection, address, namespace, close() } to the
 *                                shared server. Open in beforeAll, `await t.close()` in afterAll.
 *   useTestConnection()          the same, with those two hooks registered for the calling file or describe block.
 *   uniqueTaskQueue(prefix)      a fresh task queue per test, so workers of different tests never steal tasks.
 *   uniqueWorkflowId(prefix)     a fresh workflow id (contract-shaped ids such as onboardingWorkflowId(ext) are
 *                                made unique through a unique external identifier instead).
 *   runWorker(options, fn)       creates a Worker on the shared server and runs `fn` while it polls; the worker
 *                                shuts down when `fn` settles. `options` = WorkerOptions without `connection`.
 *
 * Example:
 *   const t = useTestConnection();
 *   it('...', async () => {
 *     const taskQueue = uniqueTaskQueue('onboarding');
 *     const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));  // testkit/bundle.ts
 *     const result = await runWorker({ taskQueue, workflowBundle, activities: fakes }, () =>
 *       t.client.workflow.execute(onboarding, { taskQueue, workflowId: uniqueWorkflowId('onboarding'), args: [input] }),
 *     );
 *   });
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { installRuntime, testLogLevel } from '../../testkit/runtime';
import { TEST_SERVER_ADDRESS_VAR } from './test-server-env';

export const TEST_NAMESPACE = 'default';

export function testServerAddress(): string {
  const address = process.env[TEST_SERVER_ADDRESS_VAR];
  if (address === undefined || address === '') {
    throw new Error(
      `${TEST_SERVER_ADDRESS_VAR} is not set: run tests through jest (test/global-setup.ts starts the server)`,
    );
  }
  return address;
}

export function installTestRuntime(): void {
  installRuntime(testLogLevel());
}

export interface TestConnection {
  address: string;
  namespace: string;
  client: Client;
  connection: Connection;
  /** For Workers. */
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function testConnection(): Promise<TestConnection> {
  installTestRuntime();
  const address = testServerAddress();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: TEST_NAMESPACE });
  return {
    address,
    namespace: TEST_NAMESPACE,
    client,
    connection,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/**
 * `testConnection()` for a whole test file or describe block: opened in beforeAll, closed in afterAll.
 * The connection it returns stands for the one opened, so it can be used in tests and later hooks.
 */
export function useTestConnection(): TestConnection {
  let opened: TestConnection | undefined;
  const current = (): TestConnection => {
    if (opened === undefined) throw new Error('the connection opens in beforeAll: use it in tests and hooks');
    return opened;
  };
  beforeAll(async () => {
    opened = await testConnection();
  });
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get address() {
      return current().address;
    },
    get namespace() {
      return current().namespace;
    },
    get client() {
      return current().client;
    },
    get connection() {
      return current().connection;
    },
    get nativeConnection() {
      return current().nativeConnection;
    },
    close: () => current().close(),
  };
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function uniqueWorkflowId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** One connection for all workers of a test file, opened on first use and closed by jest when the file ends. */
let workerConnection: Promise<NativeConnection> | undefined;

export async function runWorker<R>(
  options: Omit<WorkerOptions, 'connection' | 'namespace'>,
  fn: () => Promise<R>,
): Promise<R> {
  installTestRuntime();
  workerConnection ??= NativeConnection.connect({ address: testServerAddress() });
  const worker = await Worker.create({
    ...options,
    connection: await workerConnection,
    namespace: TEST_NAMESPACE,
  });
  return worker.runUntil(fn);
}

if (typeof afterAll === 'function') {
  afterAll(async () => {
    const connection = workerConnection;
    workerConnection = undefined;
    if (connection !== undefined) await (await connection).close();
  });
}

/** Kept here for test files that import it with the connection helpers; it lives in testkit/wait.ts. */
export { waitFor } from '../../testkit/wait';
