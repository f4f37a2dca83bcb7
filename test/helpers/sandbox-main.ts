/**
 * `npm run sandbox` (src/sandbox/main.ts) as a real process, configured only through SANDBOX_* variables:
 * what the sandbox start tests (test/sandbox/*-config.test.ts, main.test.ts) share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface StartedSandboxMain {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output: () => string;
  exit: Promise<number | null>;
}

/** Starts it with `env` (and PATH) only. */
export function startSandboxMain(env: Record<string, string>): StartedSandboxMain {
  const child = spawn(TSX, ['src/sandbox/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/** Stops it if it still runs and waits for its exit. */
export async function stopSandboxMain(running: StartedSandboxMain | undefined): Promise<void> {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    // SIGTERM first: tsx passes it on to the node process it runs, which SIGKILL would orphan.
    running.child.kill('SIGTERM');
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 10_000);
    await running.exit;
    clearTimeout(timer);
  }
}

/** The response, or undefined while nothing answers at the address. */
export async function answers(url: string, init?: RequestInit): Promise<Response | undefined> {
  try {
    return await fetch(url, init);
  } catch {
    return undefined;
  }
}

/** `fn` with a loopback port another server holds. */
export async function withBusyPort(fn: (port: number) => Promise<void>): Promise<void> {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    await fn((busy.address() as { port: number }).port);
  } finally {
    busy.close();
  }
}
