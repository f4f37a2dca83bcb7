import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import type { CheckOnboardingCaseResult } from '../../src/contracts/screening-activities';
import type { MeshApi, MeshCase } from '../../src/providers/mesh/api';

/**
 * checkOnboardingCase without a case identifier, against a typed fake: which of the customer's cases it
 * reports when Mesh lists several (the sandbox only ever opens one onboarding case per customer).
 */
function activitiesListing(cases: MeshCase[]) {
  const unused = () => Promise.reject(new Error('not used by this test'));
  const mesh: MeshApi = {
    createAndScreen: unused,
    getCustomer: unused,
    getCustomerByExternalIdentifier: unused,
    listCustomerCases: () => Promise.resolve(cases),
    getCase: unused,
    setMonitoring: unused,
    updateAndRescore: unused,
  };
  return createActivities({
    mesh,
    logger: { info: () => undefined, warn: () => undefined },
    clock: () => new Date('2026-02-03T04:05:06.000Z'),
  });
}

const check = (cases: MeshCase[]): Promise<CheckOnboardingCaseResult> => {
  const activities = activitiesListing(cases);
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(
    activities.checkOnboardingCase,
    { customerIdentifier: 'cust_1' },
  );
};

const onboarding = (caseIdentifier: string, decisionType: string | null, caseState?: string): MeshCase => ({
  caseIdentifier,
  caseType: 'CUSTOMER_ONBOARDING',
  stage: { stageType: decisionType === null ? 'REVIEW' : 'DECISION', decisionType },
  ...(caseState !== undefined && { caseState }),
  customerIdentifier: 'cust_1',
  externalIdentifier: 'EXT-1',
});
const monitoring: MeshCase = {
  caseIdentifier: 'case_mon',
  caseType: 'CUSTOMER_MONITORING',
  stage: { decisionType: null },
};

describe('checkOnboardingCase: choosing among the customer’s cases', () => {
  it('reports the undecided onboarding case, not the first one listed', async () => {
    const result = await check([
      onboarding('case_decided', 'NEGATIVE'),
      monitoring,
      onboarding('case_open', null),
      onboarding('case_later', 'POSITIVE'),
    ]);
    expect(result.case).toMatchObject({ caseIdentifier: 'case_open', decisionType: null });
  });

  it('reports the last onboarding case listed when every one is decided', async () => {
    const result = await check([
      onboarding('case_first', 'NEGATIVE'),
      onboarding('case_last', 'POSITIVE'),
      monitoring,
    ]);
    expect(result.case).toMatchObject({ caseIdentifier: 'case_last', decisionType: 'POSITIVE' });
  });

  it('counts a case decided through the deprecated case_state as decided', async () => {
    const byState: MeshCase = {
      caseIdentifier: 'case_state_only',
      caseType: 'CUSTOMER_ONBOARDING',
      caseState: 'CASE_STATE_POSITIVE_END_STATE',
    };
    const result = await check([byState, onboarding('case_open', null)]);
    expect(result.case?.caseIdentifier).toBe('case_open');
  });

  it('fills in the customer the case belongs to', async () => {
    const result = await check([onboarding('case_open', null)]);
    expect(result).toEqual({
      case: {
        caseIdentifier: 'case_open',
        caseType: 'CUSTOMER_ONBOARDING',
        stageType: 'REVIEW',
        verdict: 'open',
        decisionType: null,
        customerIdentifier: 'cust_1',
        externalIdentifier: 'EXT-1',
      },
      checkedAt: '2026-02-03T04:05:06.000Z',
    });
  });

  it('reports no case while only monitoring cases exist', async () => {
    expect(await check([monitoring])).toEqual({ checkedAt: '2026-02-03T04:05:06.000Z' });
  });
});
