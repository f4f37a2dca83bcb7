/**
 * `npm run build` and the compiled code the image runs: src/ alone compiled to dist/ with source maps,
 * the prebuilt workflow bundle beside it, and `node dist/worker/main.js` (no tsx anywhere) starting
 * against the dev server of this jest run, running an onboarding started by `node dist/starter/main.js`
 * against the Mesh sandbox, and draining on one SIGTERM.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_WORKFLOW_BUNDLE_PATH } from '../../scripts/build-workflow-bundle';
import { meshTaskQueue } from '../../src/contracts/onboarding';
import { BUILD_INFO_FILE, gitBuildId } from '../../src/worker/build-id';
import { DEFAULT_PASSWORD, startSandbox, type Sandbox } from '../../src/sandbox/mesh';
import { ROOT, startProcess, type ManagedProcess } from '../../testkit/processes';
import { testConnection, testServerAddress, uniqueTaskQueue, type TestConnection } from '../helpers/temporal';

const run = promisify(execFile);
const DIST = join(ROOT, 'dist');
const WORKER_ENTRY = join('dist', 'worker', 'main.js');
const STARTER_ENTRY = join('dist', 'starter', 'main.js');

/** Log lines (pino JSON) of a process's output; other lines are skipped. */
function logMessages(output: string): string[] {
  return output.split('\n').flatMap((line) => {
    try {
      const { msg } = JSON.parse(line) as { msg?: string };
      return msg === undefined ? [] : [msg];
    } catch {
      return [];
    }
  });
}

const started: ManagedProcess[] = [];
let sandbox: Sandbox;
let t: TestConnection;
let tmp: string;

beforeAll(async () => {
  // The real script, into the repository's dist/ (what the Dockerfile's build stage runs).
  await run('npm', ['run', '--silent', 'build'], { cwd: ROOT, timeout: 90_000 });
  sandbox = await startSandbox();
  t = await testConnection();
  tmp = mkdtempSync(join(tmpdir(), 'compiled-worker-'));
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop('SIGKILL')));
  await t?.close();
  await sandbox?.close();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

/** The worker's environment against the sandbox and the test server, on a queue of its own. */
function workerEnv(taskQueue: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: testServerAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    MESH_BASE_URL: sandbox.url,
    MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default',
    MESH_REALM: 'sandbox',
    MESH_USERNAME: 'dev@example.com',
    MESH_PASSWORD: DEFAULT_PASSWORD,
    ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
    ENCRYPTION_KEY_ID: 'compiled-test',
    WORKER_METRICS_ADDRESS: 'off',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * `node dist/worker/main.js` as the image's command runs it: one process, only PATH and `env` (no
 * NODE_OPTIONS, no tsx); resolves once it logged that its workers exist, fails at once if it exits.
 */
async function startWorker(env: Record<string, string>): Promise<ManagedProcess> {
  const worker = startProcess({
    name: WORKER_ENTRY,
    run: { command: process.execPath, args: [WORKER_ENTRY] },
    env: { PATH: process.env['PATH'] ?? '', ...env },
    keepLines: Infinity,
  });
  started.push(worker);
  await worker.waitForLine('workers started', 40_000);
  // Versioned: ready once the server registered its deployment version and routes new runs to it.
  await worker.waitForLine('this version is', 40_000);
  return worker;
}

/** One SIGTERM, as tini passes on `docker stop`'s: the workers drain and the process exits 0. */
async function stopWorker(worker: ManagedProcess): Promise<void> {
  const status = await worker.stop('SIGTERM', 30_000);
  expect({ code: status.code, forced: status.forced }).toEqual({ code: 0, forced: false });
  expect(logMessages(worker.output())).toContain('workers stopped');
}

describe('npm run build', () => {
  it('compiles src/ alone to dist/ with source maps, writes the workflow bundle, and needs no tsx', () => {
    const srcDirs = readdirSync(join(ROOT, 'src'));
    expect(readdirSync(DIST).sort()).toEqual(
      [...srcDirs, DEFAULT_WORKFLOW_BUNDLE_PATH.replace(/^dist\//, ''), BUILD_INFO_FILE].sort(),
    );
    // The build ID a worker run from dist/ reports (Worker Versioning): this checkout's version and commit.
    const info = JSON.parse(readFileSync(join(DIST, BUILD_INFO_FILE), 'utf8')) as { buildId: string };
    expect(info.buildId).toBe(gitBuildId(ROOT));

    const map = JSON.parse(readFileSync(join(DIST, 'worker', 'main.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: string[];
    };
    expect(map.sources).toEqual(['../../src/worker/main.ts']);
    // The TypeScript travels in the map: the image has no src/.
    expect(map.sourcesContent?.[0]).toBe(readFileSync(join(ROOT, 'src', 'worker', 'main.ts'), 'utf8'));
    expect(existsSync(join(ROOT, DEFAULT_WORKFLOW_BUNDLE_PATH))).toBe(true);

    const compiled = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? compiled(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
      );
    const needingTsx = compiled(DIST).filter((f) =>
      /require\("tsx|from "tsx|import\("tsx/.test(readFileSync(f, 'utf8')),
    );
    expect(needingTsx).toEqual([]);

    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.dependencies['tsx']).toBeUndefined();
    expect(pkg.devDependencies['tsx']).toBeDefined();
  });
});

describe('node dist/worker/main.js', () => {
  it('bundles the compiled workflows, runs an onboarding started by node dist/starter/main.js, and drains on one SIGTERM', async () => {
    const taskQueue = uniqueTaskQueue('compiled');
    // No WORKFLOW_BUNDLE_PATH: `workflowsPath: require.resolve('../workflows')` is dist/workflows here.
    const worker = await startWorker(workerEnv(taskQueue));
    const queues = [
      { name: taskQueue, kind: 1 },
      { name: meshTaskQueue(taskQueue), kind: 2 },
    ];
    for (const queue of queues) {
      const { pollers } = await t.client.workflowService.describeTaskQueue({
        namespace: t.namespace,
        taskQueue: { name: queue.name },
        taskQueueType: queue.kind,
      });
      expect([queue.name, pollers.length > 0]).toEqual([queue.name, true]);
    }

    const externalIdentifier = `CUST-COMPILED-${randomUUID()}`;
    const request = JSON.parse(
      readFileSync(join(ROOT, 'test', 'fixtures', 'customers', 'test-cleanuser.json'), 'utf8'),
    ) as { customer: { external_identifier: string } };
    request.customer.external_identifier = externalIdentifier;
    const input = join(tmp, 'request.json');
    writeFileSync(input, JSON.stringify(request));

    const { stdout } = await run(
      process.execPath,
      [STARTER_ENTRY, '--input', input, '--wait', '--timeout', '40s'],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...workerEnv(taskQueue) }, timeout: 45_000 },
    );
    expect(stdout).toContain(externalIdentifier);
    expect(stdout).toContain('APPROVED');

    await stopWorker(worker);
  });

  it('loads the prebuilt bundle the image points WORKFLOW_BUNDLE_PATH at', async () => {
    const worker = await startWorker(
      workerEnv(uniqueTaskQueue('compiled-bundle'), { WORKFLOW_BUNDLE_PATH: DEFAULT_WORKFLOW_BUNDLE_PATH }),
    );
    await stopWorker(worker);
  });
});
