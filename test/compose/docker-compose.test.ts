import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { TypedSearchAttributes, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { buildWorkflowBundle, DEFAULT_WORKFLOW_BUNDLE_PATH } from '../../scripts/build-workflow-bundle';
import { resolveTemporalCli } from '../../testkit/temporal-cli';
import { WEBHOOK_ROUTE } from '../../src/bridge/app';
import { buildCodecServer } from '../../src/codec-server/app';
import { loadBridgeConfig } from '../../src/bridge/config';
import { loadCodecServerConfig } from '../../src/codec-server/config';
import type { Env } from '../../src/platform/config/env';
import { loadMeshConfig } from '../../src/providers/mesh/config';
import { loadMetricsConfig } from '../../src/platform/config/metrics';
import {
  DEFAULT_COS_CLIENT_ID,
  DEFAULT_COS_CLIENT_SECRET,
  DEFAULT_COS_PARTNER_ID,
  DEFAULT_RISK_API_KEY,
  loadSandboxConfig,
  SANDBOX_DEV_WEBHOOK_SECRET,
} from '../../src/sandbox/config';
import { COS_WEBHOOK_ROUTE } from '../../src/bridge/cos-route';
import { loadRiskConfig } from '../../src/providers/risk/config';
import { cosConnectionOf, loadCosConfig, requireCosWebhookCredentials } from '../../src/providers/cos/config';
import { loadTemporalConfig } from '../../src/platform/config/temporal';
import { loadWorkerConfig } from '../../src/worker/config';
import { loadOnboardingDefaults } from '../../src/worker/onboarding-defaults';
import { startSandbox } from '../../src/sandbox/mesh';
import { meshTaskQueue } from '../../src/contracts/onboarding';
import { providerTaskQueue } from '../../src/contracts/screening-provider';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { workflowWorkerOptions } from '../../src/worker/options';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { bundleOnce } from '../../testkit/bundle';
import { historyFromJson } from '../../testkit/history-json';
import {
  installTestRuntime,
  runWorker,
  testConnection,
  testServerAddress,
  uniqueTaskQueue,
} from '../helpers/temporal';
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
import { loadConfigSchemas, loadersReachedBy, sourceOfCommand, type ConfigSchemas } from './known-variables';

/**
 * docker-compose.yml and the Dockerfile, checked without Docker (none runs here): services, images, ports,
 * healthchecks, start order, networks and container hardening; every variable of the app services against
 * the config schemas and through the loaders each process really calls; the wiring between the services;
 * and the scripts it runs (schema job, namespace and search attribute registration, healthchecks, the
 * prebuilt workflow bundle) run for real: against a stand-in for temporal-sql-tool, and against the test
 * Temporal server.
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
/** The one-shot jobs of the admin-tools image. */
const JOBS = ['temporal-schema', 'temporal-admin-tools'] as const;
/** The starter, through `docker compose run --rm worker node dist/starter/main.js ...` (docs/compose.md). */
const STARTER_COMMAND = ['node', 'dist/starter/main.js'];
/** What each app container runs: its own command, and the worker's also the starter. */
const COMMANDS_RUN_BY = (name: (typeof APP_SERVICES)[number]): string[][] => [
  service(name).command ?? [],
  ...(name === 'worker' ? [STARTER_COMMAND] : []),
];

const compose = readComposeFile(SANDBOX_RUN);
function service(name: string, file: ComposeFile = compose): Service {
  const found = file.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}
const envOf = (name: string, file: ComposeFile = compose): Env => service(name, file).environment ?? {};
const publishedPorts = (name: string) => (service(name).ports ?? []).map(parsePort);
const metadataType = (key: (typeof CUSTOM_SEARCH_ATTRIBUTES)[number]) =>
  `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** The Dockerfile's stages in order: base image, stage name, and the instructions of each. */
const stages = dockerfile
  .split(/^(?=FROM )/m)
  .filter((part) => part.startsWith('FROM '))
  .map((part) => {
    const [, image = '', name] = /^FROM (\S+)(?: AS (\S+))?$/m.exec(part) ?? [];
    return { image, name, text: part };
  });

let schemas: ConfigSchemas;
beforeAll(async () => {
  schemas = await loadConfigSchemas();
});

describe('docker-compose.yml', () => {
  it('defines PostgreSQL, its schema job, Temporal, its admin job and UI, the codec server, worker and bridge, and the sandbox as a profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'bridge',
      'codec-server',
      'postgresql',
      'sandbox',
      'temporal',
      'temporal-admin-tools',
      'temporal-schema',
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

  it("runs Temporal's production server image, the version of the test server, on PostgreSQL 16 with a persistent volume, and the UI 2.42", async () => {
    const t = await testConnection();
    let serverVersion: string;
    try {
      serverVersion = (await t.client.workflowService.getSystemInfo({})).serverVersion;
    } finally {
      await t.close();
    }
    expect(serverVersion).toMatch(/^1\.29\.\d+$/);

    expect(service('postgresql').image).toMatch(/^postgres:16\.\d+$/);
    expect(service('postgresql').volumes).toEqual(['postgresql-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['postgresql-data']);

    // Not the dev-only auto-setup image: the schema and the namespace are the one-shot jobs' work.
    expect(service('temporal').image).toBe(`temporalio/server:${serverVersion}`);
    for (const job of JOBS) {
      expect([job, service(job).image]).toEqual([
        job,
        expect.stringMatching(`^temporalio/admin-tools:${serverVersion}-`),
      ]);
    }
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.42\.\d+$/);
    expect(envOf('temporal')).toEqual({
      DB: 'postgres12',
      DB_PORT: '5432',
      POSTGRES_SEEDS: 'postgresql',
      POSTGRES_USER: envOf('postgresql').POSTGRES_USER,
      POSTGRES_PWD: envOf('postgresql').POSTGRES_PASSWORD,
      DYNAMIC_CONFIG_FILE_PATH: '/etc/temporal/config/dynamicconfig/kyc-onboarding.yaml',
      BIND_ON_IP: '0.0.0.0',
    });
  });

  it("pins every image to an exact version, the Dockerfile's Node included", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.build !== undefined) {
        expect([name, s.image]).toEqual([name, 'kyc-onboarding-orchestrator:local']);
        continue;
      }
      // postgres:16.15, temporalio/server:1.29.1, temporalio/admin-tools:1.29.1-tctl-..., temporalio/ui:2.42.1
      expect([name, s.image]).toEqual([
        name,
        expect.stringMatching(/^[a-z/-]+:\d+\.\d+(\.\d+)?(-[\w.-]+)?$/),
      ]);
    }
    // One Node release for every stage: a supported LTS line (24, "Krypton", until April 2028), exact.
    const nodeImages = new Set(stages.map((s) => s.image));
    expect(nodeImages.size).toBe(1);
    expect([...nodeImages][0]).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
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
    const taskQueue = loadTemporalConfig(envOf('worker')).taskQueue;
    const meshQueue = meshTaskQueue(taskQueue);
    // ComplyCube allows no burst: its queue needs one partition for the worker's per-second plan.
    const complyCubePartitions = loadWorkerConfig(envOf('worker')).complyCubeTaskQueuePartitions;
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      expect(dynamicConfig[key]).toEqual([
        { value: partitions, constraints: { taskQueueName: meshQueue } },
        {
          value: complyCubePartitions,
          constraints: { taskQueueName: providerTaskQueue(taskQueue, 'complycube') },
        },
        { value: 4 },
      ]);
    }
    expect(partitions).toBe(1);
    expect(complyCubePartitions).toBe(1);
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
      'temporal-schema': [],
      temporal: ['127.0.0.1:7233->7233'],
      'temporal-admin-tools': [],
      'temporal-ui': ['127.0.0.1:8080->8080'],
      'codec-server': ['127.0.0.1:8888->8888'],
      // Mesh, risk, COS (their control routes); ComplyCube's 4011 stays inside the compose network.
      sandbox: ['127.0.0.1:4010->4010', '127.0.0.1:4012->4012', '127.0.0.1:4013->4013'],
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
    const sandbox = loadSandboxConfig(envOf('sandbox'));
    expect(sandbox).toMatchObject({ host: '0.0.0.0', port: 4010 });
    expect(containerPorts('sandbox')).toEqual([sandbox.port, sandbox.risk?.port, sandbox.cos?.port]);
  });

  it('builds the app services from the Dockerfile and starts each as node dist/<process>/main.js, not through npm', () => {
    for (const name of APP_SERVICES) {
      const s = service(name);
      // tini is the image's entrypoint; compose's own init would put a second one in front of it.
      expect([name, s.build, s.init]).toEqual([
        name,
        // The build ID argument, empty unless WORKER_BUILD_ID is set (docs/deploying.md).
        { context: '.', args: { WORKER_BUILD_ID: '' } },
        undefined,
      ]);
      expect([name, s.command]).toEqual([name, ['node', `dist/${name}/main.js`]]);
      // Compiled from src/<process>/main.ts.
      expect(sourceOfCommand(s.command ?? [])).toBe(join(ROOT, 'src', name, 'main.ts'));
    }
    sourceOfCommand(STARTER_COMMAND);
  });

  it('builds with dev dependencies and runs node dist/... under tini as a non-root user, without npm or tsx', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'production-dependencies', undefined]);
    const [build, deps, runtime] = stages.map((s) => s.text);

    // Build: every dependency, then `npm run build` (tsc with tsconfig.build.json + the workflow bundle).
    expect(build).toMatch(/^RUN npm ci$/m);
    expect(build).toMatch(/^COPY tsconfig\.json tsconfig\.build\.json \.\/$/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts['build']).toContain('tsc -p tsconfig.build.json');
    expect(pkg.scripts['build']).toContain('scripts/build-workflow-bundle.ts');
    expect(pkg.dependencies['tsx']).toBeUndefined();
    expect(pkg.devDependencies['tsx']).toBeDefined();

    // Runtime: production dependencies and dist/ only, no package manager, tini as PID 1, node as its child.
    expect(deps).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime?.match(/^COPY .*$/gm)).toEqual([
      'COPY --from=production-dependencies /app/node_modules ./node_modules',
      'COPY --from=build /app/dist ./dist',
    ]);
    expect(runtime).toMatch(/rm -rf \/usr\/local\/lib\/node_modules\/npm\b/);
    expect(runtime).toMatch(/rm -f \/usr\/local\/bin\/npm \/usr\/local\/bin\/npx\b/);
    expect(runtime).toMatch(
      /^RUN apt-get update\s+\\\s+&& apt-get install -y --no-install-recommends tini\b/m,
    );
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/worker\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/\b(npm|npx|tsx) (run|ci|install)\b|"npm"|"tsx"/);

    // The worker is pointed at the bundle the build stage wrote into dist/.
    expect(loadWorkerConfig(envOf('worker')).workflowBundlePath).toBe(
      posix.join('/app', DEFAULT_WORKFLOW_BUNDLE_PATH),
    );

    // The build context is exactly what the build stage copies.
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(allowed).toEqual([
      '*',
      '!package.json',
      '!package-lock.json',
      '!tsconfig.json',
      '!tsconfig.build.json',
      '!src',
      '!scripts/build-workflow-bundle.ts',
    ]);
    const copied = [...(build ?? '').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap(
      (m) => m[1]?.split(' ') ?? [],
    );
    expect(copied.sort()).toEqual(
      allowed
        .slice(1)
        .map((a) => a.slice(1))
        .sort(),
    );
  });

  it('hardens every container: read-only root (tmpfs where it writes), no new privileges, no capabilities, a memory limit', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect([name, s.read_only, s.security_opt, s.cap_drop]).toEqual([
        name,
        true,
        ['no-new-privileges:true'],
        ['ALL'],
      ]);
      expect([name, s.mem_limit]).toEqual([name, expect.stringMatching(/^\d+[mg]$/)]);
      // Only tmpfs mounts and the database's volume are writable.
      expect([name, s.volumes]).toEqual([name, name === 'postgresql' ? expect.any(Array) : undefined]);
      expect([name, s.tmpfs]).toEqual([name, expect.arrayContaining(['/tmp'])]);
    }
    // PostgreSQL starts as its own user (no root entrypoint that drops privileges), socket on tmpfs.
    expect(service('postgresql').user).toBe('postgres');
    expect(service('postgresql').tmpfs).toEqual(['/var/run/postgresql', '/tmp']);
    // Temporal's configuration is rendered onto tmpfs, and the server reads it from there.
    const serverScript = service('temporal').command?.[0] ?? '';
    expect(serverScript).toContain(
      'dockerize -template /etc/temporal/config/config_template.yaml:/tmp/temporal/config/docker.yaml',
    );
    expect(serverScript).toMatch(
      /^exec temporal-server --root \/tmp\/temporal --config config --env docker start$/m,
    );
  });

  it('keeps the database on an internal network with the schema job and Temporal alone, and the bridge on a network of its own', () => {
    const members = (network: string) =>
      Object.entries(compose.services)
        .filter(([, s]) => (s.networks ?? ['default']).includes(network))
        .map(([name]) => name)
        .sort();
    expect(Object.keys(compose.networks ?? {}).sort()).toEqual(['database', 'default', 'webhooks']);
    expect(compose.networks?.['database']).toEqual({ internal: true });
    expect(members('database')).toEqual(['postgresql', 'temporal', 'temporal-schema']);
    expect(service('postgresql').networks).toEqual(['database']);
    // The bridge reaches the Temporal frontend and nothing else; the sandbox delivers webhooks to it.
    expect(service('bridge').networks).toEqual(['webhooks']);
    expect(members('webhooks')).toEqual(['bridge', 'sandbox', 'temporal']);
    expect(members('default')).toEqual([
      'codec-server',
      'sandbox',
      'temporal',
      'temporal-admin-tools',
      'temporal-ui',
      'worker',
    ]);
  });

  it('starts in order: PostgreSQL healthy, schema up to date, Temporal healthy, namespace and search attributes registered, then the app', () => {
    const dependsOn = Object.fromEntries(
      Object.entries(compose.services).map(([name, s]) => [name, s.depends_on ?? {}]),
    );
    expect(dependsOn).toEqual({
      postgresql: {},
      'temporal-schema': { postgresql: { condition: 'service_healthy' } },
      temporal: {
        postgresql: { condition: 'service_healthy' },
        'temporal-schema': { condition: 'service_completed_successfully' },
      },
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

  it('gives every long-running service a healthcheck and lets the one-shot jobs exit', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if ((JOBS as readonly string[]).includes(name)) {
        expect([name, s.healthcheck, s.restart, s.entrypoint]).toEqual([
          name,
          undefined,
          'no',
          ['/bin/sh', '-c'],
        ]);
        expect([name, s.command?.length]).toEqual([name, 1]);
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
        for (const command of COMMANDS_RUN_BY(name)) {
          const entry = command.join(' ');
          const { loaders } = loadersReachedBy(sourceOfCommand(command));
          expect([entry, loaders.length > 0]).toEqual([entry, true]);
          expect([entry, loaders.filter((l) => !schemas.loaders.has(l))]).toEqual([entry, []]);
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
        for (const command of COMMANDS_RUN_BY(name)) {
          for (const loaderName of loadersReachedBy(sourceOfCommand(command)).loaders) {
            try {
              schemas.loaders.get(loaderName)?.(envOf(name, file));
            } catch (err) {
              failures.push(`${name} (${command.join(' ')}) ${loaderName}: ${(err as Error).message}`);
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

    it('wires the risk score and the COS core-banking customer to the sandbox, and COS to the bridge, with sandbox.env', () => {
      const sandbox = loadSandboxConfig(envOf('sandbox'));
      const worker = envOf('worker');
      const bridge = loadBridgeConfig(envOf('bridge'));

      const risk = loadRiskConfig(worker);
      expect(risk.baseUrl).toBe(`http://sandbox:${sandbox.risk?.port}`);
      expect(risk.apiKey?.reveal()).toBe(sandbox.risk?.apiKey);
      expect(sandbox.risk?.apiKey).toBe(DEFAULT_RISK_API_KEY);
      // The worker refuses the risk step without the enhanced route's Mesh configuration.
      expect(loadMeshConfig(worker).extensiveScreeningConfigurationId).toBe('sandbox-extensive');

      const cos = loadCosConfig(worker);
      const connection = cosConnectionOf(cos);
      expect(connection).toMatchObject({
        baseUrl: `http://sandbox:${sandbox.cos?.port}`,
        tokenUrl: `http://sandbox:${sandbox.cos?.port}/connect/token`,
        clientId: sandbox.cos?.clientId,
        partnerId: DEFAULT_COS_PARTNER_ID,
      });
      expect(connection?.clientSecret.reveal()).toBe(sandbox.cos?.clientSecret);
      expect([sandbox.cos?.clientId, sandbox.cos?.clientSecret]).toEqual([
        DEFAULT_COS_CLIENT_ID,
        DEFAULT_COS_CLIENT_SECRET,
      ]);

      // The sandbox delivers to the bridge's COS route with the Basic credentials the bridge checks.
      expect(sandbox.cos?.webhookUrls).toEqual([`http://bridge:${bridge.port}${COS_WEBHOOK_ROUTE}`]);
      expect(bridge.cosWebhookCredentials?.username.reveal()).toBe(sandbox.cos?.webhookUsername);
      expect(bridge.cosWebhookCredentials?.password.reveal()).toBe(sandbox.cos?.webhookPassword);
      // register-webhooks, run in the worker's container, finds the same credentials there.
      expect(requireCosWebhookCredentials(cos).username).toBe(sandbox.cos?.webhookUsername);
    });

    it('leaves the risk score, the core-banking customer and the COS route off without sandbox.env', () => {
      for (const env of Object.values(PRODUCTION_RUNS)) {
        const file = readComposeFile(env);
        expect(loadRiskConfig(envOf('worker', file)).baseUrl).toBeUndefined();
        expect(cosConnectionOf(loadCosConfig(envOf('worker', file)))).toBeUndefined();
        expect(loadBridgeConfig(envOf('bridge', file)).cosWebhookCredentials).toBeUndefined();
      }
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
      for (const name of ['codec-server', 'temporal-schema', 'temporal-admin-tools', 'temporal-ui']) {
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

  describe('schema job (temporal-schema)', () => {
    const script = service('temporal-schema').command?.[0] ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'temporal-schema-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /**
     * The script with a stand-in for the image's temporal-sql-tool that records each call (its arguments
     * and the SQL_* environment it reads) and fails the call named by FAIL_ON.
     */
    const runSchemaScript = async (failOn = '') => {
      const log = join(dir, `calls-${randomUUID()}.log`);
      const tool = join(dir, 'temporal-sql-tool');
      writeFileSync(
        tool,
        [
          '#!/bin/sh',
          'echo "$SQL_PLUGIN $SQL_USER@$SQL_HOST:$SQL_PORT $*" >> "$CALLS"',
          'case "$*" in "$FAIL_ON") echo "failed: $*" >&2; exit 1 ;; esac',
        ].join('\n'),
      );
      chmodSync(tool, 0o755);
      const env = { ...envOf('temporal-schema'), PATH: `${dir}:/usr/bin:/bin`, CALLS: log, FAIL_ON: failOn };
      let code = 0;
      try {
        await run('/bin/sh', ['-c', script], { env, timeout: 10_000 });
      } catch (err) {
        code = (err as { code?: number }).code ?? -1;
      }
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      return { code, calls };
    };

    it("creates both databases and brings each schema to the image's version, as the PostgreSQL user", async () => {
      expect(envOf('temporal-schema')).toEqual({
        SQL_PLUGIN: envOf('temporal').DB,
        SQL_HOST: envOf('temporal').POSTGRES_SEEDS,
        SQL_PORT: envOf('temporal').DB_PORT,
        SQL_USER: envOf('postgresql').POSTGRES_USER,
        SQL_PASSWORD: envOf('postgresql').POSTGRES_PASSWORD,
      });
      const { code, calls } = await runSchemaScript();
      expect(code).toBe(0);
      const as = 'postgres12 temporal@postgresql:5432';
      const schemas = '/etc/temporal/schema/postgresql/v12';
      expect(calls).toEqual([
        `${as} --db temporal create-database`,
        `${as} --db temporal setup-schema -v 0.0`,
        `${as} --db temporal update-schema -d ${schemas}/temporal/versioned`,
        `${as} --db temporal_visibility create-database`,
        `${as} --db temporal_visibility setup-schema -v 0.0`,
        `${as} --db temporal_visibility update-schema -d ${schemas}/visibility/versioned`,
      ]);
    });

    it('stops at the first failure, so the server does not start on a half-made schema', async () => {
      const { code, calls } = await runSchemaScript('--db temporal setup-schema -v 0.0');
      expect(code).not.toBe(0);
      expect(calls).toHaveLength(2);
    });
  });

  describe('namespace and search attribute registration (temporal-admin-tools)', () => {
    const admin = service('temporal-admin-tools');
    const script = admin.command?.[0] ?? '';
    const attributes = (envOf('temporal-admin-tools').KYC_SEARCH_ATTRIBUTES ?? '').split(/\s+/);

    it('registers exactly CUSTOM_SEARCH_ATTRIBUTES, with their types', () => {
      expect(attributes).toEqual(CUSTOM_SEARCH_ATTRIBUTES.map(metadataType));
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
      const env = {
        ...(await cliEnv(namespace)),
        TEMPORAL_NAMESPACE_RETENTION: envOf('temporal-admin-tools').TEMPORAL_NAMESPACE_RETENTION ?? '',
        KYC_SEARCH_ATTRIBUTES: registered.join(' '),
      };
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

    it('creates the namespace and the attributes, succeeds again when they exist, and stops on a type conflict', async () => {
      const namespace = `compose-${randomUUID()}`;

      const first = await runScript(namespace, attributes);
      expect(first.code).toBe(0);
      expect(first.output).toContain(`namespace ${namespace} created (retention 24h)`);
      expect(first.output).toContain(`search attributes ready in namespace ${namespace}`);
      const { stdout } = await run(
        'temporal',
        ['operator', 'namespace', 'describe', '-n', namespace, '-o', 'json'],
        {
          env: await cliEnv(namespace),
        },
      );
      const described = JSON.parse(stdout) as { config?: { workflowExecutionRetentionTtl?: string } };
      expect(described.config?.workflowExecutionRetentionTtl).toBe('86400s');
      expect((await registeredIn(namespace)).sort()).toEqual(
        CUSTOM_SEARCH_ATTRIBUTES.map(metadataType).sort(),
      );

      // Every `docker compose up` runs it again.
      const again = await runScript(namespace, attributes);
      expect(again.code).toBe(0);
      expect(again.output).toContain(`namespace ${namespace} exists`);

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
