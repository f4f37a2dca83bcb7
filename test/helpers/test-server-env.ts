import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** Set by test/global-setup.ts to the shared dev server's `host:port`. */
export const TEST_SERVER_ADDRESS_VAR = 'TEMPORAL_TEST_ADDRESS';

/** Global setup keeps the environment here so global teardown (same process) can stop the server. */
export type GlobalWithTestServer = typeof globalThis & { __temporalTestEnv?: TestWorkflowEnvironment };
