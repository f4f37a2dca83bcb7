import { Secret } from '../../../src/providers/mesh/config';
import { MeshError } from '../../../src/providers/mesh/api';
import { createTokenProvider, type TokenProvider } from '../../../src/providers/mesh/token-provider';
import { capturingLogger, guidePerson, screenInput, useSandboxHarness } from '../../helpers/mesh-sandbox';
import { waitFor } from '../../../testkit/wait';

/** How every class of failure reaches the caller, against the real sandbox (src/sandbox) and its faults. */
describe('Mesh client: failures (sandbox)', () => {
  const h = useSandboxHarness();
  let mesh: ReturnType<typeof h.client>;
  beforeEach(() => {
    mesh = h.client();
  });

  const screen = (customer = guidePerson('Test CleanUser'), client = mesh) =>
    client.createAndScreen(screenInput(customer));
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(MeshError);
        return error as MeshError;
      },
    );

  it('reports a 429 as RATE_LIMITED, waiting at least until Ratelimit-Reset, after one attempt', async () => {
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'rate-limit', resetSeconds: 7, count: 1 });
    const error = await failureOf(screen());
    expect(error).toMatchObject({
      kind: 'RATE_LIMITED',
      retryable: true,
      details: { status: 429, retryAfterMs: 7_000 },
    });
    expect((await h.stats()).byRoute['POST /v2/workflows/sync/create-and-screen']).toBe(1);
  });

  it('reports the account limit itself the same way', async () => {
    await h.settings({ rateLimitPerMinute: 2 });
    await screen(); // token + create-and-screen use up the window
    const error = await failureOf(screen());
    expect(error.kind).toBe('RATE_LIMITED');
    expect(error.details.retryAfterMs).toBeGreaterThan(0);
  });

  it('reports a 5xx as a retryable SERVER_ERROR', async () => {
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'server-error', status: 503, count: 1 });
    const error = await failureOf(screen());
    expect(error).toMatchObject({ kind: 'SERVER_ERROR', retryable: true, details: { status: 503 } });
    expect(await screen()).toMatchObject({ screeningResult: 'NO_PROFILES' });
  });

  it('gives up after the request timeout with a retryable TIMEOUT', async () => {
    const impatient = h.client({ config: { requestTimeoutMs: 200 } });
    await h.addFault({ match: { path: '/cases' }, kind: 'latency', latencyMs: 1_500, count: 1 });
    const error = await failureOf(impatient.listCustomerCases('cust_any'));
    expect(error).toMatchObject({ kind: 'TIMEOUT', retryable: true });
    expect(error.message).toContain('200 ms');
  });

  it('reports a connection refused as a retryable NETWORK error', async () => {
    const nowhere = h.client({ config: { baseUrl: 'http://127.0.0.1:1' } });
    const error = await failureOf(nowhere.getCustomer('cust_any'));
    expect(error).toMatchObject({ kind: 'NETWORK', retryable: true });
  });

  it('reports refused customer data as BAD_REQUEST naming the fields, never their values', async () => {
    const customer = { ...guidePerson('Victor Bout'), date_of_birth: { day: 45, month: 1, year: 1967 } };
    const error = await failureOf(screen(customer));
    expect(error).toMatchObject({ kind: 'BAD_REQUEST', retryable: false, details: { status: 400 } });
    expect(error.message).toBe(
      'Mesh createAndScreen failed: 400 Bad Request (type https://api.mesh.complyadvantage.com/problems/bad-request) — rejected fields: customer.date_of_birth',
    );
  });

  it('reports an unknown customer as NOT_FOUND, not retryable', async () => {
    expect(await failureOf(mesh.getCustomer('cust_doesnotexist'))).toMatchObject({
      kind: 'NOT_FOUND',
      retryable: false,
    });
    expect(await failureOf(mesh.getCustomerByExternalIdentifier('NOPE-1'))).toMatchObject({
      kind: 'NOT_FOUND',
    });
  });

  it('reports refused credentials as retryable AUTHENTICATION_FAILED: an operator fixes them, the run resumes', async () => {
    const wrong = h.client({
      config: { credentials: { kind: 'access-key', accessKey: 'k', secret: new Secret('wrong') } },
    });
    const error = await failureOf(screen(guidePerson('Test CleanUser'), wrong));
    expect(error).toMatchObject({
      kind: 'AUTHENTICATION_FAILED',
      retryable: true,
      details: { status: 400, credentials: true },
    });
    expect(error.message).toBe(
      'Mesh token refused the credentials: 400 Bad Request (invalid_grant); check MESH_ACCESS_KEY and MESH_SECRET',
    );
  });

  it('pauses while Mesh refuses tokens for a while, and goes through once it accepts them again', async () => {
    await h.settings({ refuseTokensForMs: 1_000, tokenRefusalStatus: 401 });
    const refusedUntil = Date.now() + 1_000;
    const client = h.client();
    const error = await failureOf(screen(guidePerson('Test CleanUser'), client));
    expect(error).toMatchObject({ kind: 'AUTHENTICATION_FAILED', retryable: true, details: { status: 401 } });
    expect(error.message).toContain('(invalid_client)');
    // What Temporal's retries do: try again later, with the same client (nothing refused is cached).
    const outcome = await waitFor(
      () => screen(guidePerson('Test CleanUser'), client).catch((e: unknown) => e),
      {
        timeoutMs: 10_000,
        until: (result) => !(result instanceof MeshError),
        description: 'the condition',
      },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(refusedUntil);
    expect(outcome).toMatchObject({ screeningResult: 'NO_PROFILES' });
  });

  it('reports a gateway 403 as retryable FORBIDDEN, on the token request and on a call alike', async () => {
    await h.addFault({ kind: 'gateway-forbidden', count: 1, match: { method: 'POST', path: '^/v3/token' } });
    expect(await failureOf(screen())).toMatchObject({
      kind: 'AUTHENTICATION_FAILED',
      retryable: true,
      details: { status: 403, credentials: true },
    });
    await h.addFault({ kind: 'gateway-forbidden', count: 1, match: { path: 'create-and-screen' } });
    const error = await failureOf(screen());
    expect(error).toMatchObject({
      kind: 'FORBIDDEN',
      retryable: true,
      details: { status: 403, credentials: true },
    });
    expect(error.message).toBe('Mesh createAndScreen failed: 403 Forbidden');
    expect(await screen()).toMatchObject({ screeningResult: 'NO_PROFILES' });
  });

  it('fetches a new token transparently when a short-lived one nears expiry', async () => {
    await h.settings({ tokenExpiresInSeconds: 1 });
    const stats = await waitFor(
      async () => {
        await mesh.listWebhooks();
        return h.stats();
      },
      {
        timeoutMs: 10_000,
        until: (s) => (s.byRoute['POST /v3/token'] ?? 0) >= 2,
        description: 'the condition',
      },
    );
    // Refreshed before expiry: Mesh never had to refuse a token.
    expect(stats.byStatus['401']).toBeUndefined();
  });

  it('re-authenticates once on a 401 and repeats the call', async () => {
    await h.settings({ tokenExpiresInSeconds: 1 });
    const logger = capturingLogger();
    // A clock that never moves: the client believes its token is fresh, Mesh knows it has expired.
    const frozen = { now: () => 0 };
    const stale = h.client({ logger, clock: frozen });
    await waitFor(() => stale.listWebhooks(), {
      timeoutMs: 10_000,
      until: () => logger.lines.some((line) => line.includes('mesh token refused')),
      description: 'the condition',
    });
    const stats = await h.stats();
    expect(stats.byStatus['401']).toBeGreaterThanOrEqual(1);
    expect(stats.byRoute['POST /v3/token']).toBe(stats.byStatus['401']! + 1);
  });

  it('gives up with UNAUTHORIZED when the token is refused twice, after exactly one repeat', async () => {
    const invalidated: string[] = [];
    const bogus: TokenProvider = {
      getToken: () => Promise.resolve('not-a-mesh-token'),
      invalidate: (token) => invalidated.push(token),
    };
    const error = await failureOf(h.client({ tokenProvider: bogus }).getCase('case_any'));
    expect(error).toMatchObject({ kind: 'UNAUTHORIZED', retryable: true, details: { status: 401 } });
    expect(invalidated).toHaveLength(2);
    expect((await h.stats()).byRoute['GET /v2/cases/:id']).toBe(2);
  });

  it('shares one token between clients built on one provider, even when called concurrently', async () => {
    const tokens = createTokenProvider({ config: h.config });
    const a = h.client({ tokenProvider: tokens });
    const b = h.client({ tokenProvider: tokens });
    await Promise.all([
      a.listWebhooks(),
      b.listWebhooks(),
      a.getCustomer('x').catch(() => undefined),
      screen(undefined, b),
    ]);
    expect((await h.stats()).byRoute['POST /v3/token']).toBe(1);
  });

  it('never writes the token, the secret or customer data to the log', async () => {
    await h.settings({ tokenExpiresInSeconds: 1 });
    const logger = capturingLogger();
    const issued: string[] = [];
    const real = createTokenProvider({ config: h.config, logger });
    const recording: TokenProvider = {
      getToken: async () => {
        const token = await real.getToken();
        issued.push(token);
        return token;
      },
      invalidate: (token) => real.invalidate(token),
    };
    const client = h.client({ logger, tokenProvider: recording });
    const outcome = await screen(guidePerson('Victor Bout'), client);
    await client.getCustomer(outcome.customerIdentifier);
    await client.getCustomerByExternalIdentifier(outcome.externalIdentifier);
    await failureOf(client.getCustomer('cust_missing'));
    await failureOf(
      screen({ ...guidePerson('Victor Bout'), date_of_birth: { day: 45, month: 1, year: 1967 } }, client),
    );
    await waitFor(() => client.listWebhooks(), {
      timeoutMs: 10_000,
      until: () => logger.lines.filter((l) => l.includes('mesh token fetched')).length >= 2,
      description: 'the condition',
    });

    expect(new Set(issued).size).toBeGreaterThanOrEqual(2);
    expect(logger.lines.some((l) => l.includes('/v2/workflows/sync/create-and-screen'))).toBe(true);
    const everything = logger.lines.join('\n');
    for (const token of issued) expect(everything).not.toContain(token);
    for (const secretOrPersonal of ['sandbox', 'Victor', 'Bout', 'applicant@example.com']) {
      expect(everything).not.toContain(secretOrPersonal);
    }
  });
});
