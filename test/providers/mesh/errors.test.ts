import {
  authenticationFailed,
  errorFromStatus,
  errorFromTransport,
  fieldNamesOf,
  ratelimitResetMs,
  retryAfterHeaderMs,
  retryAfterMsOf,
} from '../../../src/providers/mesh/errors';

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

  it('names the rejected fields, never their reasons, their values or the detail', () => {
    const error = errorFromStatus('createAndScreen', 400, {}, problem, NOW);
    expect(error).toMatchObject({ kind: 'BAD_REQUEST', retryable: false, details: { status: 400 } });
    expect(error.message).toBe(
      'Mesh createAndScreen failed: 400 Bad Request (type https://api.mesh.complyadvantage.com/problems/bad-request) — rejected fields: customer.person.date_of_birth, customer.person.last_name',
    );
    for (const prose of ['must be a valid date', 'must not be blank', '1967-13-45', 'Bout', 'is invalid']) {
      expect(error.message).not.toContain(prose);
    }
  });

  it('lists field names given at the top level too, and drops a "field" that is prose', () => {
    expect(fieldNamesOf({ errors: [{ field: 'url', reasons: 'must be HTTPS' }] })).toEqual(['url']);
    expect(
      fieldNamesOf({
        errors: [{ field: 'name Victor Bout is sanctioned' }, { field: 'address[0].country' }],
      }),
    ).toEqual(['address[0].country']);
  });

  it.each([
    ['detail', { title: 'Bad Request', detail: 'Victor Bout, born 1967-01-13, is not accepted' }],
    ['title', { title: 'Victor Bout rejected' }],
    ['message', { message: 'customer Victor Bout already exists' }],
    ['error_description', { error: 'Victor Bout', error_description: 'Victor Bout is locked' }],
    ['type that is prose', { type: 'Victor Bout is not allowed' }],
    ['field reasons', { properties: { errors: [{ field: 'customer', reasons: ['Victor Bout is a PEP'] }] } }],
  ])('never carries provider prose into the message (%s)', (_where, body) => {
    for (const status of [400, 403, 409, 422, 429, 503]) {
      const error = errorFromStatus('createAndScreen', status, {}, body, NOW);
      expect(error.message).not.toMatch(/Victor|Bout|1967/);
      expect(error.message).toContain(`createAndScreen failed: ${status}`);
    }
  });

  it.each([
    [400, 'BAD_REQUEST', false],
    [404, 'NOT_FOUND', false],
    [409, 'CONFLICT', false],
    [410, 'NOT_FOUND', false],
    [413, 'BAD_REQUEST', false],
    [422, 'BAD_REQUEST', false],
    [401, 'UNAUTHORIZED', true],
    [403, 'FORBIDDEN', true],
    [405, 'CLIENT_ERROR', true],
    [408, 'CLIENT_ERROR', true],
    [415, 'CLIENT_ERROR', true],
    [425, 'CLIENT_ERROR', true],
    [429, 'RATE_LIMITED', true],
    [500, 'SERVER_ERROR', true],
    [503, 'SERVER_ERROR', true],
  ] as const)('classifies %i as %s (retryable: %s)', (status, kind, retryable) => {
    const error = errorFromStatus('getCase', status, {}, undefined, NOW);
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(`getCase failed: ${status}`);
  });

  it('marks 401 and 403 as credentials problems, and nothing else', () => {
    for (const status of [401, 403]) {
      expect(errorFromStatus('getCase', status, {}, undefined, NOW).details.credentials).toBe(true);
    }
    for (const status of [400, 404, 405, 409, 422, 429, 500]) {
      expect(errorFromStatus('getCase', status, {}, undefined, NOW).details.credentials).toBeUndefined();
    }
  });

  it('reports a refused token request as retryable AUTHENTICATION_FAILED with a plain OAuth code only', () => {
    const error = authenticationFailed(
      'token',
      400,
      { error: 'invalid_client', error_description: 'Client victor.bout@example.com is locked' },
      'MESH_ACCESS_KEY and MESH_SECRET',
    );
    expect(error).toMatchObject({
      kind: 'AUTHENTICATION_FAILED',
      retryable: true,
      details: { status: 400, credentials: true, operation: 'token' },
    });
    expect(error.message).toBe(
      'Mesh token refused the credentials: 400 Bad Request (invalid_client); check MESH_ACCESS_KEY and MESH_SECRET',
    );
    const prose = authenticationFailed('token', 401, { error: 'Victor Bout locked' }, 'MESH_SECRET');
    expect(prose.message).toBe('Mesh token refused the credentials: 401 Unauthorized; check MESH_SECRET');
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
    expect(error.message).toBe('Mesh createAndScreen failed: 429 Too Many Requests');
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
