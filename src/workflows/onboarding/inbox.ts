import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { caseDecisionSignal, type CaseDecision } from '../../contracts/case-decision';
import {
  amendCustomerUpdate,
  decideUpdate,
  FINAL_STATES,
  OnboardingFailureType,
  statusQuery,
  updateCustomerSignal,
  withdrawApplicationUpdate,
  withdrawSignal,
  type CustomerUpdate,
  type OfficerDecisionRequest,
  type OnboardingStatus,
  type WithdrawRequest,
} from '../../contracts/onboarding';
import {
  checkCustomerUpdate,
  checkOfficerDecision,
  checkWithdrawRequest,
  type Checked,
} from '../../contracts/message-checks';

/**
 * Everything callers send a running onboarding waits here until the run's main loop takes it, in the
 * order the loop chooses (data first, then the withdrawal, the officer's and then the case's
 * decisions). Handlers never change the run themselves: one loop owns every state change, so a
 * message can never interleave with another one's activity calls. Updates wait for their item to be
 * taken and answer with what came of it; signals are fire-and-forget.
 */

/** A message an Update waits on: `done` once the loop took it, `refusal` when it could not apply it. */
export interface Pending<T> {
  request: T;
  done: boolean;
  refusal?: ApplicationFailure;
}

export interface Inbox {
  amendments: Pending<CustomerUpdate>[];
  withdrawal: WithdrawRequest | undefined;
  officerDecisions: Pending<OfficerDecisionRequest>[];
  caseDecisions: CaseDecision[];
  /** Request ids already applied (signal or Update): a repeat changes nothing. */
  seenRequestIds: Set<string>;
}

export function isFinal(status: OnboardingStatus): boolean {
  return FINAL_STATES.includes(status.state);
}

export function hasMail(inbox: Inbox): boolean {
  return (
    inbox.amendments.length > 0 ||
    inbox.withdrawal !== undefined ||
    inbox.officerDecisions.length > 0 ||
    inbox.caseDecisions.length > 0
  );
}

export function refusal(type: OnboardingFailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function refuseUnless<T>(checked: Checked<T>): T {
  if (!checked.ok) throw refusal(OnboardingFailureType.UPDATE_REFUSED, checked.problems.join('; '));
  return checked.value;
}

export interface InboxContext {
  status: OnboardingStatus;
  /** Why an officer's APPROVE cannot be taken now (a provider case is open or may be created), if so. */
  approvalBlocker(): string | undefined;
}

/** The inbox of one run, with every query, signal and Update handler registered on it. */
export function openInbox(ctx: InboxContext, seenRequestIds: Iterable<string> = []): Inbox {
  const { status } = ctx;
  const inbox: Inbox = {
    amendments: [],
    withdrawal: undefined,
    officerDecisions: [],
    caseDecisions: [],
    seenRequestIds: new Set(seenRequestIds),
  };

  const refuseWhenEnded = () => {
    if (isFinal(status)) {
      throw refusal(
        OnboardingFailureType.UPDATE_REFUSED,
        `the onboarding has ended (${status.state}): nothing was changed`,
      );
    }
  };
  const taken = async <T>(item: Pending<T>): Promise<OnboardingStatus> => {
    await condition(() => item.done);
    if (item.refusal !== undefined) throw item.refusal;
    return status;
  };

  setHandler(statusQuery, () => status);
  setHandler(caseDecisionSignal, (decision) => void inbox.caseDecisions.push(decision));
  setHandler(updateCustomerSignal, (update) => void inbox.amendments.push({ request: update, done: false }));
  setHandler(withdrawSignal, (request) => {
    inbox.withdrawal ??= request;
  });

  setHandler(
    amendCustomerUpdate,
    async (update) => {
      if (update.requestId !== undefined && inbox.seenRequestIds.has(update.requestId)) return status;
      const item: Pending<CustomerUpdate> = { request: update, done: false };
      inbox.amendments.push(item);
      return taken(item);
    },
    {
      validator: (update) => {
        refuseWhenEnded();
        refuseUnless(checkCustomerUpdate(update, status.externalIdentifier));
      },
    },
  );

  setHandler(
    withdrawApplicationUpdate,
    async (request) => {
      inbox.withdrawal ??= request ?? {};
      await condition(() => isFinal(status));
      return status;
    },
    {
      validator: (request) => {
        refuseWhenEnded();
        refuseUnless(checkWithdrawRequest(request));
      },
    },
  );

  setHandler(
    decideUpdate,
    async (request) => {
      const item: Pending<OfficerDecisionRequest> = { request, done: false };
      inbox.officerDecisions.push(item);
      return taken(item);
    },
    {
      validator: (request) => {
        refuseWhenEnded();
        const decision = refuseUnless(checkOfficerDecision(request));
        const blocker = decision.outcome === 'APPROVE' ? ctx.approvalBlocker() : undefined;
        if (blocker !== undefined) {
          throw refusal(OnboardingFailureType.UPDATE_REFUSED, `APPROVE refused: ${blocker}`);
        }
      },
    },
  );

  return inbox;
}
