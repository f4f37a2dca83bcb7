import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { customerProblems } from '../contracts/customer-schema';
import {
  amendCustomerUpdate,
  decideUpdate,
  statusQuery,
  withdrawApplicationUpdate,
  type CustomerUpdate,
  type OfficerDecisionRequest,
  type OnboardingInput,
  type OnboardingStatus,
  type WithdrawRequest,
} from '../contracts/onboarding';
import {
  checkCustomerUpdate,
  checkOfficerDecision,
  checkWithdrawRequest,
  type Checked,
} from '../contracts/message-checks';
import { onboardingInputEnvelopeSchema, problemsOf } from '../contracts/onboarding-schemas';
import {
  kycExternalIdentifier,
  kycOnboardingState,
  kycReviewOverdue,
  kycScreeningProvider,
} from '../contracts/search-attributes';
import { isScreeningProvider, type ScreeningProviderName } from '../contracts/screening-provider';
import { onboardingWorkflowId } from '../contracts/workflow-ids';
import type { onboardCustomer } from '../workflows/onboarding/onboard-customer';
import type { coreCustomerOnboarding } from '../workflows/core/core-customer';
import {
  coreAmendCustomerUpdate,
  coreCustomerWorkflowId,
  coreDecideUpdate,
  coreStatusQuery,
  type CoreStatus,
} from '../contracts/core-banking';

/**
 * What the onboarding service needs from this project, typed from the workflow's own definitions:
 * start an onboarding (idempotent on the external identifier), read its status and result, change
 * the customer's data, withdraw, and let a compliance officer decide. Everything goes through the
 * Temporal client the service already has; the starter CLI uses exactly this module.
 */

export type OnboardingHandle = WorkflowHandle<typeof onboardCustomer>;

/** Refused before anything reached Temporal: one line per problem, naming the field. */
export class OnboardingInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'OnboardingInputError';
  }
}

/**
 * The running onboarding refused an Update (it has ended, the request is invalid, an APPROVE while a
 * case is open) or could not apply it (Mesh refused the data): nothing was changed. `type` is one of
 * OnboardingFailureType.
 */
export class OnboardingRefusedError extends Error {
  constructor(
    message: string,
    readonly type: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OnboardingRefusedError';
  }
}

export interface StartedOnboarding {
  workflowId: string;
  /** False when a run with this external identifier already existed: that run is the onboarding. */
  started: boolean;
  handle: OnboardingHandle;
}

export interface OnboardingClientOptions {
  client: Client;
  /** The workers' TEMPORAL_TASK_QUEUE. */
  taskQueue: string;
}

/**
 * ID policies of a start: an external identifier has one onboarding while it runs and after it
 * completed; only a FAILED run (the provider refused the data, an operator terminated it) may be
 * started again with corrected data, or that customer could never be onboarded.
 */
const ID_POLICIES = {
  workflowIdConflictPolicy: 'FAIL',
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
} as const;

function orThrow<T>(checked: Checked<T>): T {
  if (!checked.ok) throw new OnboardingInputError(checked.problems);
  return checked.value;
}

/** The same rules the run applies at its start, so a bad request fails here, before anything starts. */
export function checkOnboardingInput(input: unknown): OnboardingInput {
  const envelope = onboardingInputEnvelopeSchema.safeParse(input);
  const problems = envelope.success ? [] : problemsOf(envelope.error);
  problems.push(...customerProblems((input as { customer?: unknown } | null)?.customer));
  if (problems.length > 0) throw new OnboardingInputError([...new Set(problems)]);
  return input as OnboardingInput;
}

export class OnboardingClient {
  private readonly client: Client;
  readonly taskQueue: string;

  constructor(options: OnboardingClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
  }

  handle(externalIdentifier: string): OnboardingHandle {
    return this.client.workflow.getHandle<typeof onboardCustomer>(onboardingWorkflowId(externalIdentifier));
  }

  /**
   * Starts `onboardCustomer` for `input.customer` (the customer alone is enough: the workers fill in
   * the screening configuration and the review policy). Starting again for the same external
   * identifier returns the existing onboarding instead of a second one.
   */
  async start(input: OnboardingInput): Promise<StartedOnboarding> {
    const checked = checkOnboardingInput(input);
    const externalIdentifier = checked.customer.external_identifier;
    const workflowId = onboardingWorkflowId(externalIdentifier);
    try {
      const handle = await this.client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
        taskQueue: this.taskQueue,
        workflowId,
        args: [checked],
        ...ID_POLICIES,
        typedSearchAttributes: [
          { key: kycExternalIdentifier, value: externalIdentifier },
          { key: kycOnboardingState, value: 'SCREENING' },
          { key: kycReviewOverdue, value: false },
        ],
        // The Web UI's one-line summary: identifiers only, harmless wherever it is shown.
        staticSummary: `KYC onboarding ${externalIdentifier}`,
      });
      return { workflowId, started: true, handle };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return { workflowId, started: false, handle: this.handle(externalIdentifier) };
    }
  }

  /**
   * The provider that screened the customer, from its onboarding's KycScreeningProvider: what the
   * operations on an onboarded customer (monitoring, data changes, offboarding) must be sent to.
   * Undefined when there is no onboarding or it predates the screening port (Mesh, then).
   */
  async screeningProviderOf(externalIdentifier: string): Promise<ScreeningProviderName | undefined> {
    try {
      const described = await this.handle(externalIdentifier).describe();
      const provider = described.typedSearchAttributes.get(kycScreeningProvider);
      return isScreeningProvider(provider) ? provider : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * The provider and the tenant's account there (for a tenant with credentials of its own), so an
   * operation on the customer calls the account that holds it. The account comes from the run's status
   * (its terms' chain and who screened); absent: the worker's own account.
   */
  async screeningReferenceOf(
    externalIdentifier: string,
  ): Promise<{ provider?: ScreeningProviderName; account?: string }> {
    const provider = await this.screeningProviderOf(externalIdentifier);
    if (provider === undefined) return {};
    // Read from the run, never guessed: an operation sent to the worker's account for a tenant with its
    // own would miss the customer (and, for an offboarding, leave it monitored). A failed query throws.
    const status = await this.status(externalIdentifier);
    const account = status.terms?.screeningChain?.find((link) => link.provider === provider)?.account;
    return account !== undefined && account !== 'default' ? { provider, account } : { provider };
  }

  /** The run's status now (the final one once it ended). */
  status(externalIdentifier: string): Promise<OnboardingStatus> {
    return this.handle(externalIdentifier).query(statusQuery);
  }

  /** Waits for the onboarding to end and returns its final status (rejects if the run failed). */
  result(externalIdentifier: string): Promise<OnboardingStatus> {
    return this.handle(externalIdentifier).result();
  }

  /**
   * Changes the customer's data (only the changed fields) and waits until update-and-rescore ran;
   * answers with the status (a PROHIBITED re-score has rejected the run by then). The same
   * `requestId` is applied once, however often it is sent.
   */
  async amend(externalIdentifier: string, update: CustomerUpdate): Promise<OnboardingStatus> {
    const checked = orThrow(checkCustomerUpdate(update, externalIdentifier));
    return this.execute(externalIdentifier, amendCustomerUpdate, checked, checked.requestId, 'amend');
  }

  /** The applicant withdraws; answers with the final status. */
  async withdraw(externalIdentifier: string, request: WithdrawRequest = {}): Promise<OnboardingStatus> {
    const checked = orThrow(checkWithdrawRequest(request));
    return this.execute(
      externalIdentifier,
      withdrawApplicationUpdate,
      checked,
      checked.requestId,
      'withdraw',
    );
  }

  /** A compliance officer's decision on an escalated onboarding; answers with the status. */
  async decide(externalIdentifier: string, decision: OfficerDecisionRequest): Promise<OnboardingStatus> {
    const checked = orThrow(checkOfficerDecision(decision));
    return this.execute(externalIdentifier, decideUpdate, checked, undefined, 'decide');
  }

  // --- the core-banking customer (core-customer-<external_identifier>), once the onboarding was approved ---

  /** The `coreCustomerOnboarding` run an approved onboarding started (its `status.core.workflowId`). */
  coreHandle(externalIdentifier: string): WorkflowHandle<typeof coreCustomerOnboarding> {
    return this.client.workflow.getHandle<typeof coreCustomerOnboarding>(
      coreCustomerWorkflowId(externalIdentifier),
    );
  }

  /** The core-banking customer's status now: CORE_CREATING … CORE_READY, `missing` while CORE_INCOMPLETE. */
  coreStatus(externalIdentifier: string): Promise<CoreStatus> {
    return this.coreHandle(externalIdentifier).query(coreStatusQuery);
  }

  /** Waits until the core-banking customer is settled: CORE_READY, CORE_DECLINED or CORE_EXPIRED. */
  coreResult(externalIdentifier: string): Promise<CoreStatus> {
    return this.coreHandle(externalIdentifier).result();
  }

  /** Supplies what CORE_INCOMPLETE names (`address`, `phone_number`, …); answers once it was sent to COS. */
  async amendCore(externalIdentifier: string, update: CustomerUpdate): Promise<CoreStatus> {
    const checked = orThrow(checkCustomerUpdate(update, externalIdentifier));
    return this.executeOn(this.coreHandle(externalIdentifier), coreAmendCustomerUpdate, checked);
  }

  /** An officer's decision on the core's PEP hit (CORE_REVIEW): APPROVE accepts it, REJECT declines the customer. */
  async decideCore(externalIdentifier: string, decision: OfficerDecisionRequest): Promise<CoreStatus> {
    const checked = orThrow(checkOfficerDecision(decision));
    return this.executeOn(this.coreHandle(externalIdentifier), coreDecideUpdate, checked);
  }

  private async executeOn<R, A>(
    handle: WorkflowHandle,
    update: UpdateDefinition<R, [A]>,
    arg: A,
  ): Promise<R> {
    try {
      return await handle.executeUpdate(update, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new OnboardingRefusedError(err.cause.message, err.cause.type ?? undefined, { cause: err });
      }
      throw err;
    }
  }

  private async execute<A>(
    externalIdentifier: string,
    update: UpdateDefinition<OnboardingStatus, [A]>,
    arg: A,
    requestId: string | undefined,
    kind: string,
  ): Promise<OnboardingStatus> {
    try {
      return await this.handle(externalIdentifier).executeUpdate(update, {
        args: [arg],
        // Temporal's own deduplication of a retried call, on top of the run's requestId memory.
        ...(requestId !== undefined && { updateId: `${kind}-${requestId}` }),
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new OnboardingRefusedError(err.cause.message, err.cause.type ?? undefined, { cause: err });
      }
      throw err;
    }
  }
}
