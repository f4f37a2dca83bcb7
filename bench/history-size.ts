/**
 * `npm run bench:history` (benchmark 6): how much history one onboarding leaves on the server. One
 * straight-through run and one run through review (analyst decision in the sandbox → signed webhook →
 * the real bridge → `caseDecision` signal), both on the production worker against the sandbox; then
 * each history is fetched and counted: events, event types, the largest single payload, the whole
 * history's encoded size. Payload sizes are without ENCRYPTION_KEY (encryption adds a fixed envelope).
 */
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { statusQuery } from '../src/contracts/onboarding';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import type { onboardCustomer } from '../src/workflows';
import { log, report } from '../testkit/results';
import { abortable, waitFor } from '../testkit/wait';
import { benchRunId, onboardingInput, runBenchmark, startBenchStack, type Applicant } from './stack';

const GOALS = { straightThroughEvents: 25, reviewEvents: 40, payloadBytes: 8 * 1024 };

interface PayloadLike {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

function isPayload(value: object): value is PayloadLike {
  return 'data' in value && value.data instanceof Uint8Array && 'metadata' in value;
}

/** Every Temporal payload anywhere inside an event, with its size as stored (data plus metadata). */
function payloadSizes(value: unknown, found: number[] = []): number[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if (isPayload(value)) {
    const metadata = Object.entries(value.metadata ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
    found.push((value.data?.length ?? 0) + metadata);
    return found;
  }
  for (const child of Object.values(value)) payloadSizes(child, found);
  return found;
}

export interface HistoryFigures {
  events: number;
  eventTypes: Record<string, number>;
  largestPayloadBytes: number;
  largestPayloadEvent: string;
  historyBytes: number;
}

export async function historyFigures(client: Client, workflowId: string): Promise<HistoryFigures> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const eventTypes: Record<string, number> = {};
  let largestPayloadBytes = 0;
  let largestPayloadEvent = 'none';
  for (const event of events) {
    const name = proto.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
    const short = name.replace(/^EVENT_TYPE_/, '');
    eventTypes[short] = (eventTypes[short] ?? 0) + 1;
    for (const size of payloadSizes(event)) {
      if (size > largestPayloadBytes) {
        largestPayloadBytes = size;
        largestPayloadEvent = short;
      }
    }
  }
  return {
    events: events.length,
    eventTypes,
    largestPayloadBytes,
    largestPayloadEvent,
    historyBytes: proto.api.history.v1.History.encode(history).finish().length,
  };
}

async function main(): Promise<void> {
  const stack = await startBenchStack({ name: 'history', bridge: true });
  const { temporal, taskQueue, unexpectedExit } = stack;
  try {
    const { client } = temporal;
    const run = (kind: Applicant, id: string) =>
      client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
        taskQueue,
        workflowId: onboardingWorkflowId(id),
        args: [onboardingInput(kind, id)],
      });

    const straightId = benchRunId('hist-clean');
    const straight = await abortable((await run('clean', straightId)).result(), unexpectedExit);

    const reviewId = benchRunId('hist-review');
    const reviewHandle = await run('review', reviewId);
    const waiting = await waitFor(
      async () => {
        const status = await reviewHandle.query(statusQuery);
        return status.state === 'AWAITING_REVIEW' && status.case !== undefined ? status : undefined;
      },
      { description: 'AWAITING_REVIEW', timeoutMs: 30_000, intervalMs: 200, signal: unexpectedExit },
    );
    await stack.control.decideCase(waiting.case!.caseIdentifier, 'POSITIVE', 'benchmark decision');
    const reviewed = await abortable(reviewHandle.result(), unexpectedExit);
    log(
      `straight-through ${straight.state}, review ${reviewed.state} by ${reviewed.decision?.source ?? '?'}`,
    );

    const st = await historyFigures(client, onboardingWorkflowId(straightId));
    const rv = await historyFigures(client, onboardingWorkflowId(reviewId));
    const largest = Math.max(st.largestPayloadBytes, rv.largestPayloadBytes);
    report({
      name: 'history-size',
      title: 'Benchmark 6: history size per onboarding',
      command: 'npm run bench:history',
      finishedAt: new Date().toISOString(),
      machine: stack.machine,
      goals: [
        {
          figure: 'events, straight-through (APPROVED)',
          value: `${st.events} (${Math.round(st.historyBytes / 102.4) / 10} KiB)`,
          goal: `≤ ${GOALS.straightThroughEvents}`,
          met: st.events <= GOALS.straightThroughEvents && straight.state === 'APPROVED',
        },
        {
          figure: 'events, review (webhook decision → APPROVED)',
          value: `${rv.events} (${Math.round(rv.historyBytes / 102.4) / 10} KiB)`,
          goal: `≤ ${GOALS.reviewEvents}`,
          met: rv.events <= GOALS.reviewEvents && reviewed.decision?.source === 'webhook',
        },
        {
          figure: 'largest payload in either history',
          value: `${largest} B (${largest === st.largestPayloadBytes ? st.largestPayloadEvent : rv.largestPayloadEvent})`,
          goal: `≤ ${GOALS.payloadBytes} B`,
          met: largest <= GOALS.payloadBytes,
        },
      ],
      details: { straightThrough: st, review: rv },
    });
  } finally {
    await stack.close();
  }
}

if (require.main === module) runBenchmark('bench:history', main);
