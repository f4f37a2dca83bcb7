/**
 * What the bridge's Temporal tests (test/bridge/*-temporal.test.ts) share: a signaller on the jest run's
 * dev server, one against an address nothing listens at, and the reads of a run's history that show what
 * the bridge asked the server for (its start input, the signals it sent).
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Signaller } from '../../src/bridge/signaller';
import { createTemporalSignaller } from '../../src/bridge/temporal-signaller';
import { freePort } from '../../testkit/net';
import type { TestConnection } from './temporal';

const decode = (payloads: Payload[] | null | undefined): unknown[] =>
  (payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));

/** The helpers bound to the file's connection (`useTestConnection()`, read only once the tests run). */
export function temporalProbes(t: TestConnection) {
  return {
    signallerOn(taskQueue: string): Signaller {
      return createTemporalSignaller({
        client: t.client,
        namespace: t.namespace,
        taskQueue,
        signalTimeoutMs: 5_000,
        readinessTimeoutMs: 1_000,
      });
    },

    /** The signals a run received, in order, decoded. */
    async signalsOf(handle: WorkflowHandle, runId: string): Promise<[string, unknown[]][]> {
      const history = await t.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      return (history.events ?? []).flatMap((e): [string, unknown[]][] => {
        const a = e.workflowExecutionSignaledEventAttributes;
        return a === null || a === undefined ? [] : [[a.signalName ?? '', decode(a.input?.payloads)]];
      });
    },

    /** The input a run started with, decoded. */
    async inputOf(workflowId: string, runId: string): Promise<unknown[]> {
      const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
      return decode(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads);
    },
  };
}

/** `fn` with a signaller whose server address nothing listens at (1.5 s signal deadline); closed after. */
export async function withUnreachableSignaller(fn: (signaller: Signaller) => Promise<void>): Promise<void> {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const signaller = createTemporalSignaller({
    client: new Client({ connection }),
    namespace: 'default',
    taskQueue: 'unused',
    signalTimeoutMs: 1_500,
    readinessTimeoutMs: 500,
  });
  try {
    await fn(signaller);
  } finally {
    await connection.close();
  }
}
