import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { buildBridge, WEBHOOK_ROUTE } from '../../src/bridge/app';
import { createBridgeLogger } from '../../src/bridge/logger';
import { createTemporalSignaller } from '../../src/bridge/temporal-signaller';
import { Secret } from '../../src/providers/mesh/config';
import { SANDBOX_DEV_WEBHOOK_SECRET, startSandbox, type Sandbox } from '../../src/sandbox/mesh';
import type { MeshCustomer } from '../../src/contracts/customer';
import type { OnboardingInput } from '../../src/contracts/onboarding';
import { log } from './stats';

/** Far above anything this machine reaches: the provider budget is benchmark 1's subject, not these. */
export const UNLIMITED_MESH_RATE_PER_MINUTE = 6_000_000;

let bundle: Promise<string> | undefined;

/** The production bundle (scripts/build-workflow-bundle.ts, what the Dockerfile ships), built once per process. */
export function prebuiltWorkflowBundle(): Promise<string> {
  bundle ??= (async () => {
    const path = join(tmpdir(), `kyc-bench-workflow-bundle-${process.pid}.js`);
    if (!existsSync(path)) {
      const built = await buildWorkflowBundle(path);
      log(`workflow bundle ${Math.round(built.bytes / 1024)} KiB at ${built.path}`);
    }
    return path;
  })();
  return bundle;
}

/** The sandbox at 0 ms latency and without an account limit: Mesh is never the bottleneck here. */
export function startFastSandbox(webhookUrls: string[] = []): Promise<Sandbox> {
  return startSandbox({
    rateLimitPerMinute: 0,
    latencyMs: { min: 0, max: 0 },
    logLevel: 'silent',
    webhookUrls,
  });
}

export interface RunningBridge {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The webhook bridge of src/bridge/main.ts in this process (lazy connection, Temporal signaller,
 * buildBridge), verifying the sandbox's signing secret. Logs at info, into a sink: formatting them is
 * part of the cost, printing them is not.
 */
export async function startBridge(
  temporalAddress: string,
  namespace: string,
  taskQueue: string,
): Promise<RunningBridge> {
  const connection = Connection.lazy({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  const signaller = createTemporalSignaller({
    client,
    namespace,
    taskQueue,
    signalTimeoutMs: 5_000,
    readinessTimeoutMs: 1_000,
  });
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const app = buildBridge({
    config: {
      webhookSecrets: [new Secret(SANDBOX_DEV_WEBHOOK_SECRET)],
      legacySecret: undefined,
      requestTimeoutMs: 20_000,
      keepAliveTimeoutMs: 5_000,
      dedupe: { maxEntries: 10_000, ttlMs: 600_000 },
    },
    signaller,
    logger: createBridgeLogger('info', sink),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_ROUTE}`,
    app,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}

export type Applicant = 'clean' | 'review';

/**
 * The sandbox's screening rules (src/sandbox/mesh/screening-rules.ts): "Test CleanUser" has no profiles and
 * is approved straight through; "Victor Bout" has profiles and waits for an analyst's case decision.
 * The customer alone, as the onboarding service starts a run: the screening configuration and the review
 * policy are the worker's (WorkerProcess: MESH_SCREENING_CONFIGURATION_ID, BENCH_REVIEW_ENV).
 */
export function onboardingInput(kind: Applicant, externalIdentifier: string): OnboardingInput {
  const [first_name, last_name] = kind === 'clean' ? ['Test', 'CleanUser'] : ['Victor', 'Bout'];
  const customer: MeshCustomer = {
    external_identifier: externalIdentifier,
    person: { first_name, last_name },
    date_of_birth: { day: 13, month: 1, year: 1967 },
    nationality: ['GB'],
    address: { address_line_1: '1 Bench Street', postal_code: '10001', country: 'US' },
  };
  return { customer };
}

export function benchRunId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The sandbox's analyst route (docs/sandbox.md): moves the case to a decision, which Mesh then webhooks. */
export async function analystDecides(
  sandbox: Sandbox,
  caseIdentifier: string,
  decision = 'POSITIVE',
): Promise<void> {
  const response = await fetch(
    `${sandbox.url}/_sandbox/cases/${encodeURIComponent(caseIdentifier)}/transition`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stage: 'DECISION', decision, note: 'benchmark decision' }),
    },
  );
  if (!response.ok) throw new Error(`analyst route answered ${response.status}: ${await response.text()}`);
}
