/**
 * `npm run replay -- <file-or-dir>...`: replays workflow histories on this checkout's workflow code (or a
 * prebuilt bundle) and names every history the code could no longer continue, a nondeterminism that
 * would stall those runs after a deploy (CONTRIBUTING.md, "Changing a workflow safely"). It reads the
 * JSON of `temporal workflow show --output json` and the fixtures of test/fixtures/histories alike;
 * each history is replayed on the workflow type its first event names.
 *
 * Gate a deploy on it with the runs open on the cluster (the temporal CLI with the cluster's --address,
 * --namespace and TLS or API key flags, and jq):
 *
 *   mkdir -p open-runs
 *   temporal workflow list --query 'ExecutionStatus="Running"' --output jsonl |
 *     jq -r '[.execution.workflowId, .execution.runId] | @tsv' |
 *     while IFS=$'\t' read -r id run; do
 *       temporal workflow show --workflow-id "$id" --run-id "$run" --output json > "open-runs/$id.$run.json"
 *     done
 *   npm run build                                          # the build about to be deployed
 *   npm run replay -- --bundle dist/workflow-bundle.js open-runs/ && echo "safe to deploy"
 *
 * Payloads stay encrypted in such an export (unless `temporal workflow show` was given the codec server's
 * --codec-endpoint): set the workers' ENCRYPTION_KEY and ENCRYPTION_PREVIOUS_KEYS (docs/encryption.md)
 * and they are decrypted here as the worker decrypts them. Histories hold personal data: keep the
 * exported files where the cluster's data may be, and delete them afterwards.
 *
 * Exit codes: 0 every history replayed, 1 at least one did not (or the replay itself failed), 2 bad usage
 * or an unreadable input (nothing replayed).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { z } from 'zod';
import { runCommandLine, UsageError, type CommandLine } from '../src/platform/cli/command-line';
import { createDataConverter } from '../src/platform/codec/data-converter';
import { ENCRYPTED_ENCODING } from '../src/platform/codec/aes-gcm-codec';
import { loadEncryptionConfig } from '../src/platform/config/encryption';
import { loadOrExit } from '../src/platform/config/env';
import { historyFromJson, startOf } from '../testkit/history-json';

export const REPLAY_USAGE = `Usage: npm run replay -- [--bundle FILE | --workflows PATH] <file-or-dir>...

Replays workflow histories on the current workflow code and reports every one it can no longer continue.

Arguments
  <file-or-dir>      a history as \`temporal workflow show --output json\` writes it, or a directory of them
                     (its *.json files, not recursive); test/fixtures/histories is the recorded corpus

Options
  --bundle FILE      replay on a prebuilt workflow bundle (dist/workflow-bundle.js from npm run build, what
                     WORKFLOW_BUNDLE_PATH points a worker at) instead of bundling src/workflows
  --workflows PATH   replay on another workflows module (a file exporting the workflow functions)
  -h, --help         this text

Encrypted payloads are decrypted with ENCRYPTION_KEY and ENCRYPTION_PREVIOUS_KEYS, as the worker does.

Exit codes: 0 every history replayed, 1 at least one did not, 2 bad usage or unreadable input.`;

type WorkflowSource =
  { kind: 'src' } | { kind: 'bundle'; path: string } | { kind: 'workflows'; path: string };

export type ReplayCommand = { kind: 'help' } | { kind: 'replay'; inputs: string[]; source: WorkflowSource };

export function parseReplayArgs(argv: string[]): ReplayCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        bundle: { type: 'string' },
        workflows: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  if (values.bundle !== undefined && values.workflows !== undefined) {
    throw new UsageError('--bundle and --workflows are alternatives: give one of them, or neither');
  }
  if (positionals.length === 0) {
    throw new UsageError('no histories given: name a history file or a directory of them');
  }
  const source: WorkflowSource =
    values.bundle !== undefined
      ? { kind: 'bundle', path: resolve(values.bundle) }
      : values.workflows !== undefined
        ? { kind: 'workflows', path: resolve(values.workflows) }
        : { kind: 'src' };
  return { kind: 'replay', inputs: positionals, source };
}

/** What reading and checking the inputs found wrong, one line each; nothing is replayed then. */
class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const NOT_AN_EXPORT =
  'not a Temporal history export: expected {"events": [...]} as `temporal workflow show --output json` writes it';

/** The boundary: the shape of an export, before protobuf parses it. */
const historyExportSchema = z.looseObject({
  events: z
    .array(
      z.looseObject({
        eventId: z.union([z.string(), z.number()]),
        eventType: z.string(),
      }),
    )
    .min(1, { error: 'no events' }),
});

/**
 * A history file that passed the checks. Only what the report and the key check need is kept: thousands
 * of exported runs are read again one at a time while they replay.
 */
interface CheckedHistory {
  /** As given (relative to the working directory). */
  file: string;
  workflowId: string;
  workflowType: string;
  /** The start event's input, when its payloads are encrypted (for the key check). */
  encryptedInput: Payload[] | undefined;
}

/** The files named: each file itself, each directory's *.json files (sorted). */
async function historyFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  const problems: string[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      problems.push(`${input}: no such file or directory`);
      continue;
    }
    if (!info.isDirectory()) {
      files.push(input);
      continue;
    }
    const json = (await readdir(input)).filter((name) => name.endsWith('.json')).sort();
    if (json.length === 0) problems.push(`${input}: no .json files in this directory`);
    files.push(...json.map((name) => join(input, name)));
  }
  if (problems.length > 0) throw new InputError(problems);
  return files;
}

async function readHistory(file: string): Promise<temporal.api.history.v1.History> {
  return historyFromJson(JSON.parse(await readFile(file, 'utf8')));
}

async function checkHistory(file: string): Promise<CheckedHistory | string> {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return `${file}: cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `${file}: ${NOT_AN_EXPORT}; this is not JSON`;
  }
  const shape = historyExportSchema.safeParse(json);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const where =
      issue === undefined || issue.path.length === 0 ? '' : ` (at ${issue.path.join('.')}: ${issue.message})`;
    return `${file}: ${NOT_AN_EXPORT}${where}`;
  }
  try {
    const history = historyFromJson(json);
    const { workflowType, workflowId } = startOf(history);
    // The codec's marker, as protobuf JSON writes metadata values (base64).
    const encrypted = text.includes(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));
    const input = history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    return {
      file,
      workflowType,
      workflowId: workflowId ?? file,
      encryptedInput: encrypted ? input : undefined,
    };
  } catch (err) {
    return `${file}: ${NOT_AN_EXPORT} (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Every input checked (one file at a time, so memory stays flat) before anything replays. */
async function checkInputs(inputs: string[]): Promise<CheckedHistory[]> {
  const checked: CheckedHistory[] = [];
  const problems: string[] = [];
  for (const file of await historyFiles(inputs)) {
    const result = await checkHistory(file);
    if (typeof result === 'string') problems.push(result);
    else checked.push(result);
  }
  if (problems.length > 0) throw new InputError(problems);
  return checked;
}

async function workflowCode(
  source: WorkflowSource,
): Promise<Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>> {
  if (source.kind === 'src') return { workflowsPath: require.resolve('../src/workflows') };
  const exists = await stat(source.path).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!exists) {
    const flag = source.kind === 'bundle' ? '--bundle' : '--workflows';
    const hint = source.kind === 'bundle' ? ' (npm run build writes dist/workflow-bundle.js)' : '';
    throw new InputError([`${flag} ${source.path}: no such file${hint}`]);
  }
  return source.kind === 'bundle'
    ? { workflowBundle: { codePath: source.path } }
    : { workflowsPath: source.path };
}

function describeSource(source: WorkflowSource): string {
  if (source.kind === 'src') return 'src/workflows';
  const shown = relative(process.cwd(), source.path);
  return shown === '' || shown.startsWith('..') ? source.path : shown;
}

/**
 * The error's name and the first line of its message; for a failed workflow task Core's message wraps the
 * failure in a debug dump, of which only the inner message says what happened.
 */
function firstLine(err: Error): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(err.message)?.[1];
  return `${err.name}: ${inner ?? err.message.split('\n')[0] ?? ''}`;
}

/**
 * Each encrypted history's input, decrypted before replaying: a missing or wrong key then reads as what it
 * is, instead of a workflow task failure whose message is itself encrypted.
 */
async function undecryptable(
  histories: CheckedHistory[],
  codecs: readonly PayloadCodec[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const h of histories) {
    try {
      let payloads = h.encryptedInput ?? [];
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
    } catch (err) {
      problems.push(`${h.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

export async function replay(command: Extract<ReplayCommand, { kind: 'replay' }>): Promise<number> {
  let histories: CheckedHistory[];
  let code;
  try {
    histories = await checkInputs(command.inputs);
    code = await workflowCode(command.source);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const line of err.problems) process.stderr.write(`${line}\n`);
    return 2;
  }
  const encryption = loadOrExit(() => loadEncryptionConfig());
  const encrypted = histories.filter((h) => h.encryptedInput !== undefined);
  if (encryption === undefined && encrypted.length > 0) {
    process.stderr.write(
      `${encrypted.length} of the histories hold encrypted payloads (e.g. ${encrypted[0]!.file}): set ENCRYPTION_KEY ` +
        'and ENCRYPTION_PREVIOUS_KEYS as the workers have them (docs/encryption.md), or export with ' +
        "`temporal workflow show --codec-endpoint <the codec server's URL>`\n",
    );
    return 2;
  }

  const dataConverter = createDataConverter(encryption, () => undefined);
  const keyProblems = await undecryptable(encrypted, dataConverter.payloadCodecs ?? []);
  if (keyProblems.length > 0) {
    for (const line of keyProblems) process.stderr.write(`${line}\n`);
    return 2;
  }

  // Replay failures are reported below, one line each; the SDK's own log of them would repeat each with a stack.
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const options: ReplayWorkerOptions = {
    ...code,
    dataConverter,
    replayName: 'replay-histories',
  };
  let failed = 0;
  let i = 0;
  const width = Math.max(...histories.map((h) => h.file.length));
  async function* replayed() {
    for (const h of histories) yield { workflowId: h.workflowId, history: await readHistory(h.file) };
  }
  for await (const result of Worker.runReplayHistories(options, replayed())) {
    const h = histories[i++]!;
    const what = `${h.file.padEnd(width)}  ${h.workflowId} (${h.workflowType})`;
    if (result.error === undefined) {
      process.stdout.write(`ok    ${what}\n`);
    } else {
      failed += 1;
      process.stdout.write(`FAIL  ${what}: ${firstLine(result.error)}\n`);
    }
  }
  process.stdout.write(
    `${histories.length} histories replayed on ${describeSource(command.source)}: ${histories.length - failed} ok, ${failed} failed\n`,
  );
  return failed === 0 ? 0 : 1;
}

export const replayCommandLine: CommandLine<ReplayCommand> = {
  name: 'replay',
  usage: REPLAY_USAGE,
  parse: parseReplayArgs,
  run: replay,
};

if (require.main === module) runCommandLine(replayCommandLine);
