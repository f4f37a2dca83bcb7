import { CosError } from '../../../src/providers/cos/errors';
import {
  createCosTokenProvider,
  tokenRequestBody,
  TOKEN_SAFETY_MARGIN_MS,
} from '../../../src/providers/cos/token-provider';
import { capturingLogger, CLIENT_ID, CLIENT_SECRET, FakeCos } from './fake-cos';

/** The COS bearer token: the form body, caching for its lifetime, one request for concurrent callers, refusals. */

async function errorOf(promise: Promise<unknown>): Promise<CosError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CosError);
  return error as CosError;
}

describe('COS token provider', () => {
  let fake: FakeCos;
  beforeEach(async () => {
    fake = await FakeCos.start();
  });
  afterEach(() => fake.close());

  const tokenRequests = () => fake.requestsTo('POST', '/connect/token');

  it('posts a form body with client credentials, without scope or audience when unset', async () => {
    const tokens = createCosTokenProvider({ config: fake.connection() });
    const token = await tokens.getToken();
    expect(token).toMatch(/^tok-/);
    const [request] = tokenRequests();
    expect(request?.contentType).toBe('application/x-www-form-urlencoded');
    expect(request?.raw).toBe(
      `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`,
    );
    expect(request?.authorization).toBeUndefined();
  });

  it('adds scope and audience only when they are set', async () => {
    const tokens = createCosTokenProvider({
      config: fake.connection({ scope: 'cos.a cos.b', audience: 'https://api.crbcos.com/' }),
    });
    await tokens.getToken();
    const form = new URLSearchParams(tokenRequests()[0]?.raw);
    expect([...form.keys()]).toEqual(['grant_type', 'client_id', 'client_secret', 'scope', 'audience']);
    expect(form.get('scope')).toBe('cos.a cos.b');
    expect(form.get('audience')).toBe('https://api.crbcos.com/');
    expect(tokenRequestBody(fake.connection({ audience: 'x' }))).not.toContain('scope=');
  });

  it('caches the token for its lifetime less the safety margin, then fetches a new one', async () => {
    let now = 1_000_000;
    const tokens = createCosTokenProvider({ config: fake.connection(), clock: { now: () => now } });
    const first = await tokens.getToken();
    now += 86_400_000 - TOKEN_SAFETY_MARGIN_MS - 1;
    expect(await tokens.getToken()).toBe(first);
    expect(tokenRequests()).toHaveLength(1);
    now += 1;
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('keeps a tenth of a short lifetime as margin', async () => {
    fake.tokenExpiresIn = 10;
    let now = 0;
    const tokens = createCosTokenProvider({ config: fake.connection(), clock: { now: () => now } });
    const first = await tokens.getToken();
    now = 8_999;
    expect(await tokens.getToken()).toBe(first);
    now = 9_000;
    expect(await tokens.getToken()).not.toBe(first);
  });

  it('sends one token request for many concurrent callers', async () => {
    fake.tokenDelayMs = 100;
    const tokens = createCosTokenProvider({ config: fake.connection() });
    const all = await Promise.all(Array.from({ length: 8 }, () => tokens.getToken()));
    expect(new Set(all).size).toBe(1);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('drops a rejected token once; a stale invalidation keeps the newer token', async () => {
    const tokens = createCosTokenProvider({ config: fake.connection() });
    const first = await tokens.getToken();
    tokens.invalidate(first);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    tokens.invalidate(first); // a late 401 for the old token
    expect(await tokens.getToken()).toBe(second);
    expect(tokenRequests()).toHaveLength(2);
  });

  it.each([400, 401])(
    'a refused token request (%i) is retryable and alerts without the secret',
    async (status) => {
      fake.tokenFault = {
        status,
        body: { error: 'invalid_client', error_description: `bad ${CLIENT_SECRET}` },
      };
      const logger = capturingLogger();
      const tokens = createCosTokenProvider({ config: fake.connection(), logger });
      const error = await errorOf(tokens.getToken());
      expect(error.kind).toBe('CosTokenRefused');
      expect(error.retryable).toBe(true);
      expect(error.details).toMatchObject({ status, credentials: true });
      expect(error.message).toContain('COS_CLIENT_SECRET');
      expect(error.message).toContain('invalid_client');
      const alerts = logger.lines.filter((line) => line.startsWith('error '));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toContain('COS_CLIENT_ID');
      expect(alerts[0]).toContain('COS_TOKEN_URL');
      expect(logger.lines.join('\n')).not.toContain(CLIENT_SECRET);
      expect(error.message).not.toContain(CLIENT_SECRET);
      // Nothing cached: once fixed, the next call gets a token.
      fake.tokenFault = undefined;
      expect(await tokens.getToken()).toMatch(/^tok-/);
    },
  );

  it('a failing identity server (503) is retryable and honours Retry-After', async () => {
    fake.fail({ method: 'POST', path: '/connect/token', status: 503, headers: { 'retry-after': '7' } });
    const tokens = createCosTokenProvider({ config: fake.connection() });
    const error = await errorOf(tokens.getToken());
    expect(error.kind).toBe('CosTokenFailed');
    expect(error.retryable).toBe(true);
    expect(error.details.retryAfterMs).toBe(7_000);
  });

  it('a 404 from the token URL is never a refusal of the customer', async () => {
    fake.fail({ method: 'POST', path: '/connect/token', status: 404 });
    const error = await errorOf(createCosTokenProvider({ config: fake.connection() }).getToken());
    expect(error.kind).toBe('CosTokenFailed');
    expect(error.retryable).toBe(true);
  });

  it('a 200 without access_token is retryable and names COS_TOKEN_URL', async () => {
    fake.fail({ method: 'POST', path: '/connect/token', status: 200, body: { token: 'x' } });
    const error = await errorOf(createCosTokenProvider({ config: fake.connection() }).getToken());
    expect(error.kind).toBe('CosTokenFailed');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('COS_TOKEN_URL');
  });
});
