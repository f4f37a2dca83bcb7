import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { TypedSearchAttributes, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { buildWorkflowBundle, DEFAULT_WORKFLOW_BUNDLE_PATH } from '../../scripts/build-workflow-bundle';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { WEBHOOK_ROUTE } from '../../src/bridge/app';
import { buildCodecServer } from '../../src/codec-server/app';
import { loadBridgeConfig } from '../../src/bridge/config';
import { loadCodecServerConfig } from '../../src/codec-server/config';
import type { Env } from '../../src/platform/config/env';
import { loadMeshConfig } from '../../src/providers/mesh/config';
import { loadMetricsConfig } from '../../src/platform/config/metrics';
import { loadSandboxConfig, SANDBOX_DEV_WEBHOOK_SECRET } from '../../src/sandbox/config';
import { loadTemporalConfig } from '../../src/platform/config/temporal';
import { loadWorkerConfig } from '../../src/worker/config';
import { loadOnboardingDefaults } from '../../src/worker/onboarding-defaults';
import { startSandbox } from '../../src/sandbox/mesh';
import { meshTaskQueue } from '../../src/contracts/onboarding';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { workflowWorkerOptions } from '../../src/worker/options';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import {
  bundleOnce,
  installTestRuntime,
  runWorker,
  testServerAddress,
  uniqueTaskQueue,
} from '../helpers/temporal';
import { historyFromJson } from '../workflows/helpers/history-json';
import {
  MissingVariableError,
  parsePort,
  readComposeFile,
  readEnvFile,
  requiredVariables,
  ROOT,
  type ComposeFile,
  type Service,
} from './compose-file';
import { loadConfigSchemas, loadersReachedBy, type ConfigSchemas } from './known-variables';

/**
 * docker-compose.yml, checked without Docker (none runs here): services, images, ports, healthchecks and
 * start order; every variable of the app services against the config schemas and through the loaders
 * each process really calls; the wiring between the services; and the scripts it runs (search attribute
 * registration, healthchecks, the prebuilt workflow bundle) run for real against the test Temporal server.
 */
const run = promisify(execFile);

const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
/** `cp sandbox.env .env` plus the key the user adds. */
const SANDBOX_RUN: Env = { ...readEnvFile('sandbox.env'), ENCRYPTION_KEY };
const PRODUCTION_BASE: Env = {
  MESH_BASE_URL: 'https://api.mesh.complyadvantage.com',
  MESH_SCREENING_CONFIGURATION_ID: 'a-screening-configuration',
  WEBHOOK_SECRET: Buffer.from('the-accounts-signing-secret-32-b').toString('base64'),
  ENCRYPTION_KEY,
};
/** Against the real API, with /v3/token credentials or with the guide's /v2/token user. */
const PRODUCTION_RUNS: Record<string, Env> = {
  'access key (/v3/token)': { ...PRODUCTION_BASE, MESH_ACCESS_KEY: 'an-access-key', MESH_SECRET: 'a-secret' },
  'user (/v2/token)': {
    ...PRODUCTION_BASE,
    MESH_REALM: 'a-realm',
    MESH_USERNAME: 'ops@example.com',
    MESH_PASSWORD: 'a-password',
  },
};

const APP_SERVICES = ['codec-server', 'sandbox', 'worker', 'bridge'] as const;
/** What each app container runs: its command, and the starter through `docker compose run worker`. */
const SCRIPTS_RUN_BY: Record<(typeof APP_SERVICES)[number], string[]> = {
  'codec-server': ['codec-server'],
  sandbox: ['sandbox'],
  worker: ['worker', 'starter'],
  bridge: ['bridge'],
};

const compose = readComposeFile(SANDBOX_RUN);
const service = (name: string, file: ComposeFile = compose): Service => {
  const found = file.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const envOf = (name: string, file: ComposeFile = compose): Env => service(name, file).environment ?? {};
const publishedPorts = (name: string) => (service(name).ports ?? []).map(parsePort);
const metadataType = (key: (typeof CUSTOM_SEARCH_ATTRIBUTES)[number]) =>
  `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`;

let schemas: ConfigSchemas;
beforeAll(async () => {
  schemas = await loadConfigSchemas();
});

describe('docker-compose.yml', () => {
  it('defines PostgreSQL, Temporal, its admin job and UI, the codec server, worker and bridge, and the sandbox as a profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'bridge',
      'codec-server',
      'postgresql',
      'sandbox',
      'temporal',
      'temporal-admin-tools',
      'temporal-ui',
      'worker',
    ]);
    expect(service('sandbox').profiles).toEqual(['sandbox']);
    for (const [name, s] of Object.entries(compose.services)) {
      if (name !== 'sandbox') expect([name, s.profiles]).toEqual([name, undefined]);
    }
    // sandbox.env is what turns the profile on.
    expect(SANDBOX_RUN.COMPOSE_PROFILES).toBe('sandbox');
  });

  it('runs Temporal Server 1.29 on PostgreSQL 16 with a persistent volume, and the UI 2.42', () => {
    expect(service('postgresql').image).toBe('postgres:16');
    expect(service('postgresql').volumes).toEqual(['postgresql-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['postgresql-data']);

    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:1\.29\.\d+$/);
    expect(service('temporal-admin-tools').image).toMatch(/^temporalio\/admin-tools:1\.29\.\d+-/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.42\.\d+$/);
    expect(envOf('temporal')).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      POSTGRES_USER: envOf('postgresql').POSTGRES_USER,
      POSTGRES_PWD: envOf('postgresql').POSTGRES_PASSWORD,
      SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES: 'true',
    });
  });

  it("gives the Mesh queue the partitions the worker's rate limit is computed with, every other queue Temporal's 4", () => {
    const temporal = service('temporal');
    const mounted = temporal.configs?.find((c) => c.target === envOf('temporal').DYNAMIC_CONFIG_FILE_PATH);
    expect(mounted).toBeDefined();
    const content = compose.configs?.[mounted?.source ?? '']?.content ?? '';
    const dynamicConfig = parse(content) as Record<
      string,
      { value: unknown; constraints?: { taskQueueName?: string } }[]
    >;
    const partitions = loadWorkerConfig(envOf('worker')).taskQueuePartitions;
    const meshQueue = meshTaskQueue(loadTemporalConfig(envOf('worker')).taskQueue);
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      expect(dynamicConfig[key]).toEqual([
        { value: partitions, constraints: { taskQueueName: meshQueue } },
        { value: 4 },
      ]);
    }
    expect(partitions).toBe(1);
  });

  it('publishes the bridge on all interfaces and everything else that has no authentication on loopback only', () => {
    const published = Object.fromEntries(
      Object.keys(compose.services).map((name) => [
        name,
        publishedPorts(name).map((p) => `${p.hostIp ?? '*'}:${p.hostPort}->${p.containerPort}`),
      ]),
    );
    expect(published).toEqual({
      postgresql: [],
      temporal: ['127.0.0.1:7233->7233'],
      'temporal-admin-tools': [],
      'temporal-ui': ['127.0.0.1:8080->8080'],
      'codec-server': ['127.0.0.1:8888->8888'],
      sandbox: ['127.0.0.1:4010->4010'],
      worker: ['127.0.0.1:9464->9464'],
      bridge: ['*:3000->3000', '127.0.0.1:9465->9465'],
    });
  });

  it('listens in each app container on the port it publishes', () => {
    const containerPorts = (name: string) => publishedPorts(name).map((p) => p.containerPort);
    const metrics = (name: string) => loadMetricsConfig(envOf(name));

    expect(loadBridgeConfig(envOf('bridge'))).toMatchObject({ host: '0.0.0.0', port: 3000 });
    expect(metrics('bridge').bridge).toEqual({ host: '0.0.0.0', port: 9465 });
    expect(containerPorts('bridge')).toEqual([3000, 9465]);
    expect(metrics('worker').worker).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(containerPorts('worker')).toEqual([9464]);
    expect(loadCodecServerConfig(envOf('codec-server'))).toMatchObject({ host: '0.0.0.0', port: 8888 });
    expect(containerPorts('codec-server')).toEqual([8888]);
    expect(loadSandboxConfig(envOf('sandbox'))).toMatchObject({ host: '0.0.0.0', port: 4010 });
    expect(containerPorts('sandbox')).toEqual([4010]);
  });

  it('builds the app services from the Dockerfile and starts each through its npm script', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of APP_SERVICES) {
      const s = service(name);
      expect([name, s.build, s.init]).toEqual([name, '.', true]);
      expect(s.command).toEqual(['npm', 'run', '--silent', name]);
      expect(scripts[name]).toBeDefined();
    }
  });

  it('builds a non-root image that carries the prebuilt workflow bundle the worker is pointed at', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map((m) => m[1]);
    expect(stages).toEqual(['node:20-slim', 'deps', 'node:20-slim']);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    const bundleCopy = /^COPY --from=workflow-bundle \/app\/(\S+) (\S+)$/m.exec(dockerfile);
    expect(bundleCopy?.[1]).toBe(DEFAULT_WORKFLOW_BUNDLE_PATH);
    expect(dockerfile).toContain(
      `RUN npx tsx scripts/build-workflow-bundle.ts ${DEFAULT_WORKFLOW_BUNDLE_PATH}`,
    );
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(loadWorkerConfig(envOf('worker')).workflowBundlePath).toBe(
      posix.join('/app', bundleCopy?.[2] ?? ''),
    );

    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(
      expect.arrayContaining([
        'node_modules',
        '.git',
        '.env',
        'scripts',
        '!scripts/build-workflow-bundle.ts',
      ]),
    );
  });

  it('starts in order: PostgreSQL healthy, Temporal healthy, search attributes registered, then the app', () => {
    const dependsOn = Object.fromEntries(
      Object.entries(compose.services).map(([name, s]) => [name, s.depends_on ?? {}]),
    );
    expect(dependsOn).toEqual({
      postgresql: {},
      temporal: { postgresql: { condition: 'service_healthy' } },
      'temporal-admin-tools': { temporal: { condition: 'service_healthy' } },
      'temporal-ui': {
        temporal: { condition: 'service_healthy' },
        'codec-server': { condition: 'service_healthy' },
      },
      'codec-server': {},
      sandbox: {},
      worker: {
        temporal: { condition: 'service_healthy' },
        'temporal-admin-tools': { condition: 'service_completed_successfully' },
        // Only with the sandbox profile.
        sandbox: { condition: 'service_healthy', required: false },
      },
      bridge: {
        temporal: { condition: 'service_healthy' },
        'temporal-admin-tools': { condition: 'service_completed_successfully' },
      },
    });
  });

  it('gives every long-running service a healthcheck and lets the one-shot admin job exit', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (name === 'temporal-admin-tools') {
        expect(s.healthcheck).toBeUndefined();
        expect(s.restart).toBe('no');
        continue;
      }
      expect([name, s.healthcheck?.test[0]]).toEqual([name, 'CMD']);
      expect([name, s.healthcheck?.retries]).toEqual([name, expect.any(Number)]);
      expect([name, s.restart]).toEqual([name, 'unless-stopped']);
    }
    expect(service('postgresql').healthcheck?.test).toEqual([
      'CMD',
      'pg_isready',
      '-h',
      '127.0.0.1',
      '-U',
      envOf('postgresql').POSTGRES_USER,
    ]);
    expect(service('temporal').healthcheck?.test).toEqual([
      'CMD',
      'temporal',
      'operator',
      'cluster',
      'health',
      '--address',
      'temporal:7233',
    ]);
  });

  describe('environment', () => {
    it('sets on the app services only variables the configuration schemas know', () => {
      for (const name of APP_SERVICES) {
        const unknown = Object.keys(envOf(name)).filter((v) => !schemas.variables.has(v));
        expect([name, unknown]).toEqual([name, []]);
      }
    });

    it('reaches a config loader for every process it starts', () => {
      for (const name of APP_SERVICES) {
        for (const script of SCRIPTS_RUN_BY[name]) {
          const { loaders } = loadersReachedBy(script);
          expect([script, loaders.length > 0]).toEqual([script, true]);
          expect([script, loaders.filter((l) => !schemas.loaders.has(l))]).toEqual([script, []]);
        }
      }
    });

    const runs: [string, Env][] = [
      ['the sandbox (sandbox.env)', SANDBOX_RUN],
      ...Object.entries(PRODUCTION_RUNS),
    ];
    it.each(runs)('passes every config loader each process calls, against %s', (_label, env) => {
      const file = readComposeFile(env);
      const failures: string[] = [];
      for (const name of APP_SERVICES) {
        for (const script of SCRIPTS_RUN_BY[name]) {
          for (const loaderName of loadersReachedBy(script).loaders) {
            try {
              schemas.loaders.get(loaderName)?.(envOf(name, file));
            } catch (err) {
              failures.push(`${name} (npm run ${script}) ${loaderName}: ${(err as Error).message}`);
            }
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('refuses to start without the Mesh settings, the webhook secret and the encryption key', () => {
      expect(requiredVariables().sort()).toEqual([
        'ENCRYPTION_KEY',
        'MESH_BASE_URL',
        'MESH_SCREENING_CONFIGURATION_ID',
        'WEBHOOK_SECRET',
      ]);
      for (const variable of requiredVariables()) {
        const env = { ...SANDBOX_RUN, [variable]: '' };
        let error: unknown;
        try {
          readComposeFile(env);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(MissingVariableError);
        expect((error as MissingVariableError).variable).toBe(variable);
      }
      // The key's message says how to make one.
      expect(() => readComposeFile({ ...SANDBOX_RUN, ENCRYPTION_KEY: undefined })).toThrow(
        /ENCRYPTION_KEY.*openssl rand -base64 32/,
      );
    });

    it('points nothing at the sandbox unless sandbox.env says so', () => {
      for (const env of Object.values(PRODUCTION_RUNS)) {
        const file = readComposeFile(env);
        const values = APP_SERVICES.filter((n) => n !== 'sandbox').flatMap((n) =>
          Object.values(envOf(n, file)),
        );
        expect(values.filter((v) => v?.includes('sandbox'))).toEqual([]);
        expect(loadBridgeConfig(envOf('bridge', file)).webhookSecrets.map((s) => s.reveal())).toEqual([
          env.WEBHOOK_SECRET,
        ]);
      }
    });

    it('gives every process that touches payloads the same encryption key and id', () => {
      const keyed = ['codec-server', 'worker', 'bridge'].map((name) => {
        const env = envOf(name);
        return [env.ENCRYPTION_KEY, env.ENCRYPTION_KEY_ID, env.ENCRYPTION_PREVIOUS_KEYS];
      });
      expect(keyed).toEqual([
        [ENCRYPTION_KEY, 'key-1', ''],
        [ENCRYPTION_KEY, 'key-1', ''],
        [ENCRYPTION_KEY, 'key-1', ''],
      ]);
    });
  });

  describe('wiring', () => {
    it('connects the worker, bridge and codec server to the temporal service and its namespace', () => {
      const temporalPort = publishedPorts('temporal')[0]?.containerPort;
      const namespace = envOf('temporal-admin-tools').TEMPORAL_NAMESPACE;
      expect(namespace).toBe('default');
      for (const name of ['worker', 'bridge', 'codec-server']) {
        const temporal = loadTemporalConfig(envOf(name));
        expect([name, temporal.address, temporal.namespace]).toEqual([
          name,
          `temporal:${temporalPort}`,
          namespace,
        ]);
      }
      expect(envOf('temporal-admin-tools').TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
      expect(envOf('temporal-ui').TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
    });

    it("sends the UI's browser to the codec server's published port, which accepts the UI's origin", () => {
      const ui = publishedPorts('temporal-ui')[0];
      const codec = publishedPorts('codec-server')[0];
      const endpoint = new URL(envOf('temporal-ui').TEMPORAL_CODEC_ENDPOINT ?? '');
      expect(endpoint.hostname).toBe('localhost');
      expect(Number(endpoint.port)).toBe(codec?.hostPort);
      const uiOrigins = (envOf('temporal-ui').TEMPORAL_CORS_ORIGINS ?? '').split(',');
      expect(uiOrigins).toContain(`http://localhost:${ui?.hostPort}`);
      expect(loadCodecServerConfig(envOf('codec-server')).corsOrigins).toEqual(uiOrigins);
    });

    it("lets the codec server trust exactly the pinned network's gateway, where the browser's requests come from", () => {
      const networks = (compose as unknown as { networks?: Record<string, unknown> }).networks;
      const ipam = networks?.['default'] as { ipam?: { config?: { subnet?: string; gateway?: string }[] } };
      const [pinned] = ipam.ipam?.config ?? [];
      expect(pinned).toEqual({ subnet: '172.31.250.0/24', gateway: '172.31.250.1' });
      const { trustedClients } = loadCodecServerConfig(envOf('codec-server'));
      expect(trustedClients.check(pinned?.gateway ?? '', 'ipv4')).toBe(true);
      expect(trustedClients.check('172.31.250.2', 'ipv4')).toBe(false);
    });

    it('wires the worker and the bridge to the sandbox with sandbox.env', () => {
      const sandbox = loadSandboxConfig(envOf('sandbox'));
      const mesh = loadMeshConfig(envOf('worker'));
      const bridge = loadBridgeConfig(envOf('bridge'));

      expect(mesh.baseUrl).toBe(`http://sandbox:${sandbox.port}`);
      expect(mesh.screeningConfigurationId).toBe('sandbox-default');
      expect(mesh.credentials).toMatchObject({ kind: 'password', realm: 'sandbox' });
      if (mesh.credentials.kind === 'password')
        expect(mesh.credentials.password.reveal()).toBe(sandbox.password);

      expect(sandbox.webhookSecret).toBe(SANDBOX_DEV_WEBHOOK_SECRET);
      expect(bridge.webhookSecrets.map((s) => s.reveal())).toEqual([sandbox.webhookSecret]);
      expect(sandbox.webhookUrls).toEqual([`http://bridge:${bridge.port}${WEBHOOK_ROUTE}`]);
      expect(sandbox.webhookHttpHosts).toContain('bridge');
    });

    it('passes the Temporal client security variables to the worker (and its starter) and the bridge only', () => {
      const file = readComposeFile({
        ...SANDBOX_RUN,
        TEMPORAL_API_KEY: 'a-cloud-api-key',
        TEMPORAL_TLS_SERVER_NAME: 'kyc.a1b2c.tmprl.cloud',
      });
      for (const name of ['worker', 'bridge']) {
        const { connection } = loadTemporalConfig(envOf(name, file));
        expect([name, connection.apiKey?.reveal(), connection.tls?.serverName]).toEqual([
          name,
          'a-cloud-api-key',
          'kyc.a1b2c.tmprl.cloud',
        ]);
      }
      for (const name of ['codec-server', 'temporal-admin-tools', 'temporal-ui']) {
        expect([name, envOf(name, file).TEMPORAL_API_KEY]).toEqual([name, undefined]);
      }
      // Unset, they arrive empty, which means unset: plaintext to the compose temporal service.
      expect(loadTemporalConfig(envOf('worker')).connection).toMatchObject({
        tls: undefined,
        apiKey: undefined,
      });
    });

    it("keeps the sandbox's signing secret and the bridge's the same when WEBHOOK_SECRET changes", () => {
      const secret = Buffer.from('another-secret-for-compose-tests').toString('base64');
      const file = readComposeFile({ ...SANDBOX_RUN, WEBHOOK_SECRET: secret });
      expect(envOf('sandbox', file).SANDBOX_WEBHOOK_SECRET).toBe(secret);
      expect(envOf('bridge', file).WEBHOOK_SECRET).toBe(secret);
    });
  });

  describe('search attribute registration (temporal-admin-tools)', () => {
    const admin = service('temporal-admin-tools');
    const script = admin.command?.[0] ?? '';
    const attributes = (envOf('temporal-admin-tools').KYC_SEARCH_ATTRIBUTES ?? '').split(/\s+/);

    it('registers exactly CUSTOM_SEARCH_ATTRIBUTES, with their types', () => {
      expect(attributes).toEqual(CUSTOM_SEARCH_ATTRIBUTES.map(metadataType));
      expect(admin.entrypoint).toEqual(['/bin/sh', '-c']);
      expect(admin.command).toHaveLength(1);
    });

    /** The real Temporal CLI (the admin-tools image has the same), talking to the test server. */
    const cliEnv = async (namespace: string) => {
      const cli = await resolveTemporalCli({ build: false, log: () => undefined });
      if (cli.kind !== 'path') throw new Error(`no Temporal CLI for this test: ${cli.reason}`);
      return {
        PATH: `${dirname(cli.path)}:${process.env.PATH ?? ''}`,
        HOME: tmpdir(),
        TEMPORAL_ADDRESS: testServerAddress(),
        TEMPORAL_NAMESPACE: namespace,
      };
    };

    const runScript = async (namespace: string, registered: string[]) => {
      const env = { ...(await cliEnv(namespace)), KYC_SEARCH_ATTRIBUTES: registered.join(' ') };
      try {
        // The script's own deadline is minutes; a hang here should fail this test, not outlive it.
        const { stdout } = await run('/bin/sh', ['-c', script], { env, timeout: 30_000 });
        return { code: 0, output: stdout };
      } catch (err) {
        const failure = err as { code?: number; stdout?: string; stderr?: string };
        return { code: failure.code ?? -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
      }
    };

    /** `Name=Type` of the namespace's custom attributes, as the server reports them. */
    const registeredIn = async (namespace: string): Promise<string[]> => {
      const { stdout } = await run('temporal', ['operator', 'search-attribute', 'list', '-o', 'json'], {
        env: await cliEnv(namespace),
      });
      const { customAttributes } = JSON.parse(stdout) as { customAttributes: Record<string, string> };
      const typeName = (type: string) =>
        type
          .replace(/^INDEXED_VALUE_TYPE_/, '')
          .toLowerCase()
          .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
      return Object.entries(customAttributes).map(([name, type]) => `${name}=${typeName(type)}`);
    };

    it('creates them in a fresh namespace, succeeds again when they exist, and stops on a type conflict', async () => {
      const namespace = `compose-${randomUUID()}`;
      await run('temporal', ['operator', 'namespace', 'create', '-n', namespace], {
        env: await cliEnv(namespace),
      });

      const first = await runScript(namespace, attributes);
      expect(first.code).toBe(0);
      expect(first.output).toContain(`search attributes ready in namespace ${namespace}`);
      expect((await registeredIn(namespace)).sort()).toEqual(
        CUSTOM_SEARCH_ATTRIBUTES.map(metadataType).sort(),
      );

      // Every `docker compose up` runs it again.
      const again = await runScript(namespace, attributes);
      expect(again.code).toBe(0);

      const conflicting = attributes.map((a) => (a.startsWith('KycRiskLevel=') ? 'KycRiskLevel=Bool' : a));
      const conflict = await runScript(namespace, conflicting);
      expect(conflict.code).not.toBe(0);
      expect(conflict.output).toContain('KycRiskLevel already exists and has different type');
    });
  });

  describe('prebuilt workflow bundle', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'workflow-bundle-'));
    afterAll(() => rmSync(outDir, { recursive: true, force: true }));

    it('is built from the same inputs the worker would bundle, with the failure converter that encrypts failures', async () => {
      const options = workflowWorkerOptions(
        { taskQueue: 'onboarding' },
        loadWorkerConfig({}),
        loadOnboardingDefaults('sandbox-default', {}),
      );
      expect(options.workflowsPath).toBe(require.resolve('../../src/workflows'));
      expect(options.interceptors?.workflowModules).toBeUndefined();
      expect(options.dataConverter?.payloadConverterPath).toBeUndefined();
      const { path } = await buildWorkflowBundle(join(outDir, 'with-failure-converter.js'));
      expect(readFileSync(path, 'utf8')).toContain('encodeCommonAttributes: true');
    });

    it('replays the recorded onboarding histories, loaded the way the compose worker loads it', async () => {
      installTestRuntime();
      const { path } = await buildWorkflowBundle(join(outDir, 'workflow-bundle.js'));
      const config = loadWorkerConfig({ ...envOf('worker'), WORKFLOW_BUNDLE_PATH: path });
      const { workflowBundle } = workflowWorkerOptions(
        { taskQueue: 'onboarding' },
        config,
        loadOnboardingDefaults('sandbox-default', {}),
      );
      expect(workflowBundle).toEqual({ codePath: path });

      const dir = join(ROOT, 'test', 'fixtures', 'histories');
      const histories = ['approve-straight-through', 'review-positive-decision', 'prohibited-reject'].map(
        (workflowId) => ({
          workflowId,
          history: historyFromJson(JSON.parse(readFileSync(join(dir, `${workflowId}.json`), 'utf8'))),
        }),
      );
      const errors: Record<string, string | undefined> = {};
      for await (const result of Worker.runReplayHistories(
        { workflowBundle: { codePath: path } },
        histories,
      )) {
        errors[result.workflowId] = result.error?.message;
      }
      expect(errors).toEqual({
        'approve-straight-through': undefined,
        'review-positive-decision': undefined,
        'prohibited-reject': undefined,
      });
    });
  });

  describe('healthcheck scripts', () => {
    const runCheck = async (script: string, env: Record<string, string>): Promise<number> => {
      try {
        await run(process.execPath, ['-e', script], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', ...env },
        });
        return 0;
      } catch (err) {
        const failure = err as { code?: number; stderr?: string };
        // A broken script would also exit 1: it must fail quietly, by verdict.
        expect(failure.stderr).toBe('');
        return failure.code ?? -1;
      }
    };

    it("the sandbox's passes once /_sandbox/settings answers and fails while nothing listens", async () => {
      const script = service('sandbox').healthcheck?.test[3] ?? '';
      expect(script).toContain('http://127.0.0.1:4010/_sandbox/settings');
      const sandbox = await startSandbox();
      const port = String(sandbox.port);
      try {
        expect(await runCheck(script.replace(':4010/', `:${port}/`), {})).toBe(0);
      } finally {
        await sandbox.close();
      }
      expect(await runCheck(script.replace(':4010/', `:${port}/`), {})).toBe(1);
    });

    it("the worker's passes only while a worker polls the task queue", async () => {
      const script = service('worker').healthcheck?.test[3] ?? '';
      const taskQueue = uniqueTaskQueue('compose-healthcheck');
      const env = { TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_TASK_QUEUE: taskQueue };
      expect(await runCheck(script, env)).toBe(1);
      const workflowBundle = await bundleOnce(require.resolve('../fixtures/smoke-workflows'));
      const polled = await runWorker({ taskQueue, workflowBundle, activities: createSmokeActivities() }, () =>
        runCheck(script, env),
      );
      expect(polled).toBe(0);
    });

    it("the codec server's passes once /healthz answers and fails while nothing listens", async () => {
      const config = loadCodecServerConfig(envOf('codec-server'));
      const script = service('codec-server').healthcheck?.test[3] ?? '';
      expect(script).toContain(`http://127.0.0.1:${config.port}/healthz`);
      const identity = {
        encode: (p: Payload[]) => Promise.resolve(p),
        decode: (p: Payload[]) => Promise.resolve(p),
      };
      const app = buildCodecServer({ config, codec: identity, namespace: 'default' });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const probe = script.replace(`:${config.port}/`, `:${port}/`);
      try {
        expect(await runCheck(probe, {})).toBe(0);
      } finally {
        await app.close();
      }
      expect(await runCheck(probe, {})).toBe(1);
    });

    it("the bridge's asks its own /readyz", () => {
      expect(service('bridge').healthcheck?.test[3]).toContain(
        `http://127.0.0.1:${loadBridgeConfig(envOf('bridge')).port}/readyz`,
      );
    });
  });
});
