import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { OnboardingClient } from '../client/onboarding-client';
import type { TemporalConfig } from '../platform/config/temporal';
import {
  offboardCustomerWorkflowId,
  setCustomerMonitoringWorkflowId,
  updateCustomerDataWorkflowId,
} from '../contracts/customer-operations';
import { statusQuery, type OfficerOutcome, type OnboardingInput } from '../contracts/onboarding';
import { kycExternalIdentifier } from '../contracts/search-attributes';
import type { offboardCustomer, setCustomerMonitoring, updateCustomerData } from '../workflows';
import type { StarterCommand } from './args';
import { readCustomerUpdate, readOnboardingRequest } from './request-file';

export interface StarterContext {
  client: Client;
  /** The onboarding service's client module: every onboarding command goes through it. */
  onboarding: OnboardingClient;
  temporal: Pick<TemporalConfig, 'namespace' | 'taskQueue' | 'uiUrl'>;
  out: (line: string) => void;
}

/** Exit code of a command: 0 done, 1 failed (the run failed, or --wait timed out). */
export type ExitCode = 0 | 1;

/**
 * The ID policies of every start: a customer's onboarding ID is taken while the run lives (a second
 * start reports the first), and a completed onboarding is never re-run by accident. A *failed* run
 * (Mesh refused the data, an operator terminated it) may be started again with corrected data:
 * otherwise that external identifier could never be onboarded (docs/workflow.md).
 */
const ID_POLICIES = {
  workflowIdConflictPolicy: 'FAIL',
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
} as const;

const json = (value: unknown) => JSON.stringify(value, null, 2);

function uiLink(ctx: StarterContext, workflowId: string): string {
  return `${ctx.temporal.uiUrl}/namespaces/${ctx.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The options every post-onboarding start shares; identifiers only in the summary the Web UI lists. */
function startOptions(
  ctx: StarterContext,
  workflowId: string,
  externalIdentifier: string,
  staticSummary: string,
) {
  return {
    taskQueue: ctx.temporal.taskQueue,
    workflowId,
    ...ID_POLICIES,
    typedSearchAttributes: [{ key: kycExternalIdentifier, value: externalIdentifier }],
    staticSummary,
  };
}

/** Runs `start`, or when a workflow with this ID exists, reports that one instead of starting another. */
async function startOrReuse<W extends Workflow>(
  ctx: StarterContext,
  workflowId: string,
  start: () => Promise<WorkflowHandle<W>>,
): Promise<WorkflowHandle<W>> {
  let handle: WorkflowHandle<W>;
  try {
    handle = await start();
    ctx.out(`started ${workflowId}`);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = ctx.client.workflow.getHandle<W>(workflowId);
    const description = await handle.describe();
    ctx.out(`not started again: ${workflowId} already exists (${description.status.name}); showing that run`);
  }
  ctx.out(`workflow id: ${workflowId}`);
  ctx.out(`Temporal UI: ${uiLink(ctx, workflowId)}`);
  return handle;
}

/** Prints the result of a closed run, or why it failed. */
async function printResult(
  ctx: StarterContext,
  handle: WorkflowHandle,
  timeoutMs: number,
): Promise<ExitCode> {
  const result = await Promise.race([
    handle.result().then(
      (value: unknown) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, err }),
    ),
    delay(timeoutMs).then(() => undefined),
  ]);
  if (result === undefined) {
    ctx.out(`still running after ${timeoutMs} ms; follow it in the Temporal UI`);
    return 1;
  }
  if (result.ok) {
    ctx.out(json(result.value));
    return 0;
  }
  ctx.out(
    `failed: ${result.err instanceof Error ? (result.err.cause?.toString() ?? result.err.message) : String(result.err)}`,
  );
  return 1;
}

/**
 * Waits until screening is over and prints the status: the final result, or AWAITING_REVIEW (an analyst
 * may take days; the run goes on without the starter).
 */
async function waitForScreening(
  ctx: StarterContext,
  handle: WorkflowHandle,
  timeoutMs: number,
): Promise<ExitCode> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return printResult(ctx, handle, Math.max(deadline - Date.now(), 1));
    const current = await handle.query(statusQuery);
    if (current.state !== 'SCREENING') {
      ctx.out(json(current));
      return 0;
    }
    if (Date.now() >= deadline) {
      ctx.out(`still screening after ${timeoutMs} ms (Mesh may be retrying); follow it in the Temporal UI`);
      return 1;
    }
    await delay(500);
  }
}

async function isRunning(handle: WorkflowHandle): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch {
    return false;
  }
}

async function printOnboardingStart(
  ctx: StarterContext,
  workflowId: string,
  started: boolean,
  handle: WorkflowHandle,
): Promise<void> {
  if (started) {
    ctx.out('started onboardCustomer');
  } else {
    // Which run the caller is shown matters (RUNNING or COMPLETED): README "Starting the same customer twice".
    const description = await handle.describe();
    ctx.out(`not started again: ${workflowId} already exists (${description.status.name}); showing that run`);
  }
  ctx.out(`workflow id: ${workflowId}`);
  ctx.out(`Temporal UI: ${uiLink(ctx, workflowId)}`);
}

export async function runStarterCommand(ctx: StarterContext, command: StarterCommand): Promise<ExitCode> {
  switch (command.kind) {
    case 'help':
      return 0;

    case 'start': {
      const request = await readOnboardingRequest(command.inputPath);
      // Exactly what the onboarding service sends: the worker fills in whatever the request leaves out.
      const input: OnboardingInput = {
        customer: request.customer,
        ...(request.monitoring !== undefined && { monitoring: request.monitoring }),
        ...(request.configuration !== undefined && { configuration: request.configuration }),
        ...(request.policy !== undefined && { policy: request.policy }),
      };
      const { workflowId, started, handle } = await ctx.onboarding.start(input);
      await printOnboardingStart(ctx, workflowId, started, handle);
      return command.wait ? waitForScreening(ctx, handle, command.timeoutMs) : 0;
    }

    case 'status':
      ctx.out(json(await ctx.onboarding.status(command.externalId)));
      return 0;

    case 'core-status':
      ctx.out(json(await ctx.onboarding.coreStatus(command.externalId)));
      return 0;

    case 'withdraw': {
      const status = await ctx.onboarding.withdraw(command.externalId, {
        requestId: command.requestId,
        ...(command.reason !== undefined && { reason: command.reason }),
      });
      ctx.out(json(status));
      return 0;
    }

    case 'decide': {
      const status = await ctx.onboarding.decide(command.externalId, {
        outcome: command.outcome as OfficerOutcome,
        actor: command.actor,
        reason: command.reason,
      });
      ctx.out(json(status));
      return 0;
    }

    case 'update': {
      const customer = await readCustomerUpdate(command.inputPath, command.externalId);
      const onboarding = ctx.onboarding.handle(command.externalId);
      // A running onboarding holds the customer it screens: the change goes through it and is answered.
      if (await isRunning(onboarding)) {
        const status = await ctx.onboarding.amend(command.externalId, {
          customer,
          requestId: command.requestId,
        });
        ctx.out(`update applied by the running onboarding ${onboarding.workflowId}`);
        ctx.out(json(status));
        return 0;
      }
      const workflowId = updateCustomerDataWorkflowId(command.externalId, command.requestId);
      const { provider, account } = await ctx.onboarding.screeningReferenceOf(command.externalId);
      const handle = await startOrReuse(ctx, workflowId, () =>
        ctx.client.workflow.start<typeof updateCustomerData>('updateCustomerData', {
          ...startOptions(
            ctx,
            workflowId,
            command.externalId,
            `KYC customer data update ${command.externalId}`,
          ),
          args: [
            {
              externalIdentifier: command.externalId,
              customer,
              requestId: command.requestId,
              ...(provider !== undefined && { provider }),
              ...(account !== undefined && { account }),
            },
          ],
        }),
      );
      return command.wait ? printResult(ctx, handle, command.timeoutMs) : 0;
    }

    case 'monitoring': {
      const workflowId = setCustomerMonitoringWorkflowId(command.externalId, command.requestId);
      const summary = `KYC monitoring ${command.enabled ? 'on' : 'off'} ${command.externalId}`;
      const { provider, account } = await ctx.onboarding.screeningReferenceOf(command.externalId);
      const handle = await startOrReuse(ctx, workflowId, () =>
        ctx.client.workflow.start<typeof setCustomerMonitoring>('setCustomerMonitoring', {
          ...startOptions(ctx, workflowId, command.externalId, summary),
          args: [
            {
              externalIdentifier: command.externalId,
              enabled: command.enabled,
              requestId: command.requestId,
              ...(provider !== undefined && { provider }),
              ...(account !== undefined && { account }),
            },
          ],
        }),
      );
      return command.wait ? printResult(ctx, handle, command.timeoutMs) : 0;
    }

    case 'offboard': {
      const workflowId = offboardCustomerWorkflowId(command.externalId, command.requestId);
      const { provider, account } = await ctx.onboarding.screeningReferenceOf(command.externalId);
      const handle = await startOrReuse(ctx, workflowId, () =>
        ctx.client.workflow.start<typeof offboardCustomer>('offboardCustomer', {
          ...startOptions(ctx, workflowId, command.externalId, `KYC offboarding ${command.externalId}`),
          args: [
            {
              externalIdentifier: command.externalId,
              requestId: command.requestId,
              ...(command.reason !== undefined && { reason: command.reason }),
              ...(provider !== undefined && { provider }),
              ...(account !== undefined && { account }),
            },
          ],
        }),
      );
      return command.wait ? printResult(ctx, handle, command.timeoutMs) : 0;
    }
  }
}
