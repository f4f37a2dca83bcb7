import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { StarterConfig } from '../config/onboarding';
import type { TemporalConfig } from '../config/temporal';
import {
  offboardCustomerWorkflowId,
  setCustomerMonitoringWorkflowId,
  updateCustomerDataWorkflowId,
} from '../shared/customer-operations';
import {
  statusQuery,
  updateCustomerSignal,
  withdrawSignal,
  type OnboardingInput,
} from '../shared/onboarding';
import { kycExternalIdentifier, kycOnboardingState, kycReviewOverdue } from '../shared/search-attributes';
import { onboardingWorkflowId } from '../shared/workflow-ids';
import type { StarterCommand } from './starter-args';
import { readCustomerUpdate, readOnboardingRequest } from './read-request';

export interface StarterContext {
  client: Client;
  temporal: TemporalConfig;
  starter: StarterConfig;
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

/** Starts a workflow, or when one with this ID exists, reports that one instead of starting another. */
async function startOrReuse(
  ctx: StarterContext,
  workflowType: string,
  workflowId: string,
  args: unknown[],
  searchAttributes: SearchAttributePair[],
  /** The one-line summary the Web UI lists; identifiers only, harmless wherever it is shown. */
  staticSummary: string,
): Promise<WorkflowHandle> {
  let handle: WorkflowHandle;
  try {
    handle = await ctx.client.workflow.start(workflowType, {
      taskQueue: ctx.temporal.taskQueue,
      workflowId,
      args,
      ...ID_POLICIES,
      typedSearchAttributes: searchAttributes,
      staticSummary,
    });
    ctx.out(`started ${workflowType}`);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = ctx.client.workflow.getHandle(workflowId);
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

export async function runStarterCommand(ctx: StarterContext, command: StarterCommand): Promise<ExitCode> {
  switch (command.kind) {
    case 'help':
      return 0;

    case 'start': {
      const request = await readOnboardingRequest(command.inputPath);
      const externalIdentifier = request.customer.external_identifier;
      const input: OnboardingInput = {
        customer: request.customer,
        ...(request.monitoring !== undefined && { monitoring: request.monitoring }),
        configuration: {
          screening_configuration_identifier:
            request.configuration?.screening_configuration_identifier ?? ctx.starter.screeningConfigurationId,
        },
        policy: ctx.starter.policy,
      };
      const handle = await startOrReuse(
        ctx,
        'onboardCustomer',
        onboardingWorkflowId(externalIdentifier),
        [input],
        [
          { key: kycExternalIdentifier, value: externalIdentifier },
          { key: kycOnboardingState, value: 'SCREENING' },
          // Set from the start so `KycReviewOverdue = false` finds the runs that are on time.
          { key: kycReviewOverdue, value: false },
        ],
        `KYC onboarding ${externalIdentifier}`,
      );
      return command.wait ? waitForScreening(ctx, handle, command.timeoutMs) : 0;
    }

    case 'status': {
      const handle = ctx.client.workflow.getHandle(onboardingWorkflowId(command.externalId));
      ctx.out(json(await handle.query(statusQuery)));
      return 0;
    }

    case 'withdraw': {
      const handle = ctx.client.workflow.getHandle(onboardingWorkflowId(command.externalId));
      await handle.signal(withdrawSignal, {
        requestId: command.requestId,
        ...(command.reason !== undefined && { reason: command.reason }),
      });
      ctx.out(`withdrawal sent to ${handle.workflowId}`);
      return 0;
    }

    case 'update': {
      const customer = await readCustomerUpdate(command.inputPath, command.externalId);
      const onboarding = ctx.client.workflow.getHandle(onboardingWorkflowId(command.externalId));
      // A running onboarding holds the customer it screens: the update must go through it.
      if (await isRunning(onboarding)) {
        await onboarding.signal(updateCustomerSignal, { customer, requestId: command.requestId });
        ctx.out(`update sent to the running onboarding ${onboarding.workflowId}`);
        return command.wait ? waitForScreening(ctx, onboarding, command.timeoutMs) : 0;
      }
      const handle = await startOrReuse(
        ctx,
        'updateCustomerData',
        updateCustomerDataWorkflowId(command.externalId, command.requestId),
        [{ externalIdentifier: command.externalId, customer, requestId: command.requestId }],
        [{ key: kycExternalIdentifier, value: command.externalId }],
        `KYC customer data update ${command.externalId}`,
      );
      return command.wait ? printResult(ctx, handle, command.timeoutMs) : 0;
    }

    case 'monitoring': {
      const handle = await startOrReuse(
        ctx,
        'setCustomerMonitoring',
        setCustomerMonitoringWorkflowId(command.externalId, command.requestId),
        [{ externalIdentifier: command.externalId, enabled: command.enabled, requestId: command.requestId }],
        [{ key: kycExternalIdentifier, value: command.externalId }],
        `KYC monitoring ${command.enabled ? 'on' : 'off'} ${command.externalId}`,
      );
      return command.wait ? printResult(ctx, handle, command.timeoutMs) : 0;
    }

    case 'offboard': {
      const handle = await startOrReuse(
        ctx,
        'offboardCustomer',
        offboardCustomerWorkflowId(command.externalId, command.requestId),
        [
          {
            externalIdentifier: command.externalId,
            requestId: command.requestId,
            ...(command.reason !== undefined && { reason: command.reason }),
          },
        ],
        [{ key: kycExternalIdentifier, value: command.externalId }],
        `KYC offboarding ${command.externalId}`,
      );
      return command.wait ? printResult(ctx, handle, command.timeoutMs) : 0;
    }
  }
}
