/**
 * The COS routing of the Temporal signaller against the real dev server of this jest run
 * (test/global-setup.ts): the run a COS customer id belongs to is found through visibility
 * (KycCoreCustomerId), with stand-ins for the core-banking workflows under their real type names
 * (test/bridge/fixtures/core-workflows.ts). Visibility is eventually consistent, so each test waits until
 * the list shows the run as the test needs it before it routes an event.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { buildBridge, COS_WEBHOOK_ROUTE } from '../../src/bridge/app';
import { createBridgeLogger } from '../../src/bridge/logger';
import { TemporalUnavailableError } from '../../src/bridge/signaller';
import {
  CORE_CUSTOMER_ONBOARDING_WORKFLOW_TYPE,
  CORE_CUSTOMER_REVIEW_WORKFLOW_TYPE,
  coreCustomerRunsQuery,
  createTemporalSignaller,
} from '../../src/bridge/temporal-signaller';
import {
  CORE_OFAC_CHANGED,
  CORE_PEP_CHANGED,
  coreCustomerWorkflowId,
  coreReviewWorkflowId,
  type CoreEvent,
  type CoreReviewInput,
} from '../../src/contracts/core-banking';
import { kycCoreState } from '../../src/contracts/search-attributes';
import { Secret } from '../../src/platform/config/secret';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { newSecret } from '../../testkit/webhooks';
import { withUnreachableSignaller } from '../helpers/temporal-signaller';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';
import {
  coreEventsQuery,
  finishSignal,
  type coreCustomerOnboarding,
  type FixtureCoreCustomerInput,
} from './fixtures/core-workflows';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only (docs/bridge.md, "Tests").
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const t = useTestConnection();
const workflowsPath = require.resolve('./fixtures/core-workflows');
const VISIBLE_WITHIN_MS = 20_000;

function signallerOn(taskQueue: string) {
  return createTemporalSignaller({
    client: t.client,
    namespace: t.namespace,
    taskQueue,
    signalTimeoutMs: 5_000,
    readinessTimeoutMs: 1_000,
  });
}

function coreEvent(coreCustomerId: string, eventName = CORE_OFAC_CHANGED, eventId = randomUUID()): CoreEvent {
  return { eventId, eventName, coreCustomerId, receivedAt: new Date().toISOString() };
}

/** Runs the fixture workflows on `taskQueue` while `fn` runs. */
async function withWorker<R>(taskQueue: string, fn: () => Promise<R>): Promise<R> {
  const workflowBundle = await bundleOnce(workflowsPath);
  return runWorker({ taskQueue, workflowBundle }, fn);
}

interface Customer {
  input: FixtureCoreCustomerInput;
  handle: WorkflowHandle<typeof coreCustomerOnboarding>;
}

/** Waits until visibility lists the customer's run with `status` (and, when given, the core state). */
async function waitUntilListed(coreCustomerId: string, status: string, state?: string): Promise<void> {
  await waitFor(
    async () => {
      for await (const run of t.client.workflow.list({ query: coreCustomerRunsQuery(coreCustomerId) })) {
        if (
          run.status.name === status &&
          (state === undefined || run.typedSearchAttributes.get(kycCoreState) === state)
        ) {
          return true;
        }
      }
      return false;
    },
    {
      timeoutMs: VISIBLE_WITHIN_MS,
      intervalMs: 200,
      description: `visibility listing ${coreCustomerId} as ${status}${state ? ` ${state}` : ''}`,
    },
  );
}

/** A running `coreCustomerOnboarding` stand-in that visibility already lists with its COS customer id. */
async function startCustomer(taskQueue: string): Promise<Customer> {
  const input: FixtureCoreCustomerInput = {
    externalIdentifier: `cos-bridge-${randomUUID()}`,
    coreCustomerId: randomUUID(),
    provider: 'complycube',
  };
  const handle = await t.client.workflow.start<typeof coreCustomerOnboarding>(
    CORE_CUSTOMER_ONBOARDING_WORKFLOW_TYPE,
    { taskQueue, workflowId: coreCustomerWorkflowId(input.externalIdentifier), args: [input] },
  );
  await waitUntilListed(input.coreCustomerId, 'RUNNING');
  return { input, handle };
}

/** Ends the customer's run in `state` and waits until visibility lists it so. */
async function finish(customer: Customer, state: string): Promise<void> {
  await customer.handle.signal(finishSignal, state);
  await customer.handle.result();
  await waitUntilListed(customer.input.coreCustomerId, 'COMPLETED', state);
}

describe('Temporal signaller: COS customers found through visibility', () => {
  it('signals coreEvent to the running coreCustomerOnboarding that carries the customer id', async () => {
    const taskQueue = uniqueTaskQueue('cos-route');
    await withWorker(taskQueue, async () => {
      const customer = await startCustomer(taskQueue);
      const signaller = signallerOn(taskQueue);
      const ofac = coreEvent(customer.input.coreCustomerId, CORE_OFAC_CHANGED);
      const pep = coreEvent(customer.input.coreCustomerId, CORE_PEP_CHANGED);

      await expect(signaller.routeCoreEvent(ofac)).resolves.toBe('signalled');
      await expect(signaller.routeCoreEvent(pep)).resolves.toBe('signalled');

      expect(await customer.handle.query(coreEventsQuery)).toEqual([ofac, pep]);
      await customer.handle.terminate('test cleanup');
    });
  });

  it('starts one coreCustomerReview per scan event of a customer whose run ended CORE_READY, however often the event comes', async () => {
    const taskQueue = uniqueTaskQueue('cos-route');
    await withWorker(taskQueue, async () => {
      const customer = await startCustomer(taskQueue);
      await finish(customer, 'CORE_READY');
      const signaller = signallerOn(taskQueue);
      const event = coreEvent(customer.input.coreCustomerId, CORE_OFAC_CHANGED);

      await expect(signaller.routeCoreEvent(event)).resolves.toBe('review-started');
      const review = t.client.workflow.getHandle(
        coreReviewWorkflowId(customer.input.externalIdentifier, event.eventId),
      );
      const first = await review.describe();
      expect(first.type).toBe(CORE_CUSTOMER_REVIEW_WORKFLOW_TYPE);
      expect(first.taskQueue).toBe(taskQueue);
      const expected: CoreReviewInput = {
        externalIdentifier: customer.input.externalIdentifier,
        coreCustomerId: customer.input.coreCustomerId,
        event,
        provider: 'complycube',
      };
      expect(await review.result()).toEqual(expected);

      // COS delivers the same event again (after the review ended, even): no second review.
      await expect(
        signaller.routeCoreEvent({ ...event, receivedAt: new Date().toISOString() }),
      ).resolves.toBe('review-started');
      expect((await review.describe()).runId).toBe(first.runId);

      // A PEP change of a customer already CORE_READY is reviewed too (a hit needs an officer).
      const pep = coreEvent(customer.input.coreCustomerId, CORE_PEP_CHANGED);
      await expect(signaller.routeCoreEvent(pep)).resolves.toBe('review-started');
      await expect(
        t.client.workflow
          .getHandle(coreReviewWorkflowId(customer.input.externalIdentifier, pep.eventId))
          .describe(),
      ).resolves.toMatchObject({ type: CORE_CUSTOMER_REVIEW_WORKFLOW_TYPE });
    });
  });

  it('does not review a customer whose run ended otherwise', async () => {
    const taskQueue = uniqueTaskQueue('cos-route');
    await withWorker(taskQueue, async () => {
      const customer = await startCustomer(taskQueue);
      await finish(customer, 'CORE_DECLINED');
      const event = coreEvent(customer.input.coreCustomerId, CORE_OFAC_CHANGED);

      await expect(signallerOn(taskQueue).routeCoreEvent(event)).resolves.toBe('not-ours');
      await expect(
        t.client.workflow
          .getHandle(coreReviewWorkflowId(customer.input.externalIdentifier, event.eventId))
          .describe(),
      ).rejects.toThrow();
    });
  });

  it('answers not-ours for a customer id no run carries, and for one that cannot be a COS id', async () => {
    const signaller = signallerOn(uniqueTaskQueue('cos-route'));
    await expect(signaller.routeCoreEvent(coreEvent(randomUUID()))).resolves.toBe('not-ours');
    await expect(
      signaller.routeCoreEvent(coreEvent("x' OR WorkflowType = 'coreCustomerOnboarding")),
    ).resolves.toBe('not-ours');
    await expect(signaller.routeCoreEvent(coreEvent(''))).resolves.toBe('not-ours');
  });

  it('fails with TemporalUnavailableError within its deadline when nothing listens at the address', async () => {
    await withUnreachableSignaller(async (signaller) => {
      await expect(signaller.routeCoreEvent(coreEvent(randomUUID()))).rejects.toBeInstanceOf(
        TemporalUnavailableError,
      );
    });
  });
});

describe('POST /webhooks/cos into Temporal', () => {
  it('routes each customer of one event: the running run signalled, the CORE_READY one reviewed, the unknown one not ours', async () => {
    const taskQueue = uniqueTaskQueue('cos-bridge');
    const app = buildBridge({
      config: {
        webhookSecrets: [new Secret(newSecret())],
        legacySecret: undefined,
        cosWebhookCredentials: { username: new Secret('cos'), password: new Secret('cos-password') },
        requestTimeoutMs: 10_000,
        keepAliveTimeoutMs: 5_000,
        dedupe: { maxEntries: 100, ttlMs: 60_000 },
      },
      signaller: signallerOn(taskQueue),
      logger: createBridgeLogger('silent'),
    });
    try {
      await withWorker(taskQueue, async () => {
        const running = await startCustomer(taskQueue);
        const ready = await startCustomer(taskQueue);
        await finish(ready, 'CORE_READY');
        const unknown = randomUUID();
        const eventId = randomUUID();

        const res = await app.inject({
          method: 'POST',
          url: COS_WEBHOOK_ROUTE,
          payload: JSON.stringify({
            id: eventId,
            eventName: CORE_OFAC_CHANGED,
            status: 'Pending',
            partnerId: randomUUID(),
            createdAt: new Date().toISOString(),
            resources: [running, ready]
              .map((c) => `core/v1/cm/customers/${c.input.coreCustomerId}`)
              .concat([`core/v1/cm/customers/${unknown}`, 'core/v1/dda/accounts/123']),
            details: [],
          }),
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from('cos:cos-password').toString('base64')}`,
          },
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          status: 'routed',
          routed: 1,
          reviewsStarted: 1,
          notOurs: 1,
          skipped: 1,
        });

        expect(await running.handle.query(coreEventsQuery)).toEqual([
          {
            eventId,
            eventName: CORE_OFAC_CHANGED,
            coreCustomerId: running.input.coreCustomerId,
            receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        ]);
        const review = t.client.workflow.getHandle(
          coreReviewWorkflowId(ready.input.externalIdentifier, eventId),
        );
        expect(await review.result()).toEqual(
          expect.objectContaining({ coreCustomerId: ready.input.coreCustomerId, provider: 'complycube' }),
        );
        await running.handle.terminate('test cleanup');
      });
    } finally {
      await app.close();
    }
  });
});
