import { parseWebhookPayload, PayloadError } from '../../src/bridge/payload';
import { casePayload } from '../../testkit/webhooks';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof PayloadError) return err.field;
    throw err;
  }
  return undefined;
}

describe('parseWebhookPayload', () => {
  it("reads the guide's Appendix C example", () => {
    expect(parseWebhookPayload({ ...casePayload(), webhook_type: 'CASE_STAGE_UPDATED' })).toEqual({
      kind: 'case-event',
      webhookType: 'CASE_STAGE_UPDATED',
      caseType: 'CUSTOMER_ONBOARDING',
      caseIdentifier: 'case_xyz123',
      externalIdentifier: 'CUST-12345',
      customerIdentifier: 'cust_abc789',
      decisionType: 'POSITIVE',
      stageIdentifier: 'stage_def456',
      stageName: 'False Positive',
    });
  });

  it.each([
    ['POSITIVE', 'POSITIVE'],
    ['NEGATIVE', 'NEGATIVE'],
    ['PARTIAL_POSITIVE', 'PARTIAL_POSITIVE'],
    ['SOMETHING_NEW', 'SOMETHING_NEW'],
    [null, null],
    ['', null],
  ])('takes decision_type %p as %p', (given, expected) => {
    const event = parseWebhookPayload(casePayload({ decisionType: given }));
    expect(event.kind === 'case-event' && event.decisionType).toBe(expected);
  });

  it('reads case_stage without decision_type as in progress, even if the deprecated case_state says decided', () => {
    const payload = casePayload();
    payload.case_stage = { identifier: 'stage_review', display_name: 'In Review' };
    const event = parseWebhookPayload(payload);
    expect(event.kind === 'case-event' && event.decisionType).toBeNull();
  });

  it.each([
    ['CASE_STATE_POSITIVE_END_STATE', 'POSITIVE'],
    ['CASE_STATE_NEGATIVE_END_STATE', 'NEGATIVE'],
    ['POSITIVE_END_STATE', 'POSITIVE'],
    ['CASE_STATE_IN_PROGRESS', null],
    ['CASE_STATE_NOT_STARTED', null],
    ['CASE_STATE_SOMETHING_NEW', null],
  ])('without case_stage, maps case_state %s to %p', (state, expected) => {
    const payload: Record<string, unknown> = { ...casePayload(), case_state: state };
    delete payload.case_stage;
    const event = parseWebhookPayload(payload);
    expect(event.kind === 'case-event' && event.decisionType).toBe(expected);
  });

  it('lets CASE_CREATED through without any decision information', () => {
    const payload = casePayload({ webhookType: 'CASE_CREATED', caseType: 'CUSTOMER_MONITORING' });
    delete payload.case_stage;
    delete payload.case_state;
    const event = parseWebhookPayload(payload);
    expect(event).toMatchObject({ kind: 'case-event', webhookType: 'CASE_CREATED', decisionType: null });
  });

  it('reads a payload without api_version as the current v2 format', () => {
    const payload = casePayload();
    delete payload.api_version;
    expect(parseWebhookPayload(payload).kind).toBe('case-event');
  });

  it('ignores v1 and unknown versions, and unknown webhook and case types, without requiring anything else', () => {
    expect(
      parseWebhookPayload({ api_version: 'v1', webhook_type: 'CASE_STATE_UPDATED', case_type: 'X' }),
    ).toMatchObject({
      kind: 'ignored',
      reason: 'api-version',
    });
    expect(
      parseWebhookPayload({ webhook_type: 'CUSTOMER_RISK_SCORE_CHANGED', case_type: 'X' }),
    ).toMatchObject({
      kind: 'ignored',
      reason: 'webhook-type',
    });
    expect(
      parseWebhookPayload({ webhook_type: 'CASE_CREATED', case_type: 'PAYMENT_SCREENING' }),
    ).toMatchObject({
      kind: 'ignored',
      reason: 'case-type',
    });
  });

  it('drops a malformed customer.identifier instead of refusing a real decision', () => {
    const payload = casePayload();
    (payload.customer as Record<string, unknown>).identifier = 42;
    const event = parseWebhookPayload(payload);
    expect(event.kind === 'case-event' && event.customerIdentifier).toBeUndefined();
  });

  it.each([
    ['a JSON array', [], 'body'],
    ['a JSON string', 'hello', 'body'],
    ['no webhook_type', { case_type: 'CUSTOMER_ONBOARDING' }, 'webhook_type'],
    ['no case_type', { webhook_type: 'CASE_TRANSITIONED' }, 'case_type'],
    [
      'a numeric decision_type',
      { ...casePayload(), case_stage: { decision_type: 1 } },
      'case_stage.decision_type',
    ],
    ['no customer', { ...casePayload(), customer: undefined }, 'customer.external_identifier'],
    [
      'an empty external identifier',
      { ...casePayload(), customer: { external_identifier: '' } },
      'customer.external_identifier',
    ],
    [
      'an external identifier with spaces',
      { ...casePayload(), customer: { external_identifier: 'a b' } },
      'customer.external_identifier',
    ],
    ['no case_identifier', { ...casePayload(), case_identifier: undefined }, 'case_identifier'],
  ])('refuses %s, naming %s', (_name, payload, field) => {
    expect(fieldOf(() => parseWebhookPayload(payload))).toBe(field);
  });
});
