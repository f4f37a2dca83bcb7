import {
  checkCustomerUpdate,
  checkOfficerDecision,
  checkWithdrawRequest,
} from '../../src/contracts/message-checks';

const problems = (checked: { ok: boolean; problems?: string[] }) => (checked.ok ? [] : checked.problems);

describe('the rules for an onboarding’s Update requests', () => {
  it('takes changed customer fields, and refuses a changed key, an empty change or an unknown field', () => {
    expect(
      checkCustomerUpdate({ customer: { person: { nationality: ['GB'] } }, requestId: 'r-1' }, 'EXT-1').ok,
    ).toBe(true);
    expect(checkCustomerUpdate({ customer: { external_identifier: 'EXT-1', address: [] } }, 'EXT-1').ok).toBe(
      true,
    );
    expect(problems(checkCustomerUpdate({ customer: { external_identifier: 'EXT-2' } }, 'EXT-1'))).toEqual([
      expect.stringMatching(/^customer\.external_identifier: must be "EXT-1"/),
    ]);
    expect(problems(checkCustomerUpdate({ customer: {} }, 'EXT-1'))).toEqual([
      'customer: expected at least one changed field',
    ]);
    expect(problems(checkCustomerUpdate({ customr: {}, requestId: 7 }, 'EXT-1'))).toEqual([
      expect.stringMatching(/^customr: not a field of this request/),
      'requestId: expected a request id (a non-empty string)',
      'customer: required: an object with the changed fields',
    ]);
    expect(problems(checkCustomerUpdate('nonsense', 'EXT-1'))).toEqual([expect.stringMatching(/^\(input\)/)]);
  });

  it('takes a withdrawal with or without a reason, bounded', () => {
    expect(checkWithdrawRequest(undefined).ok).toBe(true);
    expect(checkWithdrawRequest({ reason: 'moved abroad', requestId: 'w-1' }).ok).toBe(true);
    expect(problems(checkWithdrawRequest({ reason: 'x'.repeat(1_001) }))).toEqual([
      'reason: at most 1000 characters',
    ]);
  });

  it("takes an officer's decision only with an outcome, who decided and why", () => {
    expect(checkOfficerDecision({ outcome: 'APPROVE', actor: 'officer-1', reason: 'cleared' }).ok).toBe(true);
    expect(problems(checkOfficerDecision({ outcome: 'approve', actor: ' ', reason: '' }))).toEqual([
      'outcome: expected APPROVE or REJECT',
      expect.stringMatching(/^actor: expected who decides/),
      expect.stringMatching(/^reason: expected the reason/),
    ]);
    expect(problems(checkOfficerDecision({ outcome: 'REJECT', reason: 'x' }))).toEqual([
      expect.stringMatching(/^actor: required/),
    ]);
  });
});
