/**
 * `npm start`: the whole local stack as child processes with prefixed output, each started once what it
 * depends on answers:
 *   temporal  npm run temporal   ready when its gRPC port accepts connections
 *   sandbox   npm run sandbox    ready when GET /_sandbox/settings answers 200
 *   worker    npm run worker     after temporal and sandbox; ready when both its task queues have pollers
 *   bridge    npm run bridge     after temporal; ready when GET /healthz answers 200
 *   codec     npm run codec-server  ready when GET /healthz answers 200; the Web UI decrypts through it
 * Payloads are encrypted with ENCRYPTION_KEY, or else with a local key generated once into
 * .local/encryption-key.json (scripts/local-encryption-key.ts).
 * A service whose entry file does not exist yet is skipped with a note. A Temporal server or sandbox
 * already answering on its port is used as it is. Ctrl-C stops everything (bridge and worker first; what
 * has not stopped after 20 s is killed). If one service dies, the rest are stopped and the exit code is 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WEBHOOK_ROUTE } from '../src/bridge/app';
import { COMPLYCUBE_WEBHOOK_ROUTE } from '../src/bridge/complycube-route';
import { COS_WEBHOOK_ROUTE } from '../src/bridge/cos-route';
import { DEFAULT_COS_PARTNER_ID } from '../src/sandbox/config';
import { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX } from '../src/contracts/ca-classic';
import { coreTaskQueue } from '../src/contracts/core-banking';
import { riskTaskQueue } from '../src/contracts/risk';
import { providerTaskQueue } from '../src/contracts/screening-provider';
import { loadBridgeConfig } from '../src/bridge/config';
import { loadCodecServerConfig } from '../src/codec-server/config';
import { loadOrExit, type Env } from '../src/platform/config/env';
import { loadSandboxConfig } from '../src/sandbox/config';
import { loadTemporalConfig } from '../src/platform/config/temporal';
import { meshTaskQueue } from '../src/contracts/onboarding';
import { localEncryptionKey } from './local-encryption-key';
import { isPortOpen, splitHostPort } from '../testkit/net';
import { LOCAL_TASK_QUEUE_PARTITIONS } from '../testkit/temporal-cli';
import { waitForHttp, waitForPollers, waitForPort } from '../testkit/wait';

const ROOT = join(__dirname, '..');
const useColour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
const COLOURS = { temporal: 35, sandbox: 36, worker: 33, bridge: 32, codec: 34, stack: 1 } as const;
type Name = keyof typeof COLOURS;

function prefix(name: Name): string {
  const label = `[${name}]`.padEnd(11);
  return useColour ? `\x1b[${COLOURS[name]}m${label}\x1b[0m` : label;
}

function say(line: string): void {
  process.stdout.write(`${prefix('stack')}${line}\n`);
}

/** Defaults that wire the children together; anything already set in the environment wins. */
function stackEnvironment(bridgeWillRun: boolean): Env {
  const env: Record<string, string | undefined> = { ...process.env };
  const setDefault = (key: string, value: string) => {
    if (env[key] === undefined || env[key] === '') env[key] = value;
  };
  const sandbox = loadOrExit(() => loadSandboxConfig(env));
  setDefault('MESH_BASE_URL', `http://127.0.0.1:${sandbox.port}`);
  // The sandbox accepts any realm/username with its password (docs/sandbox.md); an access key set by
  // the user selects /v3/token instead, and both at once is a configuration error.
  if (env['MESH_ACCESS_KEY'] === undefined) {
    setDefault('MESH_REALM', 'sandbox');
    setDefault('MESH_USERNAME', 'dev@example.com');
    setDefault('MESH_PASSWORD', sandbox.password);
  }
  setDefault('MESH_SCREENING_CONFIGURATION_ID', 'sandbox-default');
  // The ComplyCube sandbox runs in the same process on its own port (SANDBOX_COMPLYCUBE_PORT, 0 = off):
  // the worker screens through it when asked (SCREENING_PROVIDER=complycube, or a run's `screening`).
  if (sandbox.complycube !== null) {
    setDefault('COMPLYCUBE_BASE_URL', `http://127.0.0.1:${sandbox.complycube.port}/v1`);
    setDefault('COMPLYCUBE_API_KEY', sandbox.complycube.apiKey);
    setDefault('COMPLYCUBE_WEBHOOK_SECRET', sandbox.complycube.webhookSecret);
  }
  // The ComplyAdvantage classic sandbox likewise (SANDBOX_CA_CLASSIC_PORT, 0 = off): a run's `screening`
  // or a tenant (TENANTS_FILE) chooses it. Its webhooks come to the bridge under a local token.
  if (sandbox.caClassic !== null) {
    setDefault('CA_CLASSIC_BASE_URL', `http://127.0.0.1:${sandbox.caClassic.port}`);
    setDefault('CA_CLASSIC_API_KEY', sandbox.caClassic.apiKey);
    setDefault('CA_CLASSIC_SEARCH_PROFILE', 'sandbox-standard');
    setDefault('CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE', 'sandbox-extensive');
    setDefault('CA_CLASSIC_TAG_NAME', 'kyc_ref');
    setDefault('CA_CLASSIC_WEBHOOK_TOKEN', 'local-ca-classic-webhook-token');
  }
  // The risk score before screening and the core-banking customer after approval, both against their
  // sandboxes (SANDBOX_RISK_PORT / SANDBOX_COS_PORT, 0 = off: then the steps stay off too).
  if (sandbox.risk !== null) {
    setDefault('RISK_API_BASE_URL', `http://127.0.0.1:${sandbox.risk.port}`);
    setDefault('RISK_API_KEY', sandbox.risk.apiKey);
    setDefault('MESH_EXTENSIVE_SCREENING_CONFIGURATION_ID', 'sandbox-extensive');
  }
  if (sandbox.cos !== null) {
    setDefault('COS_BASE_URL', `http://127.0.0.1:${sandbox.cos.port}`);
    setDefault('COS_TOKEN_URL', `http://127.0.0.1:${sandbox.cos.port}/connect/token`);
    setDefault('COS_CLIENT_ID', sandbox.cos.clientId);
    setDefault('COS_CLIENT_SECRET', sandbox.cos.clientSecret);
    setDefault('COS_PARTNER_ID', DEFAULT_COS_PARTNER_ID);
    setDefault('COS_WEBHOOK_USERNAME', sandbox.cos.webhookUsername);
    setDefault('COS_WEBHOOK_PASSWORD', sandbox.cos.webhookPassword);
    // The sandbox delivers with the credentials the bridge checks, whichever side was set.
    setDefault('SANDBOX_COS_WEBHOOK_USERNAME', env['COS_WEBHOOK_USERNAME']!);
    setDefault('SANDBOX_COS_WEBHOOK_PASSWORD', env['COS_WEBHOOK_PASSWORD']!);
    // The walkthrough watches a customer go from approval to CORE_READY in seconds, not a quarter hour.
    setDefault('CORE_POLL_INTERVAL', '1m');
  }
  // One worker, restarted after each edit: it takes new runs at once (its build ID changes with the code).
  setDefault('WORKER_DEPLOYMENT_PROMOTE', 'always');
  // The bridge verifies what the sandbox signs, and the sandbox delivers to the bridge from the start.
  setDefault('WEBHOOK_SECRET', sandbox.webhookSecret);
  if (bridgeWillRun) {
    const bridge = loadOrExit(() => loadBridgeConfig(env));
    setDefault('SANDBOX_WEBHOOK_URLS', `http://127.0.0.1:${bridge.port}${WEBHOOK_ROUTE}`);
    setDefault(
      'SANDBOX_COMPLYCUBE_WEBHOOK_URLS',
      `http://127.0.0.1:${bridge.port}${COMPLYCUBE_WEBHOOK_ROUTE}`,
    );
    setDefault('COMPLYCUBE_WEBHOOK_URL', `http://127.0.0.1:${bridge.port}${COMPLYCUBE_WEBHOOK_ROUTE}`);
    setDefault('SANDBOX_COS_WEBHOOK_URLS', `http://127.0.0.1:${bridge.port}${COS_WEBHOOK_ROUTE}`);
    if (env['CA_CLASSIC_WEBHOOK_TOKEN'] !== undefined) {
      setDefault(
        'SANDBOX_CA_CLASSIC_WEBHOOK_URLS',
        `http://127.0.0.1:${bridge.port}${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${env['CA_CLASSIC_WEBHOOK_TOKEN']}`,
      );
    }
  }
  // Encrypted by default: every child gets the same key, and the codec server admits the local Web UI.
  if (env['ENCRYPTION_KEY'] === undefined || env['ENCRYPTION_KEY'] === '') {
    const file = join(ROOT, '.local', 'encryption-key.json');
    const local = loadOrExit(() => localEncryptionKey(file));
    say(`${local.created ? 'generated' : 'using'} the local encryption key "${local.id}" (${file})`);
    if (local.warning !== undefined) say(`warning: ${local.warning}`);
    env['ENCRYPTION_KEY'] = local.key;
    env['ENCRYPTION_KEY_ID'] = local.id;
  }
  const { uiPort } = loadOrExit(() => loadTemporalConfig(env));
  setDefault('CODEC_SERVER_CORS_ORIGINS', `http://127.0.0.1:${uiPort},http://localhost:${uiPort}`);
  return env;
}

interface Running {
  name: Name;
  child: ChildProcess;
  exited: Promise<void>;
}

const running: Running[] = [];
let stopping = false;

function relay(name: Name, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix(name)}${line}\n`);
  });
  stream.on('end', () => {
    if (pending !== '') out.write(`${prefix(name)}${pending}\n`);
  });
}

function start(name: Name, script: string, env: Env, args: string[] = []): Running {
  // Own process group: the terminal's Ctrl-C reaches only this script, which then stops the children
  // in order, and a signal to the group reaches npm, tsx and the real process alike.
  const child = spawn('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  relay(name, child.stdout, process.stdout);
  relay(name, child.stderr, process.stderr);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${name} exited unexpectedly (${signal ?? `exit code ${String(code)}`}); stopping the stack`);
        void stopAll(1);
      }
      resolve();
    });
  });
  const entry: Running = { name, child, exited };
  running.push(entry);
  return entry;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  // Entry points first, infrastructure last, so the worker and bridge never see Temporal vanish under them.
  for (const group of [['bridge', 'worker', 'codec'], ['sandbox'], ['temporal']] as Name[][]) {
    const members = running.filter((r) => group.includes(r.name));
    for (const r of members) signalGroup(r.child, 'SIGINT');
    const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 20_000).unref());
    if ((await Promise.race([Promise.all(members.map((r) => r.exited)), deadline])) === 'late') {
      for (const r of members) signalGroup(r.child, 'SIGKILL');
    }
  }
  say('stopped');
  process.exit(exitCode);
}

/** Resolves when `ready` does; rejects as soon as the service's process exits first. */
async function readyOrExited(r: Running, ready: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  await Promise.race([
    ready(abort.signal),
    r.exited.then(() => {
      throw new Error(`${r.name} exited before it was ready`);
    }),
  ]).finally(() => abort.abort());
}

async function main(): Promise<void> {
  const hasEntry = (file: string) => existsSync(join(ROOT, file));
  const bridgeWillRun = hasEntry('src/bridge/main.ts');
  const env = stackEnvironment(bridgeWillRun);
  const temporal = loadOrExit(() => loadTemporalConfig(env));
  const sandbox = loadOrExit(() => loadSandboxConfig(env));
  const sandboxUrl = `http://127.0.0.1:${sandbox.port}`;

  // Ctrl-C can arrive more than once (the terminal signals npm and tsx too, and tsx relays it); the
  // shutdown's own deadline handles a child that does not stop.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // The browser calls the codec server directly, so the UI gets an address it can reach.
  const codec = loadOrExit(() => loadCodecServerConfig(env));
  const codecHost = codec.host === '0.0.0.0' || codec.host === '::' ? '127.0.0.1' : codec.host;
  const codecUrl = `http://${codecHost.includes(':') ? `[${codecHost}]` : codecHost}:${codec.port}`;
  let codecReady: Promise<void> | undefined;
  if (hasEntry('src/codec-server/main.ts')) {
    const c = start('codec', 'codec-server', env);
    codecReady = readyOrExited(c, (signal) =>
      waitForHttp(`${codecUrl}/healthz`, { timeoutMs: 60_000, signal }),
    );
    codecReady.catch(() => undefined);
  }

  const { host, port } = splitHostPort(temporal.address);
  let temporalReady: Promise<void>;
  let startsTemporal = false;
  if (await isPortOpen(host, port)) {
    say(`Temporal already answers on ${temporal.address}: using it`);
    if (codecReady !== undefined) {
      say(
        `to see decrypted payloads in its Web UI, set ${codecUrl} as its codec server (docs/encryption.md)`,
      );
    }
    temporalReady = Promise.resolve();
  } else {
    startsTemporal = true;
    const uiCodec = codecReady !== undefined ? ['--ui-codec-endpoint', codecUrl] : [];
    const t = start('temporal', 'temporal', env, uiCodec);
    // Generous: on a fresh machine `npm run temporal` first builds the CLI with Go (a few minutes).
    temporalReady = readyOrExited(t, (signal) => waitForPort(host, port, { timeoutMs: 15 * 60_000, signal }));
  }

  let sandboxReady: Promise<void>;
  if (!hasEntry('src/sandbox/main.ts')) {
    say('skipping the Mesh sandbox: src/sandbox/main.ts does not exist yet');
    sandboxReady = Promise.resolve();
  } else if (await isPortOpen('127.0.0.1', sandbox.port)) {
    say(`something already answers on port ${sandbox.port}: using it as the sandbox`);
    sandboxReady = Promise.resolve();
  } else {
    const s = start('sandbox', 'sandbox', env);
    sandboxReady = readyOrExited(s, (signal) =>
      waitForHttp(`${sandboxUrl}/_sandbox/settings`, { timeoutMs: 60_000, signal }),
    );
  }

  // Either may fail while the other is awaited; the awaits below still see the failure.
  temporalReady.catch(() => undefined);
  sandboxReady.catch(() => undefined);
  await temporalReady;
  say(`Temporal ready: gRPC ${temporal.address}, Web UI ${temporal.uiUrl}`);
  await sandboxReady;
  if (hasEntry('src/sandbox/main.ts')) say(`Mesh sandbox ready: ${sandboxUrl}`);

  let workerReady: Promise<void> | undefined;
  if (hasEntry('src/worker/main.ts')) {
    // A server started here has one partition per queue (npm run temporal): the worker's rate plan may
    // count on it. One already running may have Temporal's four, so the worker keeps its safe default.
    const workerEnv =
      startsTemporal && !env['TEMPORAL_TASK_QUEUE_PARTITIONS']
        ? { ...env, TEMPORAL_TASK_QUEUE_PARTITIONS: String(LOCAL_TASK_QUEUE_PARTITIONS) }
        : env;
    const w = start('worker', 'worker', workerEnv);
    const complyCubeOn = (workerEnv['COMPLYCUBE_API_KEY'] ?? '') !== '';
    const queues = [
      { name: temporal.taskQueue, type: 'workflow' },
      { name: meshTaskQueue(temporal.taskQueue), type: 'activity' },
      ...(complyCubeOn
        ? [{ name: providerTaskQueue(temporal.taskQueue, 'complycube'), type: 'activity' } as const]
        : []),
      ...((workerEnv['RISK_API_BASE_URL'] ?? '') !== ''
        ? [{ name: riskTaskQueue(temporal.taskQueue), type: 'activity' } as const]
        : []),
      ...((workerEnv['COS_BASE_URL'] ?? '') !== ''
        ? [{ name: coreTaskQueue(temporal.taskQueue), type: 'activity' } as const]
        : []),
    ] as const;
    // Generous: the first workflow bundle on a cold, busy machine takes a while.
    workerReady = readyOrExited(w, (signal) =>
      waitForPollers(temporal, queues, { timeoutMs: 5 * 60_000, signal }),
    );
    workerReady.catch(() => undefined);
  } else {
    say('skipping the worker: src/worker/main.ts does not exist yet');
  }

  if (bridgeWillRun) {
    const bridge = loadOrExit(() => loadBridgeConfig(env));
    const b = start('bridge', 'bridge', env);
    await readyOrExited(b, (signal) =>
      waitForHttp(`http://127.0.0.1:${bridge.port}/healthz`, { timeoutMs: 60_000, signal }),
    );
    say(`webhook bridge ready: http://127.0.0.1:${bridge.port}${WEBHOOK_ROUTE}`);
  } else {
    say('skipping the webhook bridge: src/bridge/main.ts does not exist yet');
  }

  if (workerReady !== undefined) {
    await workerReady;
    const tq = temporal.taskQueue;
    const on = (key: string) => (env[key] ?? '') !== '';
    const queues = [
      `${tq} (workflows)`,
      `${meshTaskQueue(tq)} (Mesh calls)`,
      ...(on('COMPLYCUBE_API_KEY') ? [`${providerTaskQueue(tq, 'complycube')} (ComplyCube calls)`] : []),
      ...(on('CA_CLASSIC_API_KEY')
        ? [`${providerTaskQueue(tq, 'ca-classic')} (ComplyAdvantage classic calls)`]
        : []),
      ...(on('RISK_API_BASE_URL') ? [`${riskTaskQueue(tq)} (risk scores)`] : []),
      ...(on('COS_BASE_URL') ? [`${coreTaskQueue(tq)} (core banking)`] : []),
    ];
    say(`worker polling ${queues.join(', ')}`);
  }

  if (codecReady !== undefined) {
    await codecReady;
    say(`codec server ready: ${codecUrl} (the Web UI shows decrypted payloads through it)`);
  }

  say(`up. Temporal Web UI: ${temporal.uiUrl}  |  Ctrl-C stops everything`);
  say(
    'try, in another terminal: eval "$(npm run -s stack-env)" && npm run starter -- --input test/fixtures/customers/victor-bout.json --wait',
  );
}

main().catch((err: unknown) => {
  if (stopping) return;
  say(err instanceof Error ? err.message : String(err));
  void stopAll(1);
});
