import { log } from '@temporalio/activity';
import type { RiskActivities, RiskCheckInput, RiskCheckResult } from '../../contracts/risk';
import type { ActivityLogger } from '../common/logger';
import { callRisk } from './activity-failures';
import type { RiskApi } from './client';
import { buildRiskCheckRequest, riskRequestProblems } from './request-body';

/**
 * The risk activity (docs/providers/risk.md): one `POST /v2/customer-checks/check` per invocation, on the
 * `<queue>-risk` task queue. The body is always the full customer (the API replaces what it stores). A
 * customer the body cannot carry (no name at all, a value over the limits) is answered `unscored` without a
 * request: no retry can fix it, and the run goes on fail-closed. Logs carry the external identifier, the
 * outcome's kind and field names only: never the customer's data, the answer's body or the key.
 */
export interface RiskActivityDeps {
  risk: RiskApi;
  logger?: ActivityLogger;
  /** The 425 wait's jitter; injectable so tests can pin it. */
  random?: () => number;
}

export function createRiskActivities(deps: RiskActivityDeps): RiskActivities {
  const logger: ActivityLogger = deps.logger ?? log;

  return {
    async checkCustomerRisk(input: RiskCheckInput): Promise<RiskCheckResult> {
      const externalIdentifier = input.customer.external_identifier;
      const body = buildRiskCheckRequest(input.customer, input.riskCustomerId);
      const problems = riskRequestProblems(body);
      if (problems.length > 0) {
        const fields = problems.map((p) => p.slice(0, p.indexOf(':')));
        logger.warn('risk check not sent: the customer cannot fill the request', {
          // An identifier refused by the schema may be anything: not logged.
          ...(!fields.includes('externalId') && { externalIdentifier }),
          fields,
        });
        return {
          kind: 'unscored',
          reason: `the customer cannot fill the risk request (${fields.join(', ')})`,
        };
      }
      const result = await callRisk(() => deps.risk.checkCustomer(body), {
        logger,
        ...(deps.random !== undefined && { random: deps.random }),
      });
      if (result.kind === 'unscored') {
        logger.warn('risk check gave no score', { externalIdentifier, reason: result.reason });
      } else {
        logger.info('risk check scored', {
          externalIdentifier,
          ...(result.customerId !== undefined && { riskCustomerId: result.customerId }),
          ...(result.caseId !== undefined && { caseId: result.caseId }),
        });
      }
      return result;
    },
  };
}
