import type { CustomerUpdate, OfficerDecisionRequest, WithdrawRequest } from '../contracts/onboarding';

/**
 * The rules for the messages callers send a running onboarding (its Updates), checked inside the
 * workflow's Update validators and, before sending, by the client module. Plain TypeScript, not zod,
 * on purpose: these run in workflow code, and zod in the workflow bundle cost about 0.9 MiB per cached
 * run (bench/worker-memory.ts: 1.4 MiB instead of 0.5 MiB per waiting onboarding). The requests are
 * three small flat objects, so a few explicit checks say the same. Messages name the field, never the
 * value (it may be personal data).
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An envelope of ours: a typo such as `reqestId` would otherwise be dropped without a word. */
function unknownFields(request: Fields, allowed: readonly string[]): string[] {
  return Object.keys(request)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${key}: not a field of this request (expected ${allowed.join(', ')})`);
}

function text(
  request: Fields,
  field: string,
  what: string,
  { required, max }: { required: boolean; max: number },
): string[] {
  const value = request[field];
  if (value === undefined) return required ? [`${field}: required: ${what}`] : [];
  if (typeof value !== 'string' || (required && value.trim() === '')) return [`${field}: expected ${what}`];
  return value.length > max ? [`${field}: at most ${max} characters`] : [];
}

const requestId = (request: Fields) =>
  text(request, 'requestId', 'a request id (a non-empty string)', { required: false, max: 255 });

function result<T>(problems: string[], value: unknown): Checked<T> {
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: value as T };
}

/** Changed customer fields; the external identifier is the key of the onboarding and cannot change. */
export function checkCustomerUpdate(update: unknown, externalIdentifier: string): Checked<CustomerUpdate> {
  if (!isFields(update))
    return { ok: false, problems: ['(input): expected an object {customer, requestId?}'] };
  const problems = [...unknownFields(update, ['customer', 'requestId']), ...requestId(update)];
  const customer = update.customer;
  if (!isFields(customer)) {
    problems.push('customer: required: an object with the changed fields');
  } else if (Object.keys(customer).length === 0) {
    problems.push('customer: expected at least one changed field');
  } else if (
    customer.external_identifier !== undefined &&
    customer.external_identifier !== externalIdentifier
  ) {
    problems.push(
      `customer.external_identifier: must be "${externalIdentifier}" or absent: an external identifier cannot change`,
    );
  }
  return result(problems, update);
}

export function checkWithdrawRequest(request: unknown): Checked<WithdrawRequest> {
  const given = request ?? {};
  if (!isFields(given)) return { ok: false, problems: ['(input): expected an object {reason?, requestId?}'] };
  return result(
    [
      ...unknownFields(given, ['reason', 'requestId']),
      ...text(given, 'reason', 'a string', { required: false, max: 1_000 }),
      ...requestId(given),
    ],
    given,
  );
}

export function checkOfficerDecision(request: unknown): Checked<OfficerDecisionRequest> {
  if (!isFields(request))
    return { ok: false, problems: ['(input): expected an object {outcome, actor, reason}'] };
  const outcome = request.outcome;
  return result(
    [
      ...unknownFields(request, ['outcome', 'actor', 'reason']),
      ...(outcome === 'APPROVE' || outcome === 'REJECT' ? [] : ['outcome: expected APPROVE or REJECT']),
      ...text(request, 'actor', 'who decides (the officer’s user id, a non-empty string)', {
        required: true,
        max: 255,
      }),
      ...text(request, 'reason', 'the reason for the decision (a non-empty string)', {
        required: true,
        max: 2_000,
      }),
    ],
    request,
  );
}
