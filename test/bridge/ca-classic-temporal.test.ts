/**
 * The CA-classic signal-with-start of the Temporal signaller against the real dev server of this jest run
 * (test/global-setup.ts), and the route into it. No worker polls the task queue (as in
 * complycube-temporal.test.ts): the runs stay open and their histories show exactly what the bridge asked
 * the server for (workflow type, ID, task queue, input, signal) — and, for forged webhooks, that it asked
 * nothing.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import { buildBridge } from '../../src/bridge/app';
import { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX } from '../../src/bridge/ca-classic-route';
import { createBridgeLogger } from '../../src/bridge/logger';
import { TemporalUnavailableError } from '../../src/bridge/signaller';
import {
  CA_CLASSIC_SEARCH_EVENTS_WORKFLOW_TYPE,
  caClassicSearchEventSignal,
  caClassicSearchEventsWorkflowId,
  DEFAULT_ACCOUNT,
  type CaClassicSearchEvent,
} from '../../src/contracts/ca-classic';
import { Secret } from '../../src/platform/config/secret';
import { newSecret } from '../../testkit/webhooks';
import { temporalProbes, withUnreachableSignaller } from '../helpers/temporal-signaller';
import { uniqueTaskQueue, useTestConnection } from '../helpers/temporal';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only (docs/bridge.md, "Tests").
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const t = useTestConnection();
const { signallerOn, signalsOf, inputOf } = temporalProbes(t);

/** A search id no other test (nor an earlier run against the same server) uses. */
let lastSearchId = Date.now() * 1000;
const uniqueSearchId = () => String(++lastSearchId);

/** An account name per test, so runs of this file never meet each other's inboxes. */
const uniqueAccount = () => `acct-${Math.random().toString(36).slice(2, 10)}`;

function searchEvent(searchId: string, eventId: string, extra: Partial<CaClassicSearchEvent> = {}) {
  return {
    eventId,
    event: 'match_status_updated',
    searchId,
    receivedAt: new Date().toISOString(),
    ...extra,
  } satisfies CaClassicSearchEvent;
}

describe('Temporal signaller: CA-classic search events', () => {
  it('starts ca-classic-search-<account>-<searchId> of type caClassicSearchEvents on the task queue, with the signal', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-search');
    const account = uniqueAccount();
    const searchId = uniqueSearchId();
    const event = searchEvent(searchId, 'a'.repeat(64), { clientRef: 'CUST001' });

    await expect(signallerOn(taskQueue).routeCaClassicEvent(account, event)).resolves.toBe('signalled');

    const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(account, searchId));
    const description = await handle.describe();
    expect(handle.workflowId).toBe(`ca-classic-search-${account}-${searchId}`);
    expect(description.type).toBe(CA_CLASSIC_SEARCH_EVENTS_WORKFLOW_TYPE);
    expect(description.taskQueue).toBe(taskQueue);
    expect(description.status.name).toBe('RUNNING');
    // The event's client_ref becomes the external identifier of an inbox the bridge starts.
    expect(await inputOf(handle.workflowId, description.runId)).toEqual([
      { searchId, account, externalIdentifier: 'CUST001' },
    ]);
    expect(await signalsOf(handle, description.runId)).toEqual([[caClassicSearchEventSignal.name, [event]]]);
    await handle.terminate('test cleanup');
  });

  it('starts an inbox without an external identifier for an event without client_ref', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-search');
    const searchId = uniqueSearchId();
    const event = searchEvent(searchId, 'b'.repeat(64), {
      event: 'monitored_search_updated',
      monitoringChanges: 3,
      suspended: false,
    });

    await signallerOn(taskQueue).routeCaClassicEvent(DEFAULT_ACCOUNT, event);

    const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(DEFAULT_ACCOUNT, searchId));
    const { runId } = await handle.describe();
    expect(await inputOf(handle.workflowId, runId)).toEqual([{ searchId, account: DEFAULT_ACCOUNT }]);
    expect(await signalsOf(handle, runId)).toEqual([['caClassicSearchEvent', [event]]]);
    await handle.terminate('test cleanup');
  });

  it('keeps the inboxes of two accounts apart for the same search id', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-search');
    const searchId = uniqueSearchId();
    const [a, b] = [uniqueAccount(), uniqueAccount()];
    const signaller = signallerOn(taskQueue);
    await signaller.routeCaClassicEvent(a, searchEvent(searchId, 'c'.repeat(64)));
    await signaller.routeCaClassicEvent(b, searchEvent(searchId, 'c'.repeat(64)));

    const ha = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(a, searchId));
    const hb = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(b, searchId));
    expect((await ha.describe()).runId).not.toBe((await hb.describe()).runId);
    await ha.terminate('test cleanup');
    await hb.terminate('test cleanup');
  });

  it('signals the running inbox rather than starting a second one (its input stays the one it started with)', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-search');
    const account = uniqueAccount();
    const searchId = uniqueSearchId();
    const signaller = signallerOn(taskQueue);
    const first = searchEvent(searchId, 'd'.repeat(64), { event: 'search_status_updated' });
    const second = searchEvent(searchId, 'e'.repeat(64), { clientRef: 'CUST002' });

    await signaller.routeCaClassicEvent(account, first);
    const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(account, searchId));
    const { runId } = await handle.describe();
    await signaller.routeCaClassicEvent(account, second);

    expect((await handle.describe()).runId).toBe(runId);
    expect(await inputOf(handle.workflowId, runId)).toEqual([{ searchId, account }]);
    expect(await signalsOf(handle, runId)).toEqual([
      ['caClassicSearchEvent', [first]],
      ['caClassicSearchEvent', [second]],
    ]);
    await handle.terminate('test cleanup');
  });

  it('starts a new run once the previous inbox has closed (a later event is never lost)', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-search');
    const account = uniqueAccount();
    const searchId = uniqueSearchId();
    const signaller = signallerOn(taskQueue);

    await signaller.routeCaClassicEvent(account, searchEvent(searchId, 'f'.repeat(64)));
    const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(account, searchId));
    const { runId: firstRun } = await handle.describe();
    await handle.terminate('the inbox ended');

    const late = searchEvent(searchId, '0'.repeat(64), {
      event: 'monitored_search_updated',
      monitoringChanges: 1,
    });
    await expect(signaller.routeCaClassicEvent(account, late)).resolves.toBe('signalled');

    const now = await handle.describe();
    expect(now.runId).not.toBe(firstRun);
    expect(now.status.name).toBe('RUNNING');
    expect(await signalsOf(handle, now.runId)).toEqual([['caClassicSearchEvent', [late]]]);
    await handle.terminate('test cleanup');
  });

  it('fails with TemporalUnavailableError within its deadline when nothing listens at the address', async () => {
    await withUnreachableSignaller(async (signaller) => {
      await expect(
        signaller.routeCaClassicEvent(DEFAULT_ACCOUNT, searchEvent('1', '1'.repeat(64))),
      ).rejects.toBeInstanceOf(TemporalUnavailableError);
    });
  });
});

describe('POST /webhooks/complyadvantage-classic/:token into Temporal', () => {
  const TOKEN = 'ca-classic-bridge-test-token-0123';
  const BRAND_B_TOKEN = 'ca-classic-brand-b-token-456789';

  function bridgeOn(taskQueue: string) {
    return buildBridge({
      config: {
        webhookSecrets: [new Secret(newSecret())],
        legacySecret: undefined,
        caClassic: {
          tokens: [
            { token: new Secret(TOKEN), account: DEFAULT_ACCOUNT },
            { token: new Secret(BRAND_B_TOKEN), account: 'brand-b' },
          ],
          sources: ['52.51.2.160', '127.0.0.1'],
        },
        trustedProxies: ['10.0.0.0/8'],
        requestTimeoutMs: 10_000,
        keepAliveTimeoutMs: 5_000,
        dedupe: { maxEntries: 100, ttlMs: 60_000 },
      },
      signaller: signallerOn(taskQueue),
      logger: createBridgeLogger('silent'),
    });
  }

  const webhook = (searchId: string, token: string, remoteAddress: string, headers = {}) => ({
    method: 'POST' as const,
    url: `${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${token}`,
    payload: JSON.stringify({
      event: 'match_status_updated',
      data: { search_id: Number(searchId), client_ref: 'CUST001', entity_id: '34HI34PORF23' },
    }),
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
  });

  async function expectNoInbox(account: string, searchId: string): Promise<void> {
    await expect(
      t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(account, searchId)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }

  it('turns an accepted webhook into the signal of the search inbox of the token’s account', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-bridge');
    const app = bridgeOn(taskQueue);
    const searchId = uniqueSearchId();
    try {
      const res = await app.inject(webhook(searchId, BRAND_B_TOKEN, '52.51.2.160'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'signalled', workflow: 'ca-classic-search', events: 1 });

      const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId('brand-b', searchId));
      const { runId, type, taskQueue: queue } = await handle.describe();
      expect(type).toBe(CA_CLASSIC_SEARCH_EVENTS_WORKFLOW_TYPE);
      expect(queue).toBe(taskQueue);
      expect(await inputOf(handle.workflowId, runId)).toEqual([
        { searchId, account: 'brand-b', externalIdentifier: 'CUST001' },
      ]);
      expect(await signalsOf(handle, runId)).toEqual([
        [
          'caClassicSearchEvent',
          [
            {
              eventId: expect.stringMatching(/^[0-9a-f]{64}$/),
              event: 'match_status_updated',
              searchId,
              clientRef: 'CUST001',
              receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            },
          ],
        ],
      ]);
      await handle.terminate('test cleanup');
      await expectNoInbox(DEFAULT_ACCOUNT, searchId);
    } finally {
      await app.close();
    }
  });

  it('takes the client a trusted proxy names', async () => {
    const app = bridgeOn(uniqueTaskQueue('ca-classic-bridge'));
    const searchId = uniqueSearchId();
    try {
      const res = await app.inject(
        webhook(searchId, TOKEN, '10.0.0.5', { 'x-forwarded-for': '52.51.2.160' }),
      );
      expect(res.statusCode).toBe(200);
      const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(DEFAULT_ACCOUNT, searchId));
      await handle.terminate('test cleanup');
    } finally {
      await app.close();
    }
  });

  it.each([
    ['a wrong token', 'forged-token-0123456789abcdef', '52.51.2.160', {}, 404],
    ['the right token from a stranger', TOKEN, '203.0.113.7', {}, 403],
    [
      'the right token, an allowed address claimed by an untrusted peer',
      TOKEN,
      '203.0.113.7',
      { 'x-forwarded-for': '52.51.2.160' },
      403,
    ],
    ['a wrong token from a stranger', 'forged-token-0123456789abcdef', '203.0.113.7', {}, 404],
  ])(
    'refuses a forged webhook (%s) and starts or signals nothing',
    async (_name, token, from, headers, status) => {
      const app = bridgeOn(uniqueTaskQueue('ca-classic-bridge'));
      const searchId = uniqueSearchId();
      try {
        const res = await app.inject(webhook(searchId, token, from, headers));
        expect(res.statusCode).toBe(status);
        await expectNoInbox(DEFAULT_ACCOUNT, searchId);
        await expectNoInbox('brand-b', searchId);
      } finally {
        await app.close();
      }
    },
  );

  it('leaves a running inbox untouched by a forged webhook', async () => {
    const taskQueue = uniqueTaskQueue('ca-classic-bridge');
    const app = bridgeOn(taskQueue);
    const searchId = uniqueSearchId();
    try {
      expect((await app.inject(webhook(searchId, TOKEN, '127.0.0.1'))).statusCode).toBe(200);
      const handle = t.client.workflow.getHandle(caClassicSearchEventsWorkflowId(DEFAULT_ACCOUNT, searchId));
      const { runId } = await handle.describe();

      expect(
        (await app.inject(webhook(searchId, 'forged-token-0123456789abcdef', '127.0.0.1'))).statusCode,
      ).toBe(404);
      expect((await app.inject(webhook(searchId, TOKEN, '198.51.100.1'))).statusCode).toBe(403);

      expect(await signalsOf(handle, runId)).toHaveLength(1);
      await handle.terminate('test cleanup');
    } finally {
      await app.close();
    }
  });
});
