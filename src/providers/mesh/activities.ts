import { log } from '@temporalio/activity';
import type {
  CaseSnapshot,
  CheckOnboardingCaseInput,
  CheckOnboardingCaseResult,
  CreateAndScreenInput,
  CustomerRecord,
  GetCustomerInput,
  RescoreOutcome,
  ScreeningActivities,
  ScreeningOutcome,
  SetMonitoringInput,
  UpdateAndRescoreInput,
} from '../../contracts/screening-activities';
import type { MeshApi, MeshCase } from './api';
import { decisionOf, pickOnboardingCase } from './cases';
import { callMesh } from './activity-failures';
import { rescoreWordOf, screeningWordsOf, verdictOf } from './neutral-words';

/**
 * The Mesh activities: one Mesh call each (so one activity is one unit of the provider's rate limit,
 * see src/worker/rate-plan.ts), all run on the `<queue>-mesh` task queue. They log identifiers
 * only, never customer data.
 */

export interface ActivityLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface MeshActivityDeps {
  mesh: MeshApi;
  logger?: ActivityLogger;
  /** When a case check observed a decision; injectable so tests can pin it. */
  clock?: () => Date;
}

export function caseSnapshotOf(meshCase: MeshCase): CaseSnapshot {
  const stage = meshCase.stage;
  const decisionType = decisionOf(meshCase);
  return {
    caseIdentifier: meshCase.caseIdentifier,
    ...(meshCase.caseType !== undefined && { caseType: meshCase.caseType }),
    ...(stage?.identifier !== undefined && { stageIdentifier: stage.identifier }),
    ...(stage?.displayName !== undefined && { stageName: stage.displayName }),
    ...(stage?.stageType !== undefined && { stageType: stage.stageType }),
    decisionType,
    verdict: verdictOf(decisionType),
    ...(meshCase.customerIdentifier !== undefined && { customerIdentifier: meshCase.customerIdentifier }),
    ...(meshCase.externalIdentifier !== undefined && { externalIdentifier: meshCase.externalIdentifier }),
  };
}

/** The port, with Mesh's answers as they are: every operation is one call, so never a `{ next }`. */
export interface MeshScreeningActivities extends ScreeningActivities {
  createAndScreen(input: CreateAndScreenInput): Promise<ScreeningOutcome>;
  setMonitoring(input: SetMonitoringInput): Promise<{ enabled: boolean }>;
  updateAndRescore(input: UpdateAndRescoreInput): Promise<RescoreOutcome>;
}

export function createMeshActivities(deps: MeshActivityDeps): MeshScreeningActivities {
  const { mesh } = deps;
  const logger: ActivityLogger = deps.logger ?? log;
  const now = deps.clock ?? (() => new Date());

  return {
    /** Create and screen; a duplicate external identifier comes back as the recovered customer, not an error. */
    async createAndScreen(input: CreateAndScreenInput): Promise<ScreeningOutcome> {
      const found = await callMesh(() => mesh.createAndScreen(input), logger);
      const outcome: ScreeningOutcome = {
        ...found,
        ...screeningWordsOf(found.riskLevel, found.screeningResult),
      };
      logger.info('customer screened', {
        externalIdentifier: outcome.externalIdentifier,
        customerIdentifier: outcome.customerIdentifier,
        riskLevel: outcome.riskLevel,
        screeningResult: outcome.screeningResult,
        recoveredFromDuplicate: outcome.recoveredFromDuplicate,
        ...(outcome.recovery !== undefined && { recovery: outcome.recovery }),
      });
      return outcome;
    },

    /**
     * The webhook's safety net (deliveries are retried only 3 times within 16 s): reads the onboarding
     * case, or lists the customer's cases when screening answered before the case existed.
     */
    async checkOnboardingCase(input: CheckOnboardingCaseInput): Promise<CheckOnboardingCaseResult> {
      const { caseIdentifier } = input;
      // Without an identifier, the case a review waits on: an undecided onboarding case, else the latest.
      const found =
        caseIdentifier !== undefined
          ? await callMesh(() => mesh.getCase(caseIdentifier), logger)
          : pickOnboardingCase(
              await callMesh(() => mesh.listCustomerCases(input.customerIdentifier), logger),
            );
      return { ...(found !== undefined && { case: caseSnapshotOf(found) }), checkedAt: now().toISOString() };
    },

    /** Ongoing monitoring off (or on: the same call re-enables it). */
    async setMonitoring(input: SetMonitoringInput): Promise<{ enabled: boolean }> {
      const result = await callMesh(
        () => mesh.setMonitoring(input.customerIdentifier, input.enabled),
        logger,
      );
      logger.info('monitoring switched', {
        customerIdentifier: input.customerIdentifier,
        enabled: result.enabled,
      });
      return result;
    },

    /** Update and re-score; idempotent, so Temporal may retry it freely. */
    async updateAndRescore(input: UpdateAndRescoreInput): Promise<RescoreOutcome> {
      const rescored = await callMesh(
        () => mesh.updateAndRescore(input.customerIdentifier, input.customer),
        logger,
      );
      const word = rescoreWordOf(rescored.riskLevel);
      const outcome: RescoreOutcome = { ...rescored, ...(word !== undefined && { outcome: word }) };
      logger.info('customer re-scored', {
        customerIdentifier: input.customerIdentifier,
        riskLevel: outcome.riskLevel,
      });
      return outcome;
    },

    /** The record as Mesh holds it, for merging an update into (by external identifier: one 308 more). */
    async getCustomer(input: GetCustomerInput): Promise<CustomerRecord> {
      return 'customerIdentifier' in input
        ? await callMesh(() => mesh.getCustomer(input.customerIdentifier), logger)
        : await callMesh(() => mesh.getCustomerByExternalIdentifier(input.externalIdentifier), logger);
    },
  };
}
