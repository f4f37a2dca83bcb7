import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { externalId, startHarness, type SandboxHarness } from '../helpers/mesh-sandbox';
import { testConnection, uniqueTaskQueue, type TestConnection } from '../helpers/temporal';
import { withSandboxWorkers } from '../helpers/mesh-sandbox';

/**
 * `npm run starter` as a person runs it: the real CLI (src/starter/main.ts through tsx) in a child process,
 * against the test's dev server, with the real workers and the Mesh sandbox where a run needs them.
 */
const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CUSTOMERS = join(ROOT, 'test', 'fixtures', 'customers');

let t: TestConnection;
let h: SandboxHarness;
let dir: string;
beforeAll(async () => {
  t = await testConnection();
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'starter-test-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await h.sandbox.close();
  await t.close();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function starter(taskQueue: string, ...args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: t.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_UI_PORT: '8233',
    // No MESH_SCREENING_CONFIGURATION_ID or REVIEW_*: the starter sends the customer alone and the
    // workflow worker fills in its defaults (test/helpers/onboarding-worker.ts).
  };
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['src/starter/main.ts', ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function requestFile(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

/** Executions of this task queue the server knows about (visibility may lag a moment). */
async function runsOn(taskQueue: string): Promise<number> {
  return (await t.client.workflow.count(`TaskQueue = "${taskQueue}"`)).count;
}

/** The JSON document the starter printed after its header lines. */
function printedJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1)) as Record<string, unknown>;
}

describe('starter CLI: bad input', () => {
  it('lists each problem of the request, exits 2 and starts nothing', async () => {
    const taskQueue = uniqueTaskQueue('cli-bad');
    const run = await starter(taskQueue, '--input', join(CUSTOMERS, 'invalid-person.json'));
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^customer\.external_identifier: /),
        expect.stringMatching(/^customer\.person: .*last_name|^customer\.person\.last_name: /),
        expect.stringMatching(/monitor/),
        'nothing was started or changed',
      ]),
    );
    expect(run.stdout).toBe('');
    expect(await runsOn(taskQueue)).toBe(0);
  });

  it('names a file that is not JSON, exits 2 and starts nothing', async () => {
    const taskQueue = uniqueTaskQueue('cli-bad');
    const path = requestFile('broken.json', '{"customer": {');
    const run = await starter(taskQueue, '--input', path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}: not valid JSON`);
    expect(await runsOn(taskQueue)).toBe(0);
  });

  it('names a file that does not exist, exits 2', async () => {
    const run = await starter(uniqueTaskQueue('cli-bad'), '--input', join(dir, 'missing.json'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read the file (ENOENT)');
  });

  it('explains bad usage with the usage text, exit 2', async () => {
    const run = await starter(uniqueTaskQueue('cli-bad'), 'monitoring', 'sideways', '--id', 'X');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('monitoring: expected "on" or "off"');
    expect(run.stderr).toContain('Usage: npm run starter');
  });
});

describe('starter CLI: onboarding and the operations after it', () => {
  it('starts the guide’s sample customers, prints the workflow ID and UI link, and with --wait the outcome', async () => {
    await withSandboxWorkers(h, async (taskQueue) => {
      const clean = await starter(taskQueue, '--input', join(CUSTOMERS, 'test-cleanuser.json'), '--wait');
      expect(clean.code).toBe(0);
      expect(clean.stdout).toContain('workflow id: onboarding-CUST-CLEANUSER-0001');
      expect(clean.stdout).toContain(
        'Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/onboarding-CUST-CLEANUSER-0001',
      );
      expect(printedJson(clean.stdout)).toMatchObject({ state: 'APPROVED', riskLevel: 'LOW-RISK' });

      const company = await starter(taskQueue, '--input', join(CUSTOMERS, 'example-corp.json'), '--wait');
      expect(company.code).toBe(0);
      expect(printedJson(company.stdout)).toMatchObject({
        state: 'APPROVED',
        externalIdentifier: 'COMP-98765',
      });

      const match = await starter(taskQueue, '--input', join(CUSTOMERS, 'victor-bout.json'), '--wait');
      expect(match.code).toBe(0);
      expect(printedJson(match.stdout)).toMatchObject({
        state: 'AWAITING_REVIEW',
        screeningResult: 'HAS_PROFILES',
      });

      // Without --wait: started, ID and link, nothing more.
      const ext = externalId('CLI');
      const quick = await starter(
        taskQueue,
        '--input',
        requestFile('quick.json', {
          customer: { external_identifier: ext, person: { last_name: 'CleanUser', first_name: 'Test' } },
        }),
      );
      expect(quick.code).toBe(0);
      expect(quick.stdout.trim().split('\n')).toEqual([
        'started onboardCustomer',
        `workflow id: ${onboardingWorkflowId(ext)}`,
        `Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/${onboardingWorkflowId(ext)}`,
      ]);
    });
  }, 120_000);

  it('never creates a second onboarding for the same customer, started twice at once or again later', async () => {
    await withSandboxWorkers(h, async (taskQueue) => {
      const ext = externalId('TWICE');
      const path = requestFile('twice.json', {
        customer: { external_identifier: ext, person: { first_name: 'Test', last_name: 'CleanUser' } },
      });
      const [a, b] = await Promise.all([
        starter(taskQueue, '--input', path),
        starter(taskQueue, '--input', path),
      ]);
      const outputs = [a.stdout, b.stdout];
      expect(outputs.filter((out) => out.startsWith('started onboardCustomer'))).toHaveLength(1);
      expect(outputs.filter((out) => out.includes('not started again'))).toHaveLength(1);

      await t.client.workflow.getHandle(onboardingWorkflowId(ext)).result();
      const later = await starter(taskQueue, '--input', path, '--wait');
      expect(later.code).toBe(0);
      expect(later.stdout).toContain(
        `not started again: ${onboardingWorkflowId(ext)} already exists (COMPLETED)`,
      );
      expect(printedJson(later.stdout)).toMatchObject({ state: 'APPROVED' });

      expect(await h.customerCount(ext)).toBe(1);
      const { count } = await t.client.workflow.count(`WorkflowId = "${onboardingWorkflowId(ext)}"`);
      expect(count).toBe(1);
    });
  }, 120_000);

  it('updates, switches monitoring and offboards an onboarded customer, printing each result', async () => {
    await withSandboxWorkers(h, async (taskQueue) => {
      const ext = externalId('OPS');
      const path = requestFile('ops.json', {
        customer: { external_identifier: ext, person: { first_name: 'Test', last_name: 'CleanUser' } },
      });
      expect((await starter(taskQueue, '--input', path, '--wait')).code).toBe(0);

      const update = await starter(
        taskQueue,
        'update',
        '--id',
        ext,
        '--input',
        requestFile('ops-update.json', {
          customer: { person: { first_name: 'Hugo', last_name: 'Highrisk' } },
        }),
        '--wait',
      );
      expect(update.code).toBe(0);
      expect(printedJson(update.stdout)).toMatchObject({
        previousRiskLevel: 'LOW-RISK',
        riskLevel: 'HIGH-RISK',
      });

      const off = await starter(taskQueue, 'monitoring', 'off', '--id', ext, '--wait');
      expect(off.code).toBe(0);
      expect(printedJson(off.stdout)).toMatchObject({ monitoringEnabled: false });

      const offboard = await starter(
        taskQueue,
        'offboard',
        '--id',
        ext,
        '--reason',
        'account closed',
        '--wait',
      );
      expect(offboard.code).toBe(0);
      expect(printedJson(offboard.stdout)).toMatchObject({
        monitoringEnabled: false,
        reason: 'account closed',
      });
    });
  }, 120_000);
});
