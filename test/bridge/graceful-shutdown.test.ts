/**
 * `npm run bridge` as a process (src/bridge/main.ts) against the real Temporal dev server of this jest
 * run: SIGTERM while a delivery is in flight lets that delivery finish and be acknowledged, refuses new
 * work, and exits 0; its output carries no secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { WEBHOOK_ROUTE } from '../../src/bridge/app';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { onboardCustomer } from '../../src/workflows';
import { httpStatus, waitForHttp } from '../../scripts/wait-for';
import { testConnection, uniqueTaskQueue, waitFor, type TestConnection } from '../helpers/temporal';
import { closedPort, uniqueExternalIdentifier } from './temporal-harness';
import { casePayload, newSecret, standardWebhookHeaders } from './webhook-signing';

/**
 * A TCP pass-through to Temporal that holds every connection until `release()`: the bridge's signal is
 * then provably in flight for as long as the test wants.
 */
class HoldingProxy {
  private readonly held: Array<() => void> = [];
  private released = false;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private port = 0;
  private firstConnection!: () => void;
  /** Resolves when the bridge has opened its first connection to "Temporal". */
  readonly connected = new Promise<void>((resolve) => (this.firstConnection = resolve));

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const pipe = () => {
        const upstream = connect(target.port, target.host);
        this.sockets.add(client).add(upstream);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.pipe(upstream).pipe(client);
      };
      if (this.released) pipe();
      else this.held.push(pipe);
      this.firstConnection();
    });
  }

  static async start(targetAddress: string): Promise<HoldingProxy> {
    const [host = '127.0.0.1', port] = targetAddress.split(':');
    const proxy = new HoldingProxy({ host, port: Number(port) });
    proxy.port = await closedPort();
    await new Promise<void>((resolve) => proxy.server.listen(proxy.port, '127.0.0.1', resolve));
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  release(): void {
    this.released = true;
    for (const pipe of this.held.splice(0)) pipe();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const ROOT = join(__dirname, '..', '..');

function startBridgeProcess(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  // Plain node with tsx's loader: one process, so SIGTERM reaches the bridge itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bridge/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

let t: TestConnection;
beforeAll(async () => {
  t = await testConnection();
});
afterAll(async () => {
  await t.close();
});

describe('bridge shutdown', () => {
  it('finishes and acknowledges the delivery in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    const secret = newSecret();
    const proxy = await HoldingProxy.start(t.address);
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const bridge = startBridgeProcess({
      TEMPORAL_ADDRESS: proxy.address,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(port),
      WEBHOOK_SECRET: secret,
      // Longer than the test holds the call, so the answer is the signal's, not a timeout's.
      WEBHOOK_SIGNAL_TIMEOUT: '30s',
    });
    try {
      await waitForHttp(`${base}/healthz`, { timeoutMs: 30_000 });

      // A waiting onboarding (no worker needed: the server accepts signals for it all the same).
      const externalIdentifier = uniqueExternalIdentifier('SHUTDOWN');
      const handle = await t.client.workflow.start(onboardCustomer, {
        taskQueue: uniqueTaskQueue('shutdown'),
        workflowId: onboardingWorkflowId(externalIdentifier),
        args: [{ customer: { external_identifier: externalIdentifier } }],
      });

      const body = JSON.stringify(casePayload({ externalIdentifier, decisionType: 'POSITIVE' }));
      const delivery = fetch(`${base}${WEBHOOK_ROUTE}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...standardWebhookHeaders({ secret, body }) },
      });
      await proxy.connected;

      bridge.child.kill('SIGTERM');
      await waitFor(() => bridge.output().includes('shutting down'), {
        timeoutMs: 10_000,
        description: 'the bridge to start shutting down',
      });
      // New work is refused (503 on a kept-alive socket, or no listener at all) while the old one runs.
      await waitFor(
        async () => {
          const status = await httpStatus(`${base}/healthz`);
          return status === undefined || status === 503;
        },
        { timeoutMs: 10_000, description: 'the bridge to stop taking requests' },
      );
      expect(bridge.child.exitCode).toBeNull();

      proxy.release();
      const response = await delivery;

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'signalled', workflow: 'onboarding' });
      // Promptly: the answered socket does not hold the shutdown for its keep-alive timeout.
      expect(await exitOf(bridge.child)).toBe(0);
      const history = await handle.fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([
        'caseDecision',
      ]);
      expect(bridge.output()).not.toContain(secret);
      await handle.terminate('test finished');
    } finally {
      if (bridge.child.exitCode === null) bridge.child.kill('SIGKILL');
      await proxy.close();
    }
  });
});
