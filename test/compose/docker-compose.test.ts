import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { searchAttributeArgs } from '../../scripts/temporal-cli';
import { WEBHOOK_ROUTE } from '../../src/bridge/app';
import { BRIDGE_ENV_VARIABLES, loadBridgeConfig } from '../../src/config/bridge';
import type { Env } from '../../src/config/env';
import { loadMeshConfig, MESH_ENV_VARIABLES } from '../../src/config/mesh';
import { loadStarterConfig, STARTER_ENV_VARIABLES } from '../../src/config/onboarding';
import {
  loadSandboxConfig,
  SANDBOX_DEV_WEBHOOK_SECRET,
  SANDBOX_ENV_VARIABLES,
} from '../../src/config/sandbox';
import { loadTemporalConfig, TEMPORAL_ENV_VARIABLES } from '../../src/config/temporal';
import { loadWorkerConfig, WORKER_ENV_VARIABLES } from '../../src/config/worker';
import { startSandbox } from '../../src/sandbox';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { bundleOnce, runWorker, testServerAddress, uniqueTaskQueue } from '../helpers/temporal';

/**
 * docker-compose.yml, checked without Docker (none runs here): the services, ports and healthchecks,
 * the environment against the app's own config schemas, the wiring between services, and the
 * healthcheck scripts run for real against a sandbox and the test Temporal server.
 */
const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

interface Healthcheck {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: Healthcheck;
  init?: boolean;
}

/** Compose's `${VAR:-default}` / `${VAR-default}` / `${VAR}` interpolation against `env`. */
function interpolate(value: string, env: Env): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?-)([^}]*))?\}/g,
    (_m, name: string, op: string | undefined, fallback: string | undefined) => {
      const set = env[name];
      if (op === ':-') return set === undefined || set === '' ? (fallback ?? '') : set;
      if (op === '-') return set ?? fallback ?? '';
      return set ?? '';
    },
  );
}

function loadCompose(env: Env = {}): Record<string, Service> {
  const doc = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  for (const service of Object.values(doc.services)) {
    if (service.environment) {
      service.environment = Object.fromEntries(
        Object.entries(service.environment).map(([k, v]) => [k, interpolate(String(v), env)]),
      );
    }
  }
  return doc.services;
}

const services = loadCompose();
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const envOf = (name: string): Env => service(name).environment ?? {};

const KNOWN_VARIABLES = new Set([
  ...SANDBOX_ENV_VARIABLES,
  ...MESH_ENV_VARIABLES,
  ...BRIDGE_ENV_VARIABLES,
  ...TEMPORAL_ENV_VARIABLES,
  ...WORKER_ENV_VARIABLES,
  ...STARTER_ENV_VARIABLES,
]);

describe('docker-compose.yml', () => {
  it('defines temporal, sandbox, worker and bridge, with the sandbox under the "sandbox" profile', () => {
    expect(Object.keys(services).sort()).toEqual(['bridge', 'sandbox', 'temporal', 'worker']);
    expect(service('sandbox').profiles).toEqual(['sandbox']);
    for (const name of ['temporal', 'worker', 'bridge']) expect(service(name).profiles).toBeUndefined();
  });

  it('publishes Temporal on 7233 and 8233, the sandbox on 4010 and the bridge on 3000', () => {
    expect(service('temporal').ports).toEqual(['7233:7233', '8233:8233']);
    expect(service('sandbox').ports).toEqual(['4010:4010']);
    expect(service('bridge').ports).toEqual(['3000:3000']);
    expect(service('worker').ports).toBeUndefined();
  });

  it('runs the Temporal dev server on all interfaces with the custom search attributes', () => {
    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/temporal:/);
    const command = temporal.command ?? [];
    expect(command.slice(0, 4)).toEqual(['server', 'start-dev', '--ip', '0.0.0.0']);
    const attributes = command.slice(command.indexOf('--search-attribute'));
    expect(attributes).toEqual(searchAttributeArgs(CUSTOM_SEARCH_ATTRIBUTES));
  });

  it('builds the app services from the Dockerfile and starts each through its npm script', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of ['sandbox', 'worker', 'bridge']) {
      const s = service(name);
      expect(s.build).toBe('.');
      expect(s.init).toBe(true);
      expect(s.command).toEqual(['npm', 'run', '--silent', name]);
      expect(scripts[name]).toBeDefined();
    }
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', '.env']));
  });

  it('gives every service a healthcheck, and the worker and bridge wait for a healthy Temporal', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.healthcheck?.test[0]]).toEqual([name, 'CMD']);
      expect(s.healthcheck?.retries).toBeGreaterThan(0);
    }
    expect(service('worker').depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
      sandbox: { condition: 'service_healthy', required: false },
    });
    expect(service('bridge').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  });

  it('sets only environment variables the configuration schemas know', () => {
    for (const [name, s] of Object.entries(services)) {
      const unknown = Object.keys(s.environment ?? {}).filter((v) => !KNOWN_VARIABLES.has(v));
      expect([name, unknown]).toEqual([name, []]);
    }
  });

  it("passes each service's environment through the config loaders it runs", () => {
    expect(() => loadSandboxConfig(envOf('sandbox'))).not.toThrow();
    for (const load of [loadTemporalConfig, loadMeshConfig, loadWorkerConfig, loadStarterConfig]) {
      expect(() => load(envOf('worker'))).not.toThrow();
    }
    for (const load of [loadBridgeConfig, loadTemporalConfig])
      expect(() => load(envOf('bridge'))).not.toThrow();
  });

  it('wires the services together the way npm start does', () => {
    const sandbox = loadSandboxConfig(envOf('sandbox'));
    const mesh = loadMeshConfig(envOf('worker'));
    const bridge = loadBridgeConfig(envOf('bridge'));

    expect(sandbox.host).toBe('0.0.0.0');
    expect(mesh.baseUrl).toBe(`http://sandbox:${sandbox.port}`);
    expect(mesh.screeningConfigurationId).toBe('sandbox-default');
    expect(mesh.credentials).toMatchObject({ kind: 'password', realm: 'sandbox' });
    if (mesh.credentials.kind === 'password')
      expect(mesh.credentials.password.reveal()).toBe(sandbox.password);
    for (const name of ['worker', 'bridge'])
      expect(loadTemporalConfig(envOf(name)).address).toBe('temporal:7233');

    expect(bridge.host).toBe('0.0.0.0');
    expect(sandbox.webhookSecret).toBe(SANDBOX_DEV_WEBHOOK_SECRET);
    expect(bridge.webhookSecrets.map((s) => s.reveal())).toEqual([sandbox.webhookSecret]);
    expect(sandbox.webhookUrls).toEqual([`http://bridge:${bridge.port}${WEBHOOK_ROUTE}`]);
    expect(sandbox.webhookHttpHosts).toContain('bridge');
  });

  it("keeps the bridge's secret equal to the sandbox's when SANDBOX_WEBHOOK_SECRET is set", () => {
    const secret = Buffer.from('another-secret-for-compose-tests').toString('base64');
    const withSecret = loadCompose({ SANDBOX_WEBHOOK_SECRET: secret });
    expect(withSecret.sandbox?.environment?.SANDBOX_WEBHOOK_SECRET).toBe(secret);
    expect(withSecret.bridge?.environment?.WEBHOOK_SECRET).toBe(secret);
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
  });
});
