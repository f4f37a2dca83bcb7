import { Context, log } from '@temporalio/activity';
import { z } from 'zod';
import type { MeshCustomer } from '../../contracts/customer';
import type {
  CaseSnapshot,
  CheckOnboardingCaseInput,
  CheckOnboardingCaseResult,
  ComplyCubeActivities,
  CreateAndScreenInput,
  CustomerRecord,
  GetCustomerInput,
  RescoreOutcome,
  ScreeningActivities,
  ScreeningContinues,
  ScreeningOutcome,
  ScreeningResume,
  ScreenResult,
  SetMonitoringInput,
  UpdateAndRescoreInput,
  WebhookHealth,
} from '../../contracts/screening-activities';
import type { ActivityLogger } from '../common/logger';
import { countInActivity } from '../common/provider-call';
import { ComplyCubeError, type ComplyCubeApi, type ComplyCubeCheck, type ComplyCubeClient } from './api';
import {
  complyCubeApplicant,
  complyCubeApplicantProblems,
  customerFromClient,
  EXTERNAL_ID_METADATA_KEY,
  externalIdentifierOf,
} from './applicant';
import { callComplyCube, finalFailure } from './activity-failures';
import {
  caseVerdictOf,
  decisionTypeOf,
  isComplete,
  isPending,
  isScreeningCheck,
  newestFirst,
  providerWordsOf,
  reusableCheck,
  screeningOutcomeOf,
} from './checks';
import type { ComplyCubeConfig } from './config';
import { COMPLYCUBE_WEBHOOK_PATH, isOurWebhook, listComplyCubeWebhooks } from './webhooks';

/**
 * The ComplyCube activities (docs/providers/complycube.md): the screening port
 * (src/contracts/screening-activities.ts) plus the check read and the webhook-health check, all on the
 * `<queue>-complycube` task queue, whose rate limit counts activities. So every invocation makes exactly
 * ONE HTTP call (ComplyCube allows 5 requests/s with no burst); an operation that takes several calls
 * answers `{ next }` and the workflow calls the same activity again with `resume: next`. The one exception
 * is `ensureComplyCubeWebhooks`, a maintenance check every COMPLYCUBE_WEBHOOK_CHECK_INTERVAL that may
 * list several pages and re-enable several registrations.
 *
 * A create is never retried blindly: a response lost on the way back must not leave two clients or two
 * checks. A retry of a create step (Temporal attempt > 1) looks instead of creating: for a check, the
 * client's checks; for a client, the metadata filter and then a scan of the clients created since the
 * create step was first scheduled (an empty filtered list is not proof of absence), one page per call.
 *
 * Logs carry identifiers and field names only, never the customer's data or ComplyCube's messages.
 */

export interface ComplyCubeActivityDeps {
  complycube: ComplyCubeApi;
  config: Pick<ComplyCubeConfig, 'checkType' | 'webhookUrl'>;
  logger?: ActivityLogger;
  /** When a check was read; injectable so tests can pin it. */
  clock?: () => Date;
  /** The 429 jitter's randomness; injectable so tests can pin it. */
  random?: () => number;
}

/**
 * How far before the create step the client scan starts: the worker's clock and ComplyCube's may differ.
 * Too early only costs a longer scan (clients are matched by external identifier), never a wrong match.
 */
const CREATED_AFTER_MARGIN_MS = 10 * 60_000;

export const WEBHOOK_REENABLED_METRIC = 'kyc_complycube_webhook_reenabled_total';

// --- The resume shapes: opaque to the workflow, checked here because they come back through it. ---

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'expected an ISO time' });

/** `createAndScreen`'s steps (docs/providers/complycube.md, "Screening step by step"). */
const createAndScreenResume = z.discriminatedUnion('step', [
  /** `GET /clients?metadata.kycExternalId=`; `createdAfter` set: this is the recheck after a create retry. */
  z.object({
    step: z.literal('find-client'),
    page: z.number().int().positive(),
    candidateId: z.string().min(1).optional(),
    createdAfter: isoTime.optional(),
  }),
  /** `POST /clients`; a retry looks (find-client with `createdAfter`) instead. */
  z.object({ step: z.literal('create-client'), createdAfter: isoTime }),
  /** `GET /clients?page=`, newest first, for our externalId among the clients created since `createdAfter`. */
  z.object({ step: z.literal('scan-clients'), createdAfter: isoTime, page: z.number().int().positive() }),
  /**
   * `POST /clients/{id}` with the request's data: a client that existed before this screening (an earlier
   * onboarding of the same identifier) may hold other data, and its old checks screened that data.
   */
  z.object({ step: z.literal('update-client'), clientId: z.string().min(1) }),
  /**
   * `GET /checks?clientId=&type=`: reuse a pending or complete check, only one created `since` (this
   * screening's own, after a lost answer): an older check screened other data or another onboarding.
   */
  z.object({
    step: z.literal('find-check'),
    clientId: z.string().min(1),
    clientRecovered: z.boolean(),
    since: isoTime.optional(),
  }),
  /** `POST /checks`; a retry looks (find-check) instead. */
  z.object({
    step: z.literal('create-check'),
    clientId: z.string().min(1),
    clientRecovered: z.boolean(),
    since: isoTime.optional(),
  }),
]);
export type CreateAndScreenResume = z.output<typeof createAndScreenResume>;

/** `updateAndRescore` after `POST /clients/{id}`: `POST /checks`, only checks created `since` the update reused. */
const rescoreResume = z.object({ step: z.literal('create-check'), since: isoTime });
export type RescoreResume = z.output<typeof rescoreResume>;

/** `setMonitoring` without a check named: one `POST /checks/{id}` per call for the checks `remaining`. */
const monitoringResume = z.object({
  step: z.literal('update-checks'),
  remaining: z.array(z.string().min(1)).min(1),
});
export type MonitoringResume = z.output<typeof monitoringResume>;

function parseResume<S extends z.ZodType>(
  schema: S,
  resume: ScreeningResume | undefined,
  operation: string,
): z.output<S> | undefined {
  if (resume === undefined) return undefined;
  const parsed = schema.safeParse(resume);
  if (parsed.success) return parsed.data;
  throw finalFailure(
    'ComplyCubeInvalidResume',
    `ComplyCube ${operation}: resume step ${JSON.stringify(String(resume.step)).slice(0, 40)} is not one this adapter wrote`,
    operation,
  );
}

/** Narrowed to what `ScreeningResume` promises (a `step` and details). */
const next = <T extends { step: string }>(step: T): ScreeningResume => step;

/** The oldest client of a list (newest first); earliest `createdAt` where the dates say. */
function oldest(clients: readonly ComplyCubeClient[]): ComplyCubeClient | undefined {
  return newestFirst(clients).at(-1);
}

export function createComplyCubeActivities(
  deps: ComplyCubeActivityDeps,
): ScreeningActivities & ComplyCubeActivities {
  const api = deps.complycube;
  const logger: ActivityLogger = deps.logger ?? log;
  const now = deps.clock ?? (() => new Date());
  const call = <T>(fn: () => Promise<T>): Promise<T> =>
    callComplyCube(fn, { logger, ...(deps.random !== undefined && { random: deps.random }) });
  const attempt = (): number => Context.current().info.attempt;

  function refuseIncomplete(customer: MeshCustomer, operation: string): void {
    const problems = complyCubeApplicantProblems(customer);
    if (problems.length > 0) {
      const fields = problems.map((p) => p.slice(0, p.indexOf(':')));
      logger.warn('complycube cannot take this customer; nothing sent', {
        operation,
        // An identifier refused for its characters may be anything (an e-mail address): not logged.
        ...(!fields.includes('customer.external_identifier') && {
          externalIdentifier: customer.external_identifier,
        }),
        fields,
      });
      throw finalFailure('ComplyCubeApplicantIncomplete', problems.join('\n'), operation);
    }
  }

  function applicantBody(customer: MeshCustomer, operation: string) {
    const { body, notes } = complyCubeApplicant(customer);
    if (notes.length > 0) {
      logger.info('complycube client sent without part of the data', {
        operation,
        externalIdentifier: customer.external_identifier,
        fields: notes.map((n) => n.slice(0, n.indexOf(':'))),
      });
    }
    return body;
  }

  function screeningOutcome(
    check: ComplyCubeCheck,
    clientId: string,
    externalIdentifier: string,
    recovered: boolean,
  ): ScreeningOutcome {
    const outcome: ScreeningOutcome = {
      outcome: screeningOutcomeOf(check),
      providerWords: providerWordsOf(check),
      customerIdentifier: clientId,
      screeningIdentifier: check.id,
      caseIdentifier: check.id,
      externalIdentifier,
      workflowStatus: check.status,
      ...(check.outcome !== undefined && { screeningResult: check.outcome }),
      amlTypes: [],
      alertIdentifiers: [],
      recoveredFromDuplicate: recovered,
    };
    logger.info('customer screened', {
      externalIdentifier,
      customerIdentifier: clientId,
      screeningIdentifier: check.id,
      status: check.status,
      ...(check.outcome !== undefined && { checkOutcome: check.outcome }),
      outcome: outcome.outcome,
      recoveredFromDuplicate: recovered,
    });
    return outcome;
  }

  // --- createAndScreen's steps: each one HTTP call ---------------------------------------------------

  /**
   * Our client by `metadata.kycExternalId` (a documented filter), keeping only items whose externalId is
   * ours, the oldest if several. A page of strangers means the filter was not applied: "none" cannot be
   * concluded, so the call fails rather than create a second client.
   */
  async function findClient(
    step: Extract<CreateAndScreenResume, { step: 'find-client' }>,
    externalIdentifier: string,
  ): Promise<ScreenResult> {
    const page = await call(() =>
      api.findClientsByMetadata(EXTERNAL_ID_METADATA_KEY, externalIdentifier, { page: step.page }),
    );
    const ours = page.items.filter((client) => client.externalId === externalIdentifier);
    const candidateId = oldest(ours)?.id ?? step.candidateId;
    if (step.page === 1 && page.pages > 1) {
      // Newest first: the oldest of our clients is on the last page.
      return {
        next: next({
          step: 'find-client',
          page: page.pages,
          ...(candidateId !== undefined && { candidateId }),
          ...(step.createdAfter !== undefined && { createdAfter: step.createdAfter }),
        }),
      };
    }
    if (candidateId !== undefined) {
      logger.info('complycube client exists already; reusing it', {
        externalIdentifier,
        customerIdentifier: candidateId,
      });
      // Found on a retry of our own create: it holds this request's data, and any check since is ours.
      if (step.createdAfter !== undefined) {
        return {
          next: next({
            step: 'find-check',
            clientId: candidateId,
            clientRecovered: true,
            since: step.createdAfter,
          }),
        };
      }
      // There before this screening began: give it this request's data first, then screen that.
      return { next: next({ step: 'update-client', clientId: candidateId }) };
    }
    // Case aside (ComplyCube may match values without it), every item must carry our value.
    const ourValue = externalIdentifier.toLowerCase();
    if (page.items.some((client) => client.metadata[EXTERNAL_ID_METADATA_KEY]?.toLowerCase() !== ourValue)) {
      throw finalFailure(
        'ComplyCubeInvalidResponse',
        `ComplyCube findClients: the metadata.${EXTERNAL_ID_METADATA_KEY} filter was not applied (other clients listed), so the absence of this client cannot be concluded; not creating one`,
        'findClients',
      );
    }
    if (step.createdAfter !== undefined) {
      return { next: next({ step: 'scan-clients', createdAfter: step.createdAfter, page: 1 }) };
    }
    const createdAfter = new Date(now().getTime() - CREATED_AFTER_MARGIN_MS).toISOString();
    return { next: next({ step: 'create-client', createdAfter }) };
  }

  /**
   * The clients created since the create step was first scheduled, newest first, one page per call: the
   * recheck after a create retry that does not rely on the filter. Unfiltered on purpose: a date filter
   * the API misreads would answer an empty list, which is exactly the trap this scan guards against; the
   * scan stops at the first page reaching back past `createdAfter`.
   */
  async function scanClients(
    step: Extract<CreateAndScreenResume, { step: 'scan-clients' }>,
    externalIdentifier: string,
  ): Promise<ScreenResult> {
    const page = await call(() => api.listClients({ page: step.page }));
    const found = oldest(page.items.filter((client) => client.externalId === externalIdentifier));
    if (found !== undefined) {
      logger.info('complycube client created by an earlier attempt found; reusing it', {
        externalIdentifier,
        customerIdentifier: found.id,
      });
      return {
        next: next({
          step: 'find-check',
          clientId: found.id,
          clientRecovered: true,
          since: step.createdAfter,
        }),
      };
    }
    const cutoff = Date.parse(step.createdAfter);
    const reachedBack = page.items.some(
      (client) => client.createdAt !== undefined && Date.parse(client.createdAt) < cutoff,
    );
    if (!reachedBack && page.items.length > 0 && page.page < page.pages) {
      return { next: next({ step: 'scan-clients', createdAfter: step.createdAfter, page: step.page + 1 }) };
    }
    // Neither the filter nor the scan knows the client: the earlier attempt did not create it.
    return { next: next({ step: 'create-client', createdAfter: step.createdAfter }) };
  }

  async function createClient(
    step: Extract<CreateAndScreenResume, { step: 'create-client' }>,
    customer: MeshCustomer,
  ): Promise<ScreenResult> {
    const externalIdentifier = customer.external_identifier;
    if (attempt() > 1) {
      // An earlier attempt may have created the client and lost the answer: look, never create blindly.
      logger.info('complycube client creation retried; looking for a client the earlier attempt created', {
        externalIdentifier,
        attempt: attempt(),
      });
      return findClient(
        { step: 'find-client', page: 1, createdAfter: step.createdAfter },
        externalIdentifier,
      );
    }
    const body = applicantBody(customer, 'createAndScreen');
    const client = await call(() => api.createClient(body));
    logger.info('complycube client created', { externalIdentifier, customerIdentifier: client.id });
    // A new client has no checks: straight to creating one.
    return { next: next({ step: 'create-check', clientId: client.id, clientRecovered: false }) };
  }

  /** The request's data onto a client that existed before: checks from then on screen this data. */
  async function updateClient(
    step: Extract<CreateAndScreenResume, { step: 'update-client' }>,
    customer: MeshCustomer,
  ): Promise<ScreenResult> {
    const body = applicantBody(customer, 'createAndScreen');
    const client = await call(() => api.updateClient(step.clientId, body));
    // ComplyCube's own clock where it says, so a check it dates later compares on the same clock.
    const since = client.updatedAt ?? now().toISOString();
    return { next: next({ step: 'find-check', clientId: step.clientId, clientRecovered: true, since }) };
  }

  async function findCheck(
    step: { clientId: string; clientRecovered: boolean; since?: string | undefined },
    input: CreateAndScreenInput,
  ): Promise<ScreenResult> {
    const type = input.screeningConfigurationIdentifier;
    const page = await call(() => api.listChecks({ clientId: step.clientId, type }));
    const check = reusableCheck(page.items, step.clientId, type, step.since);
    if (check !== undefined) {
      logger.info('complycube check exists already; reusing it', {
        externalIdentifier: input.customer.external_identifier,
        customerIdentifier: step.clientId,
        screeningIdentifier: check.id,
      });
      return screeningOutcome(check, step.clientId, input.customer.external_identifier, true);
    }
    return {
      next: next({
        step: 'create-check',
        clientId: step.clientId,
        clientRecovered: step.clientRecovered,
        ...(step.since !== undefined && { since: step.since }),
      }),
    };
  }

  async function createCheck(
    step: Extract<CreateAndScreenResume, { step: 'create-check' }>,
    input: CreateAndScreenInput,
  ): Promise<ScreenResult> {
    if (attempt() > 1) {
      logger.info('complycube check creation retried; looking for a check the earlier attempt created', {
        externalIdentifier: input.customer.external_identifier,
        customerIdentifier: step.clientId,
        attempt: attempt(),
      });
      return findCheck(step, input);
    }
    const check = await call(() =>
      api.createCheck({
        clientId: step.clientId,
        type: input.screeningConfigurationIdentifier,
        enableMonitoring: input.monitoringEnabled,
      }),
    );
    return screeningOutcome(check, step.clientId, input.customer.external_identifier, step.clientRecovered);
  }

  // --- the rest of the port ----------------------------------------------------------------------------

  /**
   * Only a screening check is an onboarding's case: any other check (a document check raises `check.*`
   * events too, and may read `clear`) is another case type, which the workflows never act on.
   */
  function caseSnapshotOf(check: ComplyCubeCheck): CaseSnapshot {
    const screening = isScreeningCheck(check.type);
    return {
      caseIdentifier: check.id,
      verdict: screening ? caseVerdictOf(check) : 'unrecognised',
      caseType: screening ? 'CUSTOMER_ONBOARDING' : `COMPLYCUBE_${check.type}`,
      decisionType: decisionTypeOf(check),
      customerIdentifier: check.clientId,
    };
  }

  function recordOf(client: ComplyCubeClient, requested?: string): CustomerRecord {
    const externalIdentifier = externalIdentifierOf(client) ?? requested;
    if (externalIdentifier === undefined) {
      throw finalFailure(
        'ComplyCubeClientNotFound',
        `ComplyCube getCustomer: client ${client.id} carries no external identifier (externalId or metadata.${EXTERNAL_ID_METADATA_KEY}); it is not one of this project's clients`,
        'getCustomer',
      );
    }
    return {
      customerIdentifier: client.id,
      externalIdentifier,
      customer: customerFromClient(client, externalIdentifier),
    };
  }

  return {
    async createAndScreen(input: CreateAndScreenInput): Promise<ScreenResult> {
      refuseIncomplete(input.customer, 'createAndScreen');
      const externalIdentifier = input.customer.external_identifier;
      const step = parseResume(createAndScreenResume, input.resume, 'createAndScreen') ?? {
        step: 'find-client' as const,
        page: 1,
      };
      switch (step.step) {
        case 'find-client':
          return findClient(step, externalIdentifier);
        case 'create-client':
          return createClient(step, input.customer);
        case 'scan-clients':
          return scanClients(step, externalIdentifier);
        case 'update-client':
          return updateClient(step, input.customer);
        case 'find-check':
          return findCheck(step, input);
        case 'create-check':
          return createCheck(step, input);
      }
    },

    /**
     * The check is the case: read it by id (a 404 is final: the check named was never ours), or, without
     * one, the client's newest screening check; none yet answers without a case.
     */
    async checkOnboardingCase(input: CheckOnboardingCaseInput): Promise<CheckOnboardingCaseResult> {
      const { caseIdentifier } = input;
      let check: ComplyCubeCheck | undefined;
      if (caseIdentifier !== undefined) {
        check = await call(() => api.getCheck(caseIdentifier));
      } else {
        const page = await call(() => api.listChecks({ clientId: input.customerIdentifier }));
        check = newestFirst(page.items).find(
          (item) => item.clientId === input.customerIdentifier && isScreeningCheck(item.type),
        );
      }
      return { ...(check !== undefined && { case: caseSnapshotOf(check) }), checkedAt: now().toISOString() };
    },

    /**
     * Monitoring belongs to a check. The check named: one update. None named: the client's screening
     * checks are listed, then updated one per call (`next` carries the ones left). A check still pending
     * cannot change yet (retried until it is not); one gone since the listing is skipped.
     */
    async setMonitoring(input: SetMonitoringInput): Promise<{ enabled: boolean; next?: ScreeningResume }> {
      const { customerIdentifier, enabled } = input;
      const resume = parseResume(monitoringResume, input.resume, 'setMonitoring');
      if (resume === undefined && input.screeningIdentifier !== undefined) {
        const checkId = input.screeningIdentifier;
        const check = await call(() => api.updateCheck(checkId, { enableMonitoring: enabled }));
        logger.info('monitoring switched', { customerIdentifier, screeningIdentifier: check.id, enabled });
        return { enabled: check.enableMonitoring ?? enabled };
      }
      if (resume === undefined) {
        const page = await call(() => api.listChecks({ clientId: customerIdentifier }));
        const remaining = newestFirst(page.items)
          .filter(
            (check) =>
              check.clientId === customerIdentifier &&
              isScreeningCheck(check.type) &&
              (isPending(check.status) || isComplete(check.status)) &&
              check.enableMonitoring !== enabled,
          )
          .map((check) => check.id);
        if (remaining.length === 0) {
          logger.info('monitoring already as asked', { customerIdentifier, enabled });
          return { enabled };
        }
        // Not done yet: as it stands, monitoring is not yet what was asked.
        return { enabled: !enabled, next: next({ step: 'update-checks', remaining }) };
      }
      const [checkId, ...rest] = resume.remaining as [string, ...string[]];
      const updated = await call(() =>
        api.updateCheck(checkId, { enableMonitoring: enabled }).catch((err: unknown) => {
          if (err instanceof ComplyCubeError && err.kind === 'ComplyCubeNotFound') return undefined;
          throw err;
        }),
      );
      logger.info(
        updated === undefined ? 'monitoring: check gone since the listing; skipped' : 'monitoring switched',
        {
          customerIdentifier,
          screeningIdentifier: checkId,
          enabled,
        },
      );
      if (rest.length > 0)
        return { enabled: !enabled, next: next({ step: 'update-checks', remaining: rest }) };
      return { enabled };
    },

    /**
     * Update the client (`POST /clients/{id}` with the mapped details), then screen again with a new check:
     * its result is the run's from now on (outcome `pending`). A retry of the check creation looks for a
     * check created since the update first, so a lost answer never leaves two.
     */
    async updateAndRescore(
      input: UpdateAndRescoreInput,
    ): Promise<RescoreOutcome | (ScreeningContinues & { customerIdentifier: string })> {
      const { customerIdentifier } = input;
      refuseIncomplete(input.customer, 'updateAndRescore');
      const resume = parseResume(rescoreResume, input.resume, 'updateAndRescore');
      if (resume === undefined) {
        const body = applicantBody(input.customer, 'updateAndRescore');
        const client = await call(() => api.updateClient(customerIdentifier, body));
        logger.info('complycube client updated', { customerIdentifier });
        // ComplyCube's own clock: a check created after this update is newer than its updatedAt.
        const since = client.updatedAt ?? now().toISOString();
        return { customerIdentifier, next: next({ step: 'create-check', since }) };
      }
      const type = input.screeningConfigurationIdentifier ?? deps.config.checkType;
      const rescored = (check: ComplyCubeCheck, reused: boolean): RescoreOutcome => {
        logger.info('customer re-screened', {
          customerIdentifier,
          screeningIdentifier: check.id,
          status: check.status,
          reused,
        });
        return {
          customerIdentifier,
          outcome: 'pending',
          screeningIdentifier: check.id,
          providerWords: providerWordsOf(check),
        };
      };
      if (attempt() > 1) {
        const page = await call(() => api.listChecks({ clientId: customerIdentifier, type }));
        const check = reusableCheck(page.items, customerIdentifier, type, resume.since);
        if (check !== undefined) return rescored(check, true);
        return { customerIdentifier, next: next({ step: 'create-check', since: resume.since }) };
      }
      const check = await call(() =>
        api.createCheck({
          clientId: customerIdentifier,
          type,
          enableMonitoring: input.monitoringEnabled ?? false,
        }),
      );
      return rescored(check, false);
    },

    /** The client as ComplyCube holds it, by id or by our external identifier (the metadata filter). */
    async getCustomer(input: GetCustomerInput): Promise<CustomerRecord> {
      if ('customerIdentifier' in input) {
        const clientId = input.customerIdentifier;
        const client = await call(() =>
          api.getClient(clientId).catch((err: unknown) => {
            if (err instanceof ComplyCubeError && err.kind === 'ComplyCubeNotFound') {
              throw new ComplyCubeError(
                'ComplyCubeClientNotFound',
                `ComplyCube getClient: no client ${clientId}`,
                {
                  ...err.details,
                  retryable: false,
                },
              );
            }
            throw err;
          }),
        );
        return recordOf(client);
      }
      const { externalIdentifier } = input;
      const page = await call(() => api.findClientsByMetadata(EXTERNAL_ID_METADATA_KEY, externalIdentifier));
      const client = oldest(page.items.filter((item) => item.externalId === externalIdentifier));
      if (client === undefined) {
        throw finalFailure(
          'ComplyCubeClientNotFound',
          `ComplyCube findClients: no client with external identifier ${externalIdentifier}`,
          'findClients',
        );
      }
      return recordOf(client, externalIdentifier);
    },

    /**
     * ComplyCube disables a webhook whose deliveries keep failing, and then sends nothing for any check
     * until it is enabled again. Finds the registrations pointing at our bridge (COMPLYCUBE_WEBHOOK_URL, or
     * a path ending in /webhooks/complycube) and re-enables the disabled ones. Several calls in one
     * activity: it runs every COMPLYCUBE_WEBHOOK_CHECK_INTERVAL, not per onboarding.
     */
    async ensureComplyCubeWebhooks(): Promise<WebhookHealth> {
      const registrations = (await listComplyCubeWebhooks(api, call)).filter((webhook) =>
        isOurWebhook(webhook, deps.config.webhookUrl),
      );
      const reenabled: string[] = [];
      for (const webhook of registrations) {
        if (webhook.enabled !== false) continue;
        await call(() => api.updateWebhook(webhook.id, { enabled: true }));
        logger.warn('ComplyCube webhook was disabled; enabled again', { webhookId: webhook.id });
        countInActivity(
          WEBHOOK_REENABLED_METRIC,
          'webhooks',
          'ComplyCube webhooks found disabled (deliveries kept failing) and enabled again',
          {},
        );
        reenabled.push(webhook.id);
      }
      if (registrations.length === 0) {
        logger.warn('no ComplyCube webhook points at the bridge; run register-webhooks', {
          matchedBy:
            deps.config.webhookUrl !== undefined
              ? 'COMPLYCUBE_WEBHOOK_URL'
              : `path ${COMPLYCUBE_WEBHOOK_PATH}`,
        });
      }
      return { registrations: registrations.length, reenabled };
    },
  };
}
