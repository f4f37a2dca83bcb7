/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, sourceMaps: 'inline' }] },
  // One real Temporal dev server per run, built or found without downloading anything (testkit/temporal-cli.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // The first start of the dev server and the first workflow bundle take seconds, not milliseconds.
  testTimeout: 60_000,
  // Two cores: more workers than that only contend with the Temporal server for CPU.
  maxWorkers: 2,
};
