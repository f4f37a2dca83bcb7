import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  setWorkflowOptions,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { coreCustomerWorkflowId } from '../../contracts/core-banking';
import { riskRoute, type RiskCheckResult } from '../../contracts/risk';
import { coreCustomerOnboarding } from '../core/core-customer';
import type { CaseDecision } from '../../contracts/case-decision';
import type { MeshCustomer } from '../../contracts/customer';
import {
  OnboardingFailureType,
  monitoringEnabledOf,
  type CustomerUpdate,
  type OfficerDecisionRequest,
  type OnboardingInput,
  type OnboardingPolicy,
  type OnboardingState,
  type OnboardingStatus,
  type OnboardingTerms,
  type ScreeningLink,
} from '../../contracts/onboarding';
import { caClassicSearchEventSignal, caClassicSearchEventsWorkflowId } from '../../contracts/ca-classic';
import { caClassicSearchEvents } from '../screening/ca-classic-search-events';
import { screenWithFailover } from './failover';
import {
  kycExternalIdentifier,
  kycOnboardingState,
  kycProviderOutage,
  kycTenant,
  kycReviewOverdue,
  kycRiskLevel,
  kycRiskRoute,
  kycScreeningProvider,
  kycScreeningResult,
} from '../../contracts/search-attributes';
import {
  DEFAULT_SCREENING_PROVIDER,
  SCREENING_PROVIDER_NAMES,
  type ScreeningProviderName,
} from '../../contracts/screening-provider';
import { mergeCustomer } from '../common/customer-merge';
import {
  providerActivities,
  riskActivities,
  termsActivities,
  untilDone,
} from '../common/provider-activities';
import { legacyCaseExpected, readRescore, readScreening, readVerdict } from './recorded-results';
import { startOffboarding } from '../operations/start-offboarding';
import { hasMail, isFinal, openInbox, refusal, type Pending } from './inbox';
import { countDecisionIgnored, countReviewOverdue, countState, showStatus } from './observability';
import { PATCHES, since } from './patches';
import { approvalBlocker, decisionEffect, onboardingVerdict } from './rules';
import { causeMessageOf, failureTypeOf, policyOf } from '../common/failures';

/** When a waiting run next reminds, expires and reads its case (workflow time, ms since the epoch). */
export interface ReviewClock {
  reminderAt: number;
  deadlineAt: number;
  nextCheckAt: number;
}

/**
 * What a long review hands to its continuation (continue-as-new keeps the history short however
 * often the run polls): its terms, its status and everything it must remember to drop repeats.
 */
export interface OnboardingContinuation {
  terms: OnboardingTerms;
  status: OnboardingStatus;
  review: ReviewClock;
  seenWebhookIds: string[];
  seenCaseStages: string[];
  seenRequestIds: string[];
  /** Whether a provider case is to come (absent in continuations recorded before the port). */
  caseExpected?: boolean | null;
  /** The screening was clear but the risk route forbids approving it straight through: an officer decides. */
  officerDecides?: boolean;
  /** The risk route turned enhanced after screening: no decision of that screening approves the run. */
  enhancedAfterScreening?: boolean;
}

const ONBOARDING_CASE_TYPE = 'CUSTOMER_ONBOARDING';

/**
 * One customer's onboarding: create and screen, then approve straight through,
 * reject, or wait for the analyst's case decision, which arrives as a `caseDecision` signal from the
 * webhook bridge or is found by the run's own case checks. Nothing is approved on a guess: unknown
 * values, an unreadable duplicate's outcome and unconfirmed webhooks all mean review. The onboarding
 * service starts it with `{ customer }` alone; the worker's configuration fills in the rest
 * (src/activities/onboarding-terms.ts). Diagram and rules in docs/workflow.md.
 */
export async function onboardCustomer(
  input: OnboardingInput,
  continuation?: OnboardingContinuation,
): Promise<OnboardingStatus> {
  let customer: MeshCustomer = input.customer;
  const status: OnboardingStatus = continuation?.status ?? {
    state: 'SCREENING',
    externalIdentifier: customer.external_identifier,
    monitoringEnabled: false,
    reviewOverdue: false,
    escalated: false,
    rescores: 0,
    history: [{ state: 'SCREENING', at: new Date().toISOString() }],
  };
  const seenWebhookIds = new Set(continuation?.seenWebhookIds ?? []);
  const seenCaseStages = new Set(continuation?.seenCaseStages ?? []);
  // Whether the screening opened (or will open) a case for a person; unknown until screened.
  let caseExpected: boolean | undefined =
    continuation?.caseExpected === undefined
      ? legacyCaseExpected(status.screeningResult)
      : (continuation.caseExpected ?? undefined);
  let screeningWords: string | undefined = status.screeningResult;
  const blockApproval = () =>
    approvalBlocker({
      state: status.state,
      caseExpected,
      screeningWords,
      caseIdentifier: status.case?.caseIdentifier,
      officerDecides,
      caseDecision:
        status.decision?.caseIdentifier === status.case?.caseIdentifier
          ? status.decision?.decisionType
          : undefined,
    });
  // Messages may arrive before the first await (a decision while screening still retries): they wait here.
  const inbox = openInbox({ status, approvalBlocker: blockApproval }, continuation?.seenRequestIds);
  // Runs started before terms were recorded replay on the code path they started with.
  const recordsTerms = continuation !== undefined || since(PATCHES.recordedTerms);
  // Asked here, in the run's first activation, never right after the terms' local activity: a local
  // activity that outlives a workflow task is replayed in another task than it ran in, and a patch marker
  // recorded after it would no longer line up with the history (a nondeterminism error on replay).
  const portTerms = continuation === undefined && since(PATCHES.screeningPort);
  // Asked here for the same reason: the risk score before screening, the core-banking customer after approval.
  const aroundScreening = since(PATCHES.riskAndCore);
  // And this one: tenants, each run's chain of providers and its failover.
  const withTenants = since(PATCHES.tenantsAndFailover);
  let officerDecides = continuation?.officerDecides === true;
  let enhancedAfterScreening = continuation?.enhancedAfterScreening === true;
  let terms: OnboardingTerms | undefined = continuation?.terms;
  // The provider (and account) in use: the one that screened, or the one being asked; every later call goes
  // to it. Runs recorded before the port: Mesh; before tenants: the terms' provider on the worker's account.
  let inUse: ScreeningLink | undefined = continuation?.terms.screeningChain?.find(
    (link) => link.provider === (continuation.status.failover?.screenedBy ?? continuation.terms.provider),
  );
  const providerOf = (): ScreeningProviderName =>
    inUse?.provider ?? terms?.provider ?? DEFAULT_SCREENING_PROVIDER;
  const accountOf = (): string | undefined => inUse?.account;
  const withAccount = (): { account?: string } => {
    const account = accountOf();
    return account !== undefined ? { account } : {};
  };
  const providerFor = () =>
    providerActivities({
      awaitScreeningOnCancel: recordsTerms,
      provider: providerOf(),
      account: accountOf(),
    });
  let provider = providerFor();
  const providerName = () => SCREENING_PROVIDER_NAMES[providerOf()];
  const policy = (): OnboardingPolicy => terms?.policy ?? policyOf(input.policy);

  /** The status as callers see it, with the provider's objects the run knows of. */
  function show(): void {
    if (status.customerIdentifier !== undefined && terms !== undefined) {
      status.screening = {
        provider: providerOf(),
        subjectId: status.customerIdentifier,
        ...(screeningIdentifier !== undefined && { screeningId: screeningIdentifier }),
        ...(status.case !== undefined && { caseId: status.case.caseIdentifier }),
        ...(screeningProfile !== undefined && { profile: screeningProfile }),
      };
    }
    showStatus(status);
  }
  let screeningIdentifier: string | undefined = continuation?.status.screening?.screeningId;
  let screeningProfile: string | undefined = continuation?.status.screening?.profile;
  let screeningClock: ReviewClock | undefined;

  function enter(state: OnboardingState, reason?: string): void {
    status.state = state;
    if (reason !== undefined) status.reason = reason;
    status.history.push({ state, at: new Date().toISOString(), ...(reason !== undefined && { reason }) });
    upsertSearchAttributes([{ key: kycOnboardingState, value: state }]);
    countState(state, status.riskLevel);
    show();
  }

  function noteRiskLevel(riskLevel: string | undefined): void {
    if (riskLevel === undefined) return;
    status.riskLevel = riskLevel;
    upsertSearchAttributes([{ key: kycRiskLevel, value: riskLevel }]);
    show();
  }

  /** Final states other than APPROVED: the customer must not stay under (paid) ongoing monitoring. */
  async function finishWithoutMonitoring(state: OnboardingState, reason: string): Promise<void> {
    if (status.customerIdentifier !== undefined) {
      try {
        await untilDone(provider.customerChange.setMonitoring, {
          customerIdentifier: status.customerIdentifier,
          enabled: false,
          ...(screeningIdentifier !== undefined && { screeningIdentifier }),
        });
        status.monitoringEnabled = false;
      } catch (err) {
        if (isCancellation(err) && recordsTerms) throw err;
        // Only a permanent refusal gets here (404): record it for ops rather than fail the decision.
        log.warn('monitoring could not be switched off', { failureType: failureTypeOf(err) });
        reason = `${reason}; monitoring could not be switched off (${failureTypeOf(err)})`;
      }
    }
    enter(state, reason);
  }

  // --- Start: terms, then screening -------------------------------------------------------------------
  async function begin(): Promise<OnboardingTerms> {
    upsertSearchAttributes([
      { key: kycExternalIdentifier, value: customer.external_identifier },
      { key: kycOnboardingState, value: 'SCREENING' },
      // Set from the start so `KycReviewOverdue = false` finds the runs that are on time, however started.
      ...(recordsTerms ? [{ key: kycReviewOverdue, value: false }] : []),
    ]);
    countState('SCREENING', undefined);
    showStatus(status);
    if (!recordsTerms) return legacyTerms();
    try {
      return await termsActivities().resolveOnboardingTerms(input);
    } catch (err) {
      const problem = causeMessageOf(err);
      enter('FAILED', 'invalid onboarding input');
      throw ApplicationFailure.create({
        type: OnboardingFailureType.INVALID_INPUT,
        message: problem,
        nonRetryable: true,
      });
    }
  }

  /** The terms of a run started before the worker supplied defaults: everything came in the input. */
  function legacyTerms(): OnboardingTerms {
    const screeningConfigurationIdentifier = input.configuration?.screening_configuration_identifier;
    if (screeningConfigurationIdentifier === undefined) {
      enter('FAILED', 'no screening configuration identifier in the input');
      throw ApplicationFailure.create({
        type: OnboardingFailureType.INVALID_INPUT,
        message: 'configuration.screening_configuration_identifier is required (the starter fills it in)',
        nonRetryable: true,
      });
    }
    return {
      screeningConfigurationIdentifier,
      policy: policyOf(input.policy),
      monitoringEnabled: monitoringEnabledOf(input.monitoring),
    };
  }

  /**
   * The customer-checks risk score, with the full customer (the API replaces what it holds). Whatever
   * cannot be read, or does not come within RISK_CHECK_TIMEOUT, is the enhanced route: never a guess
   * towards the standard one. Once enhanced, a run stays under mandatory review.
   */
  async function scoreRisk(subject: MeshCustomer): Promise<void> {
    const riskTerms = terms?.risk;
    if (!aroundScreening || riskTerms === undefined) return;
    let result: RiskCheckResult | undefined;
    let unavailable: string | undefined;
    try {
      result = await riskActivities(riskTerms).checkCustomerRisk({
        customer: subject,
        ...(status.risk?.customerId !== undefined && { riskCustomerId: status.risk.customerId }),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      unavailable = `no answer within ${Math.round(riskTerms.checkTimeoutMs / 1000)} s: ${failureTypeOf(err)}`;
    }
    const wasEnhanced = status.mandatoryReview === true;
    const scored = riskRoute(result, riskTerms, unavailable);
    // The route in force: once enhanced, a run stays enhanced whatever a later score says.
    status.risk =
      wasEnhanced && scored.route === 'standard'
        ? { ...scored, route: 'enhanced', reason: `${scored.reason}; the run stays on the enhanced route` }
        : scored;
    if (status.risk.route === 'enhanced') status.mandatoryReview = true;
    if (!wasEnhanced && status.mandatoryReview === true && status.customerIdentifier !== undefined) {
      // Enhanced after screening: Mesh re-scores with the configuration it screened with, not the extensive
      // one, so no decision of that screening approves this run any more; an officer decides. Unlike a clear
      // screening (officerDecides), a case that screening opened, or may still open, still binds the officer.
      enhancedAfterScreening = true;
      status.escalated = true;
    }
    upsertSearchAttributes([
      { key: kycRiskRoute, value: status.mandatoryReview === true ? 'enhanced' : 'standard' },
    ]);
    show();
  }

  /** The extensive profile for the enhanced route (where the provider has one), the standard one otherwise. */
  function profileFor(runTerms: OnboardingTerms, link: ScreeningLink | undefined = inUse): string {
    const extensive =
      link !== undefined ? link.extensiveProfile : runTerms.extensiveScreeningConfigurationIdentifier;
    const standard = link !== undefined ? link.screeningProfile : runTerms.screeningConfigurationIdentifier;
    return status.mandatoryReview === true && extensive !== undefined ? extensive : standard;
  }

  /**
   * A clear screening on the enhanced route: no analyst case exists for it, so the review is an officer's
   * `decide`. Nothing automatic approves this run from here on.
   */
  function holdForOfficer(reason: string): void {
    if (officerDecides && status.state === 'AWAITING_REVIEW') return;
    officerDecides = true;
    status.escalated = true;
    enter('AWAITING_REVIEW', `${reason}; the risk route requires a review: a compliance officer decides`);
  }

  async function screen(runTerms: OnboardingTerms): Promise<void> {
    let screening;
    if (aroundScreening && runTerms.risk !== undefined) {
      await scoreRisk(customer);
      screeningProfile = profileFor(runTerms);
    }
    try {
      if (withTenants && runTerms.screeningChain !== undefined) {
        const screened = await screenWithFailover({
          terms: runTerms,
          status,
          customer,
          profileOf: (link) => {
            screeningProfile = profileFor(runTerms, link);
            return screeningProfile;
          },
          awaitScreeningOnCancel: recordsTerms,
          onProvider: (link) => {
            if (link === inUse) return;
            inUse = link;
            provider = providerFor();
            upsertSearchAttributes([{ key: kycScreeningProvider, value: link.provider }]);
          },
          show,
        });
        screening = screened.screening;
      } else {
        screening = await untilDone(provider.screening.createAndScreen, {
          customer,
          screeningConfigurationIdentifier: screeningProfile ?? runTerms.screeningConfigurationIdentifier,
          monitoringEnabled: runTerms.monitoringEnabled,
        });
      }
    } catch (err) {
      if (isCancellation(err) && recordsTerms) throw err;
      enter('FAILED', `${providerName()} refused create-and-screen (${failureTypeOf(err)})`);
      throw ApplicationFailure.create({
        type: OnboardingFailureType.SCREENING_REFUSED,
        message: `${providerName()} refused create-and-screen for ${customer.external_identifier}`,
        nonRetryable: true,
        ...(err instanceof Error && { cause: err }),
      });
    }

    const reading = readScreening(screening);
    caseExpected = reading.caseExpected;
    screeningWords = reading.words;
    status.customerIdentifier = screening.customerIdentifier;
    if (screening.screeningIdentifier !== undefined) screeningIdentifier = screening.screeningIdentifier;
    status.monitoringEnabled = runTerms.monitoringEnabled;
    if (screening.recoveredFromDuplicate) status.recoveredFromDuplicate = true;
    noteRiskLevel(screening.riskLevel);
    if (screening.screeningResult !== undefined) {
      status.screeningResult = screening.screeningResult;
      upsertSearchAttributes([{ key: kycScreeningResult, value: screening.screeningResult }]);
    }
    if (screening.caseIdentifier !== undefined) status.case = { caseIdentifier: screening.caseIdentifier };
    show();
    await watchSearch(screeningIdentifier);

    // An earlier attempt screened other data: the request's data is what the customer gave, apply it.
    if (screening.recovery?.storedCustomerDiffers === true) await applyRequestedData();

    // Data changed while screening ran: re-score before deciding on the old risk level.
    while (inbox.amendments.length > 0 && status.state === 'SCREENING') {
      await applyAmendment(inbox.amendments.shift()!);
    }
    if (status.state !== 'SCREENING') return;
    if (inbox.withdrawal !== undefined) {
      await finishWithoutMonitoring('WITHDRAWN', inbox.withdrawal.reason ?? 'withdrawn by the applicant');
      return;
    }
    // An officer's REJECT taken while screening ran wins over any automatic outcome.
    const rejection = inbox.officerDecisions.find((item) => item.request.outcome === 'REJECT');
    if (rejection !== undefined) {
      inbox.officerDecisions.splice(inbox.officerDecisions.indexOf(rejection), 1);
      await applyOfficerDecision(rejection);
      return;
    }

    const verdict = onboardingVerdict(reading, screening.recovery);
    if (verdict.next === 'AWAIT_RESULT') {
      // An asynchronous provider (ComplyCube) screens after answering: its result decides from here.
      status.reason = verdict.reason;
      show();
      await awaitScreeningResult();
    } else if (verdict.next === 'APPROVE' && status.mandatoryReview === true) {
      holdForOfficer(verdict.reason);
    } else if (verdict.next === 'APPROVE') {
      enter('APPROVED', verdict.reason);
    } else if (verdict.next === 'REJECT') {
      await finishWithoutMonitoring('REJECTED', verdict.reason);
    } else {
      if (verdict.escalate) status.escalated = true;
      enter('AWAITING_REVIEW', verdict.reason);
    }
  }

  /** Update-and-rescore with the request's own customer, after a duplicate held other data. */
  async function applyRequestedData(): Promise<void> {
    try {
      const rescored = await untilDone(provider.customerChange.updateAndRescore, {
        customerIdentifier: status.customerIdentifier!,
        customer,
        ...rescoreTerms(),
      });
      status.rescores += 1;
      noteRiskLevel(rescored.riskLevel);
      await noteNewScreening(rescored.screeningIdentifier);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Mesh refused the data for good: the screening stands for other data, so review decides.
      status.reason = `the request's data was refused by ${providerName()} (${failureTypeOf(err)})`;
    }
  }

  /**
   * What a provider that re-screens with a new screening (ComplyCube) needs to start it; Mesh re-scores
   * the customer it holds, and its calls stay as they were recorded.
   */
  function rescoreTerms() {
    if (providerOf() === 'mesh' || terms === undefined) return {};
    return {
      screeningConfigurationIdentifier: aroundScreening
        ? profileFor(terms)
        : terms.screeningConfigurationIdentifier,
      monitoringEnabled: status.monitoringEnabled,
    };
  }

  /**
   * A re-score that started a new screening (ComplyCube): it is the run's case from now on and decides
   * what follows; the screening it replaces stops being monitored, so the customer is watched once.
   */
  async function noteNewScreening(newScreening: string | undefined): Promise<void> {
    if (newScreening === undefined || newScreening === screeningIdentifier) return;
    const previous = screeningIdentifier;
    screeningIdentifier = newScreening;
    if (!isFinal(status)) status.case = { caseIdentifier: newScreening };
    show();
    await watchSearch(newScreening, true);
    if (previous === undefined || !status.monitoringEnabled) return;
    try {
      await untilDone(provider.customerChange.setMonitoring, {
        customerIdentifier: status.customerIdentifier!,
        enabled: false,
        screeningIdentifier: previous,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('monitoring of the replaced screening could not be switched off', {
        failureType: failureTypeOf(err),
      });
    }
  }

  /**
   * A ComplyAdvantage classic search gets its event inbox as soon as it exists: the bridge can route the
   * search's webhooks (most of which name only the search) to it, and it knows whose search it is.
   */
  async function watchSearch(searchId: string | undefined, readAtStart = false): Promise<void> {
    if (!withTenants || providerOf() !== 'ca-classic' || searchId === undefined) return;
    const account = accountOf() ?? 'default';
    try {
      await startChild(caClassicSearchEvents, {
        workflowId: caClassicSearchEventsWorkflowId(account, searchId),
        args: [
          {
            searchId,
            account,
            externalIdentifier: status.externalIdentifier,
            ...(readAtStart && { readAtStart }),
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // The bridge started it first with an event, which may not name the customer: tell it whose it is.
      try {
        await getExternalWorkflowHandle(caClassicSearchEventsWorkflowId(account, searchId)).signal(
          caClassicSearchEventSignal,
          {
            eventId: `onboarding-${workflowInfo().runId}-${searchId}`,
            event: 'onboarding_started_search',
            searchId,
            clientRef: status.externalIdentifier,
            receivedAt: new Date().toISOString(),
          },
        );
      } catch {
        // It ended meanwhile (idle, not knowing whose): the next event starts it again; the run's poll reads on.
        log.warn('the search inbox could not be told whose search it is', { searchId });
      }
    }
  }

  // --- Messages -----------------------------------------------------------------------------------------
  async function applyAmendment(item: Pending<CustomerUpdate>): Promise<void> {
    const { request } = item;
    const customerIdentifier = status.customerIdentifier;
    const repeated = request.requestId !== undefined && inbox.seenRequestIds.has(request.requestId);
    if (customerIdentifier === undefined || (repeated && recordsTerms)) {
      item.done = true;
      return;
    }
    const merged = mergeCustomer(customer, request.customer);
    // Changed data may change the risk: scored again, with the whole merged customer, before re-screening.
    await scoreRisk(merged);
    try {
      const rescored = await untilDone(provider.customerChange.updateAndRescore, {
        customerIdentifier,
        customer: merged,
        ...rescoreTerms(),
      });
      customer = merged;
      status.rescores += 1;
      if (request.requestId !== undefined) inbox.seenRequestIds.add(request.requestId);
      noteRiskLevel(rescored.riskLevel);
      await noteNewScreening(rescored.screeningIdentifier);
      if (readRescore(rescored) === 'prohibited') {
        if (!isFinal(status)) {
          await finishWithoutMonitoring('REJECTED', 'risk level PROHIBITED after a customer update');
        } else if (status.state === 'APPROVED') {
          status.offboardingWorkflowId = await startOffboarding({
            externalIdentifier: status.externalIdentifier,
            customerIdentifier,
            ...(terms?.provider !== undefined && { provider: providerOf() }),
            ...withAccount(),
            reason: 'risk level PROHIBITED after a customer update',
            requestId: `prohibited-${request.requestId ?? `rescore-${status.rescores}`}`,
          });
        }
      }
    } catch (err) {
      if (isCancellation(err) && recordsTerms) throw err;
      // The provider refused the new data for good (e.g. 400): the onboarding goes on with the data it had.
      status.reason = `customer update refused by ${providerName()} (${failureTypeOf(err)})`;
      item.refusal = refusal(
        OnboardingFailureType.AMENDMENT_REFUSED,
        `${providerName()} refused the changed data (${failureTypeOf(err)}); the onboarding goes on with the data it had`,
      );
    }
    item.done = true;
  }

  function ignoreDecision(decision: CaseDecision, why: string): void {
    status.ignoredDecisions = (status.ignoredDecisions ?? 0) + 1;
    countDecisionIgnored(why);
    log.warn('case decision ignored', {
      why,
      caseIdentifier: decision.caseIdentifier,
      runCaseIdentifier: status.case?.caseIdentifier,
      source: decision.source,
    });
    show();
  }

  /**
   * A webhook's decision, read back from the case before anything final follows from it: the webhook
   * may be late, replayed, or about another case. Undefined: nothing to act on now (the read failed,
   * the case is not this run's, or it is still open); the next poll reads the case anyway.
   */
  async function confirmDecision(decision: CaseDecision): Promise<CaseDecision | undefined> {
    let result;
    try {
      result = await provider.caseCheck.checkOnboardingCase({
        customerIdentifier: status.customerIdentifier!,
        caseIdentifier: decision.caseIdentifier,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('case decision not confirmed: the case could not be read; the next poll decides', {
        caseIdentifier: decision.caseIdentifier,
        failureType: failureTypeOf(err),
      });
      return undefined;
    }
    const found = result.case;
    if (found === undefined) return undefined;
    // The run's own case (from screening or its case check) is known to be this customer's; another
    // case must say whose it is.
    const ours =
      found.caseIdentifier === status.case?.caseIdentifier ||
      (found.customerIdentifier !== undefined
        ? found.customerIdentifier === status.customerIdentifier
        : found.externalIdentifier === status.externalIdentifier);
    if (!ours || (found.caseType !== undefined && found.caseType !== ONBOARDING_CASE_TYPE)) {
      ignoreDecision(decision, 'not-this-customers-onboarding-case');
      return undefined;
    }
    if (found.decisionType === null) {
      log.info('case decision not confirmed: the case is still open', {
        caseIdentifier: found.caseIdentifier,
      });
      return undefined;
    }
    return {
      ...decision,
      caseIdentifier: found.caseIdentifier,
      decisionType: found.decisionType,
      ...(found.verdict !== undefined && { verdict: found.verdict }),
      ...(found.stageIdentifier !== undefined && { stageIdentifier: found.stageIdentifier }),
      ...(found.stageName !== undefined && { stageName: found.stageName }),
      confirmedAt: result.checkedAt,
    };
  }

  async function applyCaseDecision(received: CaseDecision): Promise<void> {
    if (received.webhookId !== undefined) {
      if (seenWebhookIds.has(received.webhookId)) return;
      seenWebhookIds.add(received.webhookId);
    }
    // Monitoring cases have their own review (monitoring-case-review.ts); they never decide an onboarding.
    if (received.caseType !== undefined && received.caseType !== ONBOARDING_CASE_TYPE) return;
    const ownCase = status.case?.caseIdentifier;
    if (received.source === 'provider-read') {
      // Read by the provider's event workflow when its webhook came: acted on as read, for the run's own case only.
      if (ownCase === undefined || received.caseIdentifier !== ownCase || received.verdict === undefined) {
        ignoreDecision(received, 'not-this-runs-case');
        return;
      }
      if (applyDecisionEffect(received)) await finishFromDecision(received);
      return;
    }
    const fromWebhook = received.source === 'webhook';
    if (fromWebhook && status.state === 'SCREENING') {
      // An asynchronous screening's event is a hint that the result may be in: read it.
      if (ownCase === undefined || received.caseIdentifier === ownCase) await checkCase();
      return;
    }
    if (fromWebhook && ownCase !== undefined && received.caseIdentifier !== ownCase) {
      if (since(PATCHES.ownCaseOnly)) {
        ignoreDecision(received, 'another-case');
        return;
      }
    }
    let decision: CaseDecision | undefined = received;
    if (fromWebhook && received.decisionType !== null && since(PATCHES.confirmDecisions)) {
      decision = await confirmDecision(received);
      if (decision === undefined) return;
    } else if (fromWebhook && ownCase === undefined && recordsTerms) {
      // An undecided webhook cannot say whose case it names; the run's case check will find its case.
      return;
    }
    if (applyDecisionEffect(decision)) await finishFromDecision(decision);
  }

  /** Records a decision; true when it rejects the run (which needs monitoring switched off). */
  function applyDecisionEffect(decision: CaseDecision): boolean {
    // The same stage seen twice (webhook and case check, or v1/v2 twins) is applied once; a screening
    // still running is another stage than the open case it becomes.
    const verdict = readVerdict(decision);
    const stageKey = `${decision.caseIdentifier}|${decision.stageIdentifier ?? ''}|${decision.decisionType ?? ''}${verdict === 'pending' ? '|pending' : ''}`;
    if (seenCaseStages.has(stageKey)) return false;
    seenCaseStages.add(stageKey);

    status.case = {
      caseIdentifier: decision.caseIdentifier,
      ...(decision.caseType !== undefined && { caseType: decision.caseType }),
      ...(decision.stageIdentifier !== undefined && { stageIdentifier: decision.stageIdentifier }),
      ...(decision.stageName !== undefined && { stageName: decision.stageName }),
    };
    status.decision = {
      caseIdentifier: decision.caseIdentifier,
      decisionType: decision.decisionType ?? null,
      source: decision.source,
      receivedAt: decision.receivedAt,
      ...(decision.webhookId !== undefined && { webhookId: decision.webhookId }),
      ...(decision.stageName !== undefined && { stageName: decision.stageName }),
      ...(decision.confirmedAt !== undefined && { confirmedAt: decision.confirmedAt }),
    };

    const label = decisionLabel(decision);
    const screening = status.state === 'SCREENING';
    switch (decisionEffect(verdict, policy())) {
      case 'APPROVE':
        if (status.mandatoryReview === true && (screening || officerDecides)) {
          holdForOfficer(`screening result ${decision.decisionType ?? verdict}`);
          return false;
        }
        if (enhancedAfterScreening) {
          status.escalated = true;
          status.reason = `${label}: the risk route turned enhanced after screening: a compliance officer decides`;
          if (screening) enter('AWAITING_REVIEW', status.reason);
          else show();
          return false;
        }
        enter('APPROVED', screening ? `screening result ${decision.decisionType ?? verdict}` : label);
        return false;
      case 'REJECT':
        return true;
      case 'ESCALATE':
        status.escalated = true;
        status.reason = `${label}: needs a final decision`;
        if (screening) enter('AWAITING_REVIEW', status.reason);
        else show();
        return false;
      case 'WAIT':
        if (screening && verdict === 'open') {
          caseExpected = true;
          enter(
            'AWAITING_REVIEW',
            `screening found possible matches: ${providerName()} case ${decision.caseIdentifier} awaits its analyst`,
          );
        } else show();
        return false;
    }
  }

  async function finishFromDecision(decision: CaseDecision): Promise<void> {
    await finishWithoutMonitoring('REJECTED', decisionLabel(decision));
  }

  async function applyOfficerDecision(item: Pending<OfficerDecisionRequest>): Promise<void> {
    const { outcome, actor, reason } = item.request;
    const record = () => {
      status.officerDecision = { outcome, actor, reason, at: new Date().toISOString() };
    };
    if (isFinal(status)) {
      item.refusal = refusal(
        OnboardingFailureType.UPDATE_REFUSED,
        `the onboarding ended (${status.state}) before the decision was taken: nothing was changed`,
      );
    } else if (outcome === 'REJECT') {
      record();
      await finishWithoutMonitoring('REJECTED', `rejected by a compliance officer (${actor})`);
    } else {
      await approveForOfficer(item, record);
    }
    item.done = true;
  }

  /**
   * An officer's APPROVE stands only while the run's case stays decided: the case is read once more
   * and a case the analyst re-opened or rejected meanwhile wins over the officer.
   */
  async function approveForOfficer(item: Pending<OfficerDecisionRequest>, record: () => void): Promise<void> {
    // With no case known, a re-score may have opened one meanwhile: look before an officer approves.
    const rescored = status.rescores > 0;
    if (
      enhancedAfterScreening &&
      rescored &&
      status.case === undefined &&
      status.customerIdentifier !== undefined
    ) {
      await checkCase();
    }
    const blocker = blockApproval();
    if (blocker !== undefined) {
      item.refusal = refusal(OnboardingFailureType.UPDATE_REFUSED, `APPROVE refused: ${blocker}`);
      return;
    }
    const caseIdentifier = status.case?.caseIdentifier;
    if (caseIdentifier !== undefined) {
      let result;
      try {
        result = await provider.caseCheck.checkOnboardingCase({
          customerIdentifier: status.customerIdentifier!,
          caseIdentifier,
        });
      } catch (err) {
        if (isCancellation(err)) throw err;
        item.refusal = refusal(
          OnboardingFailureType.DECISION_NOT_CONFIRMED,
          `case ${caseIdentifier} could not be read to confirm it is still decided (${failureTypeOf(err)}): nothing was changed, try again`,
        );
        return;
      }
      const found = result.case;
      if (found === undefined) {
        item.refusal = refusal(
          OnboardingFailureType.DECISION_NOT_CONFIRMED,
          `case ${caseIdentifier} was not found at the screening provider: nothing was changed`,
        );
        return;
      }
      const effect = decisionEffect(readVerdict(found), policy());
      if (effect !== 'ESCALATE') {
        const rejects = applyDecisionEffect(caseDecisionOf(found, result.checkedAt));
        if (rejects) await finishFromDecision(caseDecisionOf(found, result.checkedAt));
        if (effect !== 'APPROVE') {
          item.refusal = refusal(
            OnboardingFailureType.UPDATE_REFUSED,
            `APPROVE refused: case ${caseIdentifier} is ${found.decisionType ?? 'open again'} at the screening provider`,
          );
          return;
        }
      }
    }
    record();
    if (!isFinal(status))
      enter('APPROVED', `approved by a compliance officer (${status.officerDecision?.actor})`);
  }

  /**
   * Takes the next message in the order that keeps a decision from outrunning the data it is about:
   * customer changes, the withdrawal, the officer's decisions, then the case's. False: nothing waited.
   */
  async function takeNext(): Promise<boolean> {
    const others =
      inbox.withdrawal !== undefined || inbox.caseDecisions.length > 0 || inbox.officerDecisions.length > 0;
    const dataFirst = inbox.amendments.length === 0 || !others || since(PATCHES.dataFirst);
    if (dataFirst && inbox.amendments.length > 0) {
      await applyAmendment(inbox.amendments.shift()!);
      return true;
    }
    if (inbox.withdrawal !== undefined) {
      await finishWithoutMonitoring('WITHDRAWN', inbox.withdrawal.reason ?? 'withdrawn by the applicant');
      return true;
    }
    const officer = inbox.officerDecisions.shift();
    if (officer !== undefined) {
      await applyOfficerDecision(officer);
      return true;
    }
    const decision = inbox.caseDecisions.shift();
    if (decision !== undefined) {
      await applyCaseDecision(decision);
      return true;
    }
    const amendment = inbox.amendments.shift();
    if (amendment !== undefined) {
      await applyAmendment(amendment);
      return true;
    }
    return false;
  }

  // --- Review -------------------------------------------------------------------------------------------
  async function checkCase(): Promise<void> {
    const customerIdentifier = status.customerIdentifier;
    if (customerIdentifier === undefined) return;
    const caseIdentifier = status.case?.caseIdentifier;
    try {
      const result = await provider.caseCheck.checkOnboardingCase({
        customerIdentifier,
        ...(caseIdentifier !== undefined && { caseIdentifier }),
      });
      if (result.case === undefined) return;
      const decision = caseDecisionOf(result.case, result.checkedAt);
      if (decision.caseType !== undefined && decision.caseType !== ONBOARDING_CASE_TYPE) return;
      if (applyDecisionEffect(decision)) await finishFromDecision(decision);
    } catch (err) {
      if (isCancellation(err) && recordsTerms) throw err;
      log.warn('case check failed; the next poll tries again', { failureType: failureTypeOf(err) });
    }
  }

  function reviewClockFromNow(): ReviewClock {
    const startedAt = Date.now();
    return {
      reminderAt: startedAt + policy().reviewReminderMs,
      deadlineAt: startedAt + policy().reviewDeadlineMs,
      nextCheckAt: startedAt + nextPollDelay(policy()),
    };
  }

  /**
   * A screening that finishes after answering (ComplyCube's checks): the run stays in SCREENING until
   * its result is read, after the provider's webhook (a hint) or by its own poll, the safety net for a
   * lost webhook. Messages are taken as in review; an officer may reject, never approve, meanwhile.
   */
  async function awaitScreeningResult(): Promise<void> {
    const clock = reviewClockFromNow();
    // The review that may follow keeps this clock: one deadline from the screening's answer, not two.
    screeningClock = clock;
    while (status.state === 'SCREENING') {
      if (await takeNext()) continue;
      const now = Date.now();
      if (now >= clock.deadlineAt) {
        await finishWithoutMonitoring('EXPIRED', 'no screening result before the review deadline');
        return;
      }
      if (now >= clock.nextCheckAt) {
        await checkCase();
        clock.nextCheckAt = Date.now() + nextPollDelay(policy());
        continue;
      }
      await condition(() => hasMail(inbox), Math.min(clock.deadlineAt, clock.nextCheckAt) - now);
    }
  }

  async function awaitReview(clock: ReviewClock): Promise<void> {
    while (status.state === 'AWAITING_REVIEW') {
      if (await takeNext()) continue;
      // Date.now() is the workflow task's time: a timestamp of this activation, deterministic on replay.
      const now = Date.now();
      if (now >= clock.deadlineAt) {
        await finishWithoutMonitoring('EXPIRED', 'no case decision before the review deadline');
        return;
      }
      if (!status.reviewOverdue && now >= clock.reminderAt) {
        status.reviewOverdue = true;
        upsertSearchAttributes([{ key: kycReviewOverdue, value: true }]);
        countReviewOverdue(status.riskLevel);
        show();
        continue;
      }
      if (now >= clock.nextCheckAt) {
        await checkCase();
        clock.nextCheckAt = Date.now() + nextPollDelay(policy());
        continue;
      }
      if (workflowInfo().continueAsNewSuggested && since(PATCHES.continueAsNew)) {
        await continueReviewAsNew(clock);
        continue;
      }
      const wakeAt = Math.min(
        clock.deadlineAt,
        clock.nextCheckAt,
        status.reviewOverdue ? Infinity : clock.reminderAt,
      );
      await condition(() => hasMail(inbox), wakeAt - now);
    }
  }

  /** Hands the review to a fresh run once every message so far is answered. Returns only if mail came. */
  async function continueReviewAsNew(clock: ReviewClock): Promise<void> {
    await condition(allHandlersFinished);
    if (hasMail(inbox)) return;
    status.continuedAsNew = (status.continuedAsNew ?? 0) + 1;
    await continueAsNew<typeof onboardCustomer>(
      { ...input, customer },
      {
        terms: terms!,
        status,
        review: clock,
        seenWebhookIds: [...seenWebhookIds],
        seenCaseStages: [...seenCaseStages],
        seenRequestIds: [...inbox.seenRequestIds],
        caseExpected: caseExpected ?? null,
        ...(officerDecides && { officerDecides }),
        ...(enhancedAfterScreening && { enhancedAfterScreening }),
      },
    );
  }

  /**
   * After the final state: customer changes a caller was told were accepted still reach Mesh; other
   * waiting messages are answered with the final state.
   */
  async function settleLateMessages(): Promise<void> {
    while (inbox.amendments.length > 0 && status.customerIdentifier !== undefined) {
      if (!since(PATCHES.lateAmendments)) break;
      await applyAmendment(inbox.amendments.shift()!);
    }
    if (inbox.amendments.length > 0)
      log.warn('customer updates arrived after the onboarding ended; not applied');
    for (const item of [...inbox.amendments, ...inbox.officerDecisions.splice(0)]) {
      item.refusal ??= refusal(
        OnboardingFailureType.UPDATE_REFUSED,
        `the onboarding ended (${status.state}) before this was applied: nothing was changed`,
      );
      item.done = true;
    }
  }

  /**
   * The customer in the bank's core, as a run of its own that outlives this one: the onboarding's
   * result names it. One per external identifier while it runs (a second start finds the first).
   */
  async function startCore(): Promise<void> {
    const workflowId = coreCustomerWorkflowId(status.externalIdentifier);
    try {
      await startChild(coreCustomerOnboarding, {
        workflowId,
        args: [
          {
            externalIdentifier: status.externalIdentifier,
            customer,
            terms: terms!.core!,
            onboardingWorkflowId: workflowInfo().workflowId,
            ...(status.customerIdentifier !== undefined && {
              screening: {
                provider: providerOf(),
                ...withAccount(),
                customerIdentifier: status.customerIdentifier,
                ...(screeningIdentifier !== undefined && { screeningIdentifier }),
              },
            }),
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // One core customer per external identifier, ever: a second onboarding finds the first one's run.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    status.core = { workflowId };
    show();
  }

  /** Cancelled, or failed after the customer exists: nothing is left under ongoing monitoring. */
  async function cleanUpAfter(err: unknown): Promise<void> {
    const closesRun = isCancellation(err) || err instanceof ApplicationFailure;
    if (!closesRun || status.customerIdentifier === undefined || !status.monitoringEnabled) return;
    if (!since(PATCHES.cleanupOnExit)) return;
    const customerIdentifier = status.customerIdentifier;
    await CancellationScope.nonCancellable(async () => {
      try {
        await untilDone(provider.customerChange.setMonitoring, {
          customerIdentifier,
          enabled: false,
          ...(screeningIdentifier !== undefined && { screeningIdentifier }),
        });
        status.monitoringEnabled = false;
      } catch (cleanupErr) {
        log.warn('monitoring could not be switched off', { failureType: failureTypeOf(cleanupErr) });
      }
    });
    // A cancelled run never delivers its outcome, whatever state it had reached: the status says so.
    if (isCancellation(err)) enter('WITHDRAWN', 'cancelled; monitoring switched off');
  }

  try {
    if (continuation === undefined) {
      terms = await begin();
      status.terms = terms;
      if (portTerms) {
        inUse = withTenants ? terms.screeningChain?.[0] : undefined;
        provider = providerFor();
        upsertSearchAttributes([{ key: kycScreeningProvider, value: providerOf() }]);
      }
      if (withTenants && terms.tenant !== undefined) {
        status.tenant = terms.tenant;
        upsertSearchAttributes([
          { key: kycTenant, value: terms.tenant },
          { key: kycProviderOutage, value: false },
        ]);
      }
      show();
      await screen(terms);
    } else {
      show();
    }
    if (status.state === 'AWAITING_REVIEW') {
      await awaitReview(continuation?.review ?? screeningClock ?? reviewClockFromNow());
    }
    // Changes accepted just before the end first: the core gets the customer as it finally is, and a
    // re-score that started an offboarding creates no core customer.
    await settleLateMessages();
    const coreWanted = status.state === 'APPROVED' && status.offboardingWorkflowId === undefined;
    if (coreWanted && aroundScreening && terms?.core !== undefined) await startCore();
    await condition(allHandlersFinished);
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) await cleanUpAfter(err);
    throw err;
  }
  return status;
}

function caseDecisionOf(
  found: {
    caseIdentifier: string;
    verdict?: CaseDecision['verdict'];
    caseType?: string;
    stageIdentifier?: string;
    stageName?: string;
    decisionType: string | null;
  },
  checkedAt: string,
): CaseDecision {
  return {
    caseIdentifier: found.caseIdentifier,
    decisionType: found.decisionType,
    source: 'case-check',
    receivedAt: checkedAt,
    ...(found.verdict !== undefined && { verdict: found.verdict }),
    ...(found.caseType !== undefined && { caseType: found.caseType }),
    ...(found.stageIdentifier !== undefined && { stageIdentifier: found.stageIdentifier }),
    ...(found.stageName !== undefined && { stageName: found.stageName }),
  };
}

function decisionLabel(decision: CaseDecision): string {
  return `case decision ${decision.decisionType ?? '(none)'} via ${decision.source}`;
}

/**
 * Poll intervals are lengthened by up to `reviewPollJitter`, never shortened, so the budget arithmetic
 * holds for the shortest gap (docs/workflow.md). Math.random() is seeded per run: deterministic on replay.
 */
function nextPollDelay(policy: OnboardingPolicy): number {
  return Math.round(policy.reviewPollIntervalMs * (1 + policy.reviewPollJitter * Math.random()));
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.onboardCustomer), onboardCustomer);
