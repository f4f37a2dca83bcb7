/**
 * `npm run replay`, the deploy gate (scripts/replay-histories.ts), as the real process an operator runs:
 * recorded histories replay (exit 0), a history the workflow code can no longer continue is named
 * (exit 1), and a file that is no history export is refused before anything replays (exit 2). The
 * bundles are built here once (`--bundle`, as an operator replays on dist/workflow-bundle.js) and the
 * three runs start at once: each spends seconds starting tsx and the SDK.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleOnce } from '../../testkit/bundle';
import { baseEnv, ROOT } from '../../testkit/processes';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const TSX = resolve(ROOT, 'node_modules', '.bin', 'tsx');
const HISTORIES = 'test/fixtures/histories';
/** One recorded history of each workflow type: the whole corpus is test/workflows/replay.test.ts's. */
const ONE_OF_EACH = [
  'terms-review-continued-run-approved.json',
  'update-customer-data-rescored.json',
  'set-customer-monitoring-off.json',
  'offboard-customer-withdraws-onboarding.json',
  'monitoring-case-negative-starts-offboarding.json',
];

/** The command as `npm run replay -- ...args` runs it; no ENCRYPTION_KEY or other variable of this shell. */
function replay(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      TSX,
      ['scripts/replay-histories.ts', ...args],
      { cwd: ROOT, env: baseEnv(), timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
let directory: Promise<Run>;
let changed: Promise<Run>;
let garbage: Promise<Run>;

/** A workflows module bundled (testkit/bundle.ts), in a file for `--bundle`. */
async function bundleFile(dir: string, name: string, workflowsPath: string): Promise<string> {
  const path = join(dir, `${name}.js`);
  writeFileSync(path, (await bundleOnce(workflowsPath)).code);
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'replay-input-'));
  // e.g. the output of `temporal workflow list` instead of `temporal workflow show`, next to a good file.
  writeFileSync(join(dir, 'workflows.json'), JSON.stringify([{ execution: { workflowId: 'w-1' } }]));
  garbage = replay(`${HISTORIES}/terms-approve-straight-through.json`, join(dir, 'workflows.json'));

  const current = await bundleFile(dir, 'current', require.resolve('../../src/workflows'));
  // The careless edit of test/workflows/replay.test.ts: onboardCustomer with its steps changed.
  const careless = await bundleFile(
    dir,
    'changed',
    require.resolve('../workflows/fixtures/changed-onboarding'),
  );
  const exported = join(dir, 'exported');
  mkdirSync(exported);
  for (const file of ONE_OF_EACH) copyFileSync(resolve(ROOT, HISTORIES, file), join(exported, file));
  directory = replay('--bundle', current, exported);
  changed = replay('--bundle', careless, `${HISTORIES}/terms-review-confirmed-webhook-positive.json`);
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it('replays the histories of a directory on the current code: one ok line each, exit 0', async () => {
  const { code, stdout, stderr } = await directory;
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  for (const file of ONE_OF_EACH) expect(stdout).toMatch(new RegExp(`^ok +\\S+/exported/${file} `, 'm'));
  expect(stdout).toMatch(/^5 histories replayed on \S+current\.js: 5 ok, 0 failed$/m);
}, 90_000);

it('names the history a changed workflow cannot continue, with the error, and exits 1', async () => {
  const { code, stdout } = await changed;
  expect(code).toBe(1);
  expect(stdout).toMatch(
    new RegExp(
      `^FAIL +${HISTORIES}/terms-review-confirmed-webhook-positive.json +onboarding-REPLAY-TERMS-REVIEW-0001 \\(onboardCustomer\\): DeterminismViolationError: .*Nondeterminism`,
      'm',
    ),
  );
  expect(stdout).toMatch(/^1 histories replayed on \S+changed\.js: 0 ok, 1 failed$/m);
}, 90_000);

it('refuses a file that is no history export before replaying anything, and exits 2', async () => {
  const { code, stdout, stderr } = await garbage;
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(
    /workflows\.json: not a Temporal history export: expected \{"events": \[\.\.\.\]\} as `temporal workflow show --output json` writes it/,
  );
}, 90_000);
