import type { GlobalWithTestServer } from './helpers/test-server-env';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as GlobalWithTestServer;
  await g.__temporalTestEnv?.teardown();
  delete g.__temporalTestEnv;
}
