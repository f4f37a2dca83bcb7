import type { MeshApi } from '../../src/providers/mesh/api';
import type { ScreeningOutcome, CustomerRecord } from '../../src/contracts/screening-activities';
import { MeshError } from '../../src/providers/mesh/api';

function notUsed(name: string): () => Promise<never> {
  return () => Promise.reject(new Error(`${name} is not used by this test`));
}

/**
 * A typed Mesh fake for orchestration tests: screening can be made to fail transiently until the test
 * lets it through; monitoring switches are recorded. The onboarding cases its screenings open are read
 * back by `getCase` with their customer, undecided until the test plays the analyst (`decide`), so a
 * webhook's decision is confirmed by the run's case read only when "Mesh" holds that decision.
 */
export class FakeMesh implements MeshApi {
  screeningFailuresLeft = 0;
  screeningAttempts = 0;
  screeningOpen = true;
  monitoringCalls: Array<{ customerIdentifier: string; enabled: boolean }> = [];
  private readonly openedCases = new Map<
    string,
    { customerIdentifier: string; externalIdentifier: string }
  >();
  private readonly decisions = new Map<string, string>();

  constructor(private readonly outcome: Partial<ScreeningOutcome> = {}) {}

  createAndScreen: MeshApi['createAndScreen'] = (request) => {
    this.screeningAttempts += 1;
    if (!this.screeningOpen) {
      return Promise.reject(
        new MeshError('SERVER_ERROR', 'Mesh answered 503', {
          status: 503,
          retryable: true,
          operation: 'createAndScreen',
        }),
      );
    }
    const outcome: ScreeningOutcome = {
      customerIdentifier: `cust-${request.customer.external_identifier}`,
      externalIdentifier: request.customer.external_identifier,
      workflowStatus: 'COMPLETED',
      riskLevel: 'MEDIUM-RISK',
      screeningResult: 'HAS_PROFILES',
      amlTypes: ['sanction'],
      alertIdentifiers: ['alert-1'],
      caseIdentifier: `case-${request.customer.external_identifier}`,
      recoveredFromDuplicate: false,
      ...this.outcome,
    };
    if (outcome.caseIdentifier !== undefined) {
      this.openedCases.set(outcome.caseIdentifier, {
        customerIdentifier: outcome.customerIdentifier,
        externalIdentifier: outcome.externalIdentifier,
      });
    }
    return Promise.resolve(outcome);
  };

  /** The analyst decides the case at "Mesh"; the case reads from then on show that decision. */
  decide(caseIdentifier: string, decisionType: string): void {
    this.decisions.set(caseIdentifier, decisionType);
  }

  setMonitoring: MeshApi['setMonitoring'] = (customerIdentifier, enabled) => {
    this.monitoringCalls.push({ customerIdentifier, enabled });
    return Promise.resolve({ enabled });
  };

  getCustomerByExternalIdentifier: MeshApi['getCustomerByExternalIdentifier'] = (externalIdentifier) =>
    Promise.resolve<CustomerRecord>({
      customerIdentifier: `cust-${externalIdentifier}`,
      externalIdentifier,
      customer: { external_identifier: externalIdentifier },
    });

  getCustomer: MeshApi['getCustomer'] = (customerIdentifier) =>
    Promise.resolve<CustomerRecord>({
      customerIdentifier,
      externalIdentifier: customerIdentifier.replace(/^cust-/, ''),
      customer: { external_identifier: customerIdentifier.replace(/^cust-/, '') },
    });

  getCase: MeshApi['getCase'] = (caseIdentifier) => {
    const customer = this.openedCases.get(caseIdentifier);
    return Promise.resolve({
      caseIdentifier,
      ...(customer !== undefined && { caseType: 'CUSTOMER_ONBOARDING', ...customer }),
      stage: { decisionType: this.decisions.get(caseIdentifier) ?? null },
    });
  };
  listCustomerCases: MeshApi['listCustomerCases'] = () => Promise.resolve([]);
  updateAndRescore = notUsed('updateAndRescore');
}
