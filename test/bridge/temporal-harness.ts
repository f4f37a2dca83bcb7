import { randomUUID } from 'node:crypto';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { buildBridge, WEBHOOK_ROUTE } from '../../src/bridge/app';
import { createBridgeLogger } from '../../src/bridge/logger';
import { createTemporalSignaller } from '../../src/bridge/temporal-signaller';
import type { MeshApi } from '../../src/providers/mesh/api';
import type { ScreeningOutcome, CustomerRecord } from '../../src/contracts/screening-activities';
import { MeshError } from '../../src/providers/mesh/api';
import { Secret } from '../../src/providers/mesh/config';

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP pass-through to the dev server that the test can switch off and on at one fixed port: to the
 * bridge it looks exactly like Temporal going away and coming back.
 */
export class SwitchableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async create(targetAddress: string): Promise<SwitchableProxy> {
    const [host, port] = targetAddress.split(':');
    return new SwitchableProxy(await closedPort(), { host: host!, port: Number(port) });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      upstream.connect(this.target.port, this.target.host, () => {
        client.pipe(upstream).pipe(client);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface RunningBridge {
  url: string;
  app: FastifyInstance;
  logs: string[];
  close(): Promise<void>;
}

/**
 * The production wiring of main.ts (lazy Connection, Temporal signaller, buildBridge) on a free port,
 * pointed at any Temporal address.
 */
export async function startBridge(options: {
  temporalAddress: string;
  taskQueue: string;
  secrets: string[];
  legacySecret?: string;
  signalTimeoutMs?: number;
}): Promise<RunningBridge> {
  const connection = Connection.lazy({ address: options.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const signaller = createTemporalSignaller({
    client,
    namespace: 'default',
    taskQueue: options.taskQueue,
    signalTimeoutMs: options.signalTimeoutMs ?? 2_000,
    readinessTimeoutMs: 1_000,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const app = buildBridge({
    config: {
      webhookSecrets: options.secrets.map((s) => new Secret(s)),
      legacySecret: options.legacySecret === undefined ? undefined : new Secret(options.legacySecret),
      requestTimeoutMs: 20_000,
      keepAliveTimeoutMs: 5_000,
      dedupe: { maxEntries: 1000, ttlMs: 60_000 },
    },
    signaller,
    logger: createBridgeLogger('info', stream),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_ROUTE}`,
    app,
    logs,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}

export function uniqueExternalIdentifier(prefix = 'CUST'): string {
  return `${prefix}-${randomUUID()}`;
}

function notUsed(name: string): () => Promise<never> {
  return () => Promise.reject(new Error(`${name} is not used by this test`));
}

/**
 * A typed Mesh fake for orchestration tests: screening can be made to fail transiently until the test
 * lets it through; monitoring switches are recorded. The onboarding cases its screenings open are read
 * back by `getCase` with their customer, undecided until the test plays the analyst (`decide`), so a
 * webhook's decision is confirmed by the run's case read only when "Mesh" holds that decision.
 */
export class FakeMesh implements MeshApi {
  screeningFailuresLeft = 0;
  screeningAttempts = 0;
  screeningOpen = true;
  monitoringCalls: Array<{ customerIdentifier: string; enabled: boolean }> = [];
  private readonly openedCases = new Map<
    string,
    { customerIdentifier: string; externalIdentifier: string }
  >();
  private readonly decisions = new Map<string, string>();

  constructor(private readonly outcome: Partial<ScreeningOutcome> = {}) {}

  createAndScreen: MeshApi['createAndScreen'] = (request) => {
    this.screeningAttempts += 1;
    if (!this.screeningOpen) {
      return Promise.reject(
        new MeshError('SERVER_ERROR', 'Mesh answered 503', {
          status: 503,
          retryable: true,
          operation: 'createAndScreen',
        }),
      );
    }
    const outcome: ScreeningOutcome = {
      customerIdentifier: `cust-${request.customer.external_identifier}`,
      externalIdentifier: request.customer.external_identifier,
      workflowStatus: 'COMPLETED',
      riskLevel: 'MEDIUM-RISK',
      screeningResult: 'HAS_PROFILES',
      amlTypes: ['sanction'],
      alertIdentifiers: ['alert-1'],
      caseIdentifier: `case-${request.customer.external_identifier}`,
      recoveredFromDuplicate: false,
      ...this.outcome,
    };
    if (outcome.caseIdentifier !== undefined) {
      this.openedCases.set(outcome.caseIdentifier, {
        customerIdentifier: outcome.customerIdentifier,
        externalIdentifier: outcome.externalIdentifier,
      });
    }
    return Promise.resolve(outcome);
  };

  /** The analyst decides the case at "Mesh"; the case reads from then on show that decision. */
  decide(caseIdentifier: string, decisionType: string): void {
    this.decisions.set(caseIdentifier, decisionType);
  }

  setMonitoring: MeshApi['setMonitoring'] = (customerIdentifier, enabled) => {
    this.monitoringCalls.push({ customerIdentifier, enabled });
    return Promise.resolve({ enabled });
  };

  getCustomerByExternalIdentifier: MeshApi['getCustomerByExternalIdentifier'] = (externalIdentifier) =>
    Promise.resolve<CustomerRecord>({
      customerIdentifier: `cust-${externalIdentifier}`,
      externalIdentifier,
      customer: { external_identifier: externalIdentifier },
    });

  getCustomer: MeshApi['getCustomer'] = (customerIdentifier) =>
    Promise.resolve<CustomerRecord>({
      customerIdentifier,
      externalIdentifier: customerIdentifier.replace(/^cust-/, ''),
      customer: { external_identifier: customerIdentifier.replace(/^cust-/, '') },
    });

  getCase: MeshApi['getCase'] = (caseIdentifier) => {
    const customer = this.openedCases.get(caseIdentifier);
    return Promise.resolve({
      caseIdentifier,
      ...(customer !== undefined && { caseType: 'CUSTOMER_ONBOARDING', ...customer }),
      stage: { decisionType: this.decisions.get(caseIdentifier) ?? null },
    });
  };
  listCustomerCases: MeshApi['listCustomerCases'] = () => Promise.resolve([]);
  updateAndRescore = notUsed('updateAndRescore');
}
