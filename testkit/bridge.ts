import { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX, DEFAULT_ACCOUNT } from '../src/contracts/ca-classic';
/**
 * The webhook bridge for tests and benchmarks: in this process, wired as src/bridge/main.ts wires it
 * (lazy connection, Temporal signaller, buildBridge), or `npm run bridge`'s entry point as its own process.
 */
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildBridge, COS_WEBHOOK_ROUTE, WEBHOOK_ROUTE } from '../src/bridge/app';
import { createBridgeLogger } from '../src/bridge/logger';
import { createTemporalSignaller } from '../src/bridge/temporal-signaller';
import { Secret } from '../src/platform/config/secret';
import { baseEnv, ROOT, startProcess, type ManagedProcess } from './processes';
import { waitForHttp } from './wait';

export const BRIDGE_ENTRY = resolve(ROOT, 'src', 'bridge', 'main.ts');

export interface InProcessBridge {
  /** The webhook route's full URL. */
  url: string;
  /** `POST /webhooks/cos`'s full URL (served only when started with `cosCredentials`). */
  cosUrl: string;
  caClassicUrl(token: string): string;
  app: FastifyInstance;
  /** Its log lines, when started with `keepLogs` (else formatted into a sink: the cost without the printing). */
  logs: string[];
  close(): Promise<void>;
}

/** The production wiring of src/bridge/main.ts on a free port of 127.0.0.1, pointed at any Temporal address. */
export async function startInProcessBridge(options: {
  temporalAddress: string;
  namespace?: string;
  taskQueue: string;
  secrets: string[];
  legacySecret?: string;
  /** ComplyCube's signing secrets: with any, `POST /webhooks/complycube` is served (COMPLYCUBE_WEBHOOK_ROUTE). */
  complyCubeSecrets?: string[];
  /** COS's HTTP Basic credentials: with them, `POST /webhooks/cos` is served (COS_WEBHOOK_ROUTE). */
  cosCredentials?: { username: string; password: string };
  /** ComplyAdvantage classic webhook tokens (account `default`): with any, its route is served from loopback. */
  caClassicTokens?: string[];
  signalTimeoutMs?: number;
  dedupe?: { maxEntries: number; ttlMs: number };
  keepLogs?: boolean;
}): Promise<InProcessBridge> {
  const namespace = options.namespace ?? 'default';
  const connection = Connection.lazy({ address: options.temporalAddress });
  const client = new Client({ connection, namespace });
  const signaller = createTemporalSignaller({
    client,
    namespace,
    taskQueue: options.taskQueue,
    signalTimeoutMs: options.signalTimeoutMs ?? 2_000,
    readinessTimeoutMs: 1_000,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (options.keepLogs === true) logs.push(chunk.toString());
      callback();
    },
  });
  const app = buildBridge({
    config: {
      webhookSecrets: options.secrets.map((s) => new Secret(s)),
      legacySecret: options.legacySecret === undefined ? undefined : new Secret(options.legacySecret),
      complyCubeWebhookSecrets: (options.complyCubeSecrets ?? []).map((s) => new Secret(s)),
      cosWebhookCredentials:
        options.cosCredentials === undefined
          ? undefined
          : {
              username: new Secret(options.cosCredentials.username),
              password: new Secret(options.cosCredentials.password),
            },
      caClassic: {
        tokens: (options.caClassicTokens ?? []).map((token) => ({
          token: new Secret(token),
          account: DEFAULT_ACCOUNT,
        })),
        sources: ['127.0.0.1', '::1'],
      },
      requestTimeoutMs: 20_000,
      keepAliveTimeoutMs: 5_000,
      dedupe: options.dedupe ?? { maxEntries: 1000, ttlMs: 60_000 },
    },
    signaller,
    logger: createBridgeLogger('info', stream),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_ROUTE}`,
    cosUrl: `http://127.0.0.1:${port}${COS_WEBHOOK_ROUTE}`,
    /** The ComplyAdvantage classic route for a token (only the configured ones are served). */
    caClassicUrl: (token: string) => `http://127.0.0.1:${port}${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${token}`,
    app,
    logs,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}

export interface BridgeEnvOptions {
  temporalAddress: string;
  namespace?: string;
  taskQueue: string;
  port: number;
  webhookSecret: string;
  /** LOG_LEVEL; absent: the bridge's default (info: one line per webhook). */
  logLevel?: string;
  /** Further variables (they win), e.g. WEBHOOK_SIGNAL_TIMEOUT. */
  env?: Readonly<Record<string, string>>;
  /** What the variables are added to (default `baseEnv()`). */
  base?: NodeJS.ProcessEnv;
}

export function bridgeEnv(o: BridgeEnvOptions): NodeJS.ProcessEnv {
  return {
    ...(o.base ?? baseEnv()),
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: o.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    WEBHOOK_HOST: '127.0.0.1',
    WEBHOOK_PORT: String(o.port),
    WEBHOOK_SECRET: o.webhookSecret,
    BRIDGE_METRICS_ADDRESS: 'off',
    ...(o.logLevel !== undefined && { LOG_LEVEL: o.logLevel }),
    ...o.env,
  };
}

export interface BridgeProcess {
  proc: ManagedProcess;
  /** http://127.0.0.1:<port>, no path. */
  baseUrl: string;
}

/**
 * `npm run bridge`'s entry point (`node --import tsx src/bridge/main.ts`, one process, so signals reach
 * the bridge itself), resolved once `readyPath` answers 200; fails at once if the process exits first.
 */
export async function startBridgeProcess(
  o: BridgeEnvOptions & {
    name?: string;
    logFile?: string;
    logMode?: 'a' | 'w';
    keepLines?: number;
    readyPath?: '/healthz' | '/readyz';
    timeoutMs?: number;
  },
): Promise<BridgeProcess> {
  const proc = startProcess({
    name: o.name ?? 'bridge',
    run: { node: BRIDGE_ENTRY },
    env: bridgeEnv(o),
    ...(o.logFile !== undefined && { logFile: o.logFile }),
    ...(o.logMode !== undefined && { logMode: o.logMode }),
    ...(o.keepLines !== undefined && { keepLines: o.keepLines }),
  });
  const baseUrl = `http://127.0.0.1:${o.port}`;
  await waitForHttp(`${baseUrl}${o.readyPath ?? '/healthz'}`, {
    timeoutMs: o.timeoutMs ?? 60_000,
    okStatus: (status) => status === 200,
    signal: proc.unexpectedExit,
  });
  return { proc, baseUrl };
}
