import {
  errorFromStatus,
  errorFromTransport,
  fieldErrorsOf,
  ratelimitResetMs,
  retryAfterHeaderMs,
  retryAfterMsOf,
} from '../../src/mesh/errors';

const NOW = Date.parse('2026-02-01T12:00:00Z');

describe('Mesh error mapping', () => {
  const problem = {
    type: 'https://api.mesh.complyadvantage.com/problems/bad-request',
    title: 'Bad Request',
    status: 400,
    detail: 'The request is invalid: customer.person.date_of_birth',
    properties: {
      errors: [
        { field: 'customer.person.date_of_birth', reasons: ['must be a valid date'], rejected: '1967-13-45' },
        { field: 'customer.person.last_name', reasons: ['must not be blank', 'too short'], rejected: 'Bout' },
      ],
    },
  };

  it('names the rejected fields and reasons but never the rejected values', () => {
    const error = errorFromStatus('createAndScreen', 400, {}, problem, NOW);
    expect(error).toMatchObject({ kind: 'BAD_REQUEST', retryable: false, details: { status: 400 } });
    expect(error.message).toContain('customer.person.date_of_birth: must be a valid date');
    expect(error.message).toContain('customer.person.last_name: must not be blank; too short');
    expect(error.message).not.toContain('1967-13-45');
    expect(error.message).not.toContain('Bout');
  });

  it('lists field errors given at the top level too', () => {
    expect(fieldErrorsOf({ errors: [{ field: 'url', reasons: 'must be HTTPS' }] })).toEqual([
      'url: must be HTTPS',
    ]);
  });

  it.each([
    [422, 'BAD_REQUEST', false],
    [400, 'BAD_REQUEST', false],
    [405, 'BAD_REQUEST', false],
    [403, 'FORBIDDEN', false],
    [404, 'NOT_FOUND', false],
    [409, 'CONFLICT', false],
    [401, 'UNAUTHORIZED', true],
    [429, 'RATE_LIMITED', true],
    [500, 'SERVER_ERROR', true],
    [503, 'SERVER_ERROR', true],
  ] as const)('classifies %i as %s (retryable: %s)', (status, kind, retryable) => {
    const error = errorFromStatus('getCase', status, {}, undefined, NOW);
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(`getCase failed: ${status}`);
  });

  it('asks to wait until the rate-limit window resets on 429', () => {
    const error = errorFromStatus(
      'createAndScreen',
      429,
      { 'ratelimit-reset': '17' },
      { message: 'API rate limit exceeded' },
      NOW,
    );
    expect(error).toMatchObject({ kind: 'RATE_LIMITED', details: { retryAfterMs: 17_000, retryable: true } });
    expect(error.message).toContain('API rate limit exceeded');
  });

  it('takes the longer of Ratelimit-Reset and Retry-After', () => {
    expect(retryAfterMsOf(429, { 'ratelimit-reset': '5', 'retry-after': '30' }, NOW)).toBe(30_000);
    expect(retryAfterMsOf(429, { 'ratelimit-reset': '45', 'retry-after': '30' }, NOW)).toBe(45_000);
    expect(retryAfterMsOf(429, {}, NOW)).toBeUndefined();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterHeaderMs('120', NOW)).toBe(120_000);
    expect(retryAfterHeaderMs('Sun, 01 Feb 2026 12:00:42 GMT', NOW)).toBe(42_000);
    expect(retryAfterHeaderMs('Sun, 01 Feb 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(retryAfterHeaderMs('soon', NOW)).toBeUndefined();
  });

  it('reads an epoch-seconds Ratelimit-Reset as a point in time', () => {
    expect(ratelimitResetMs(String(NOW / 1000 + 12), NOW)).toBe(12_000);
    expect(ratelimitResetMs('not-a-number', NOW)).toBeUndefined();
  });

  it('honours Retry-After on a 503 as well', () => {
    expect(errorFromStatus('getCase', 503, { 'retry-after': '3' }, undefined, NOW).details.retryAfterMs).toBe(
      3000,
    );
  });

  it('does not hold a 503 back until the rate-limit window resets while the budget has room', () => {
    const headers = { 'ratelimit-limit': '300', 'ratelimit-remaining': '120', 'ratelimit-reset': '48' };
    expect(
      errorFromStatus('createAndScreen', 503, headers, undefined, NOW).details.retryAfterMs,
    ).toBeUndefined();
  });

  it('waits for the window on a 5xx that says the budget is spent', () => {
    const headers = { 'ratelimit-remaining': '0', 'ratelimit-reset': '48', 'retry-after': '2' };
    expect(errorFromStatus('createAndScreen', 502, headers, undefined, NOW).details.retryAfterMs).toBe(
      48_000,
    );
  });

  it('treats a timeout as TIMEOUT and a broken connection as NETWORK, both retryable', () => {
    const timeout = Object.assign(new Error('Timeout awaiting request'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
    const reset = Object.assign(new Error('socket hang up'), { name: 'RequestError', code: 'ECONNRESET' });
    expect(errorFromTransport('createAndScreen', timeout, 10_000)).toMatchObject({
      kind: 'TIMEOUT',
      retryable: true,
    });
    expect(errorFromTransport('createAndScreen', reset, 10_000)).toMatchObject({
      kind: 'NETWORK',
      retryable: true,
    });
    expect(errorFromTransport('createAndScreen', reset, 10_000).message).toContain('ECONNRESET');
  });
});
