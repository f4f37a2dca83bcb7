import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.temporal/**', '.local/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { typescript: true, node: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: Node built-ins and I/O libraries break replay.
    files: ['src/workflows/**/*.ts', 'src/contracts/**/*.ts'],
    // The zod schemas are for the worker, the local activity, the starter and the client, never the bundle.
    ignores: [
      'src/contracts/onboarding-schemas.ts',
      'src/contracts/customer-schema.ts',
      'src/contracts/risk-request-schema.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins,
            'got',
            'fastify',
            'pino',
            '@temporalio/activity',
            '@temporalio/worker',
            '@temporalio/client',
            {
              name: 'zod',
              message:
                'zod in the workflow bundle costs ~0.9 MiB per cached run (bench/worker-memory.ts): check messages with src/contracts/message-checks.ts',
            },
          ],
          patterns: ['**/onboarding-schemas', '**/customer-schema', '**/risk-request-schema'],
        },
      ],
    },
  },
  {
    // The architecture, enforced (docs/architecture.md): workflows speak only the contracts; a provider
    // never reaches into workflows, activities or a process; the bridge never calls a provider;
    // platform code knows nothing of the domain; contracts depend on nothing but themselves.
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/workflows',
              from: './src',
              except: ['./workflows', './contracts'],
              message:
                'workflow code imports only src/contracts and src/workflows (deterministic, provider-neutral)',
            },
            {
              target: './src/contracts',
              from: './src',
              except: ['./contracts'],
              message: 'contracts are what every side imports: they import nothing else of src/',
            },
            {
              target: './src/providers',
              from: [
                './src/workflows',
                './src/activities',
                './src/worker',
                './src/bridge',
                './src/starter',
                './src/client',
                './src/sandbox',
                './src/codec-server',
                './src/register-webhooks',
              ],
              message: 'a provider module knows only the contracts and the platform',
            },
            {
              target: './src/platform',
              from: [
                './src/workflows',
                './src/activities',
                './src/providers',
                './src/worker',
                './src/bridge',
                './src/starter',
                './src/client',
                './src/sandbox',
                './src/codec-server',
                './src/register-webhooks',
              ],
              message:
                'platform code (config, logging, metrics, codec, Temporal connections) knows nothing of the domain',
            },
            {
              target: './src/bridge',
              from: ['./src/providers', './src/activities', './src/workflows'],
              message: 'the bridge verifies and signals: it never calls a provider or runs workflow code',
            },
            {
              target: './src/sandbox',
              from: [
                './src/providers',
                './src/activities',
                './src/workflows',
                './src/worker',
                './src/bridge',
              ],
              message:
                'the sandbox stands for the provider: it shares no code with the client that talks to it',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['test/**/*.ts', 'testkit/**/*.ts', 'bench/**/*.ts', 'drills/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      // jest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any` by @types/jest.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  prettier,
);
