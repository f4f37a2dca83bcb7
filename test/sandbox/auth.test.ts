import { startSandbox, type Sandbox } from '../../src/sandbox/mesh';
import { at, eventually, SandboxClient } from './sandbox-client';

describe('sandbox authentication', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimitPerMinute: 0 });
  });
  afterAll(() => sandbox.close());

  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it("answers the guide's v2 token request with the guide's Appendix A shape", async () => {
    const res = await postJson('/v2/token', {
      realm: 'your-organization-name',
      username: 'api@example.com',
      password: 'sandbox',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      access_token: expect.stringMatching(/^eyJ/),
      token_type: 'Bearer',
      expires_in: 86400,
      scope: expect.any(String),
    });
  });

  it('issues v3 tokens for an access key and secret', async () => {
    const res = await postJson('/v3/token', { access_key: 'key-1', secret: 'sandbox' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
  });

  it('refuses wrong credentials with 400 {error, error_description}', async () => {
    const wrong = await postJson('/v2/token', { realm: 'r', username: 'u', password: 'nope' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    const missing = await postJson('/v3/token', { access_key: 'key-1' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('secret'),
    });
  });

  it('answers 401 {title, status, detail} without a token or with an unknown one', async () => {
    const none = await fetch(`${sandbox.url}/v2/customers/cust_x`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      title: 'Unauthorized',
      status: 401,
      detail: expect.stringContaining('Missing'),
    });
    const unknown = await fetch(`${sandbox.url}/v2/customers/cust_x`, {
      headers: { authorization: 'Bearer made-up' },
    });
    expect(unknown.status).toBe(401);
  });

  it('checks the password and v3 secret against SANDBOX_PASSWORD when one is set', async () => {
    const custom = await startSandbox({ password: 'not-the-default' });
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${custom.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/v2/token', { realm: 'r', username: 'u', password: 'sandbox' })).status).toBe(400);
      expect((await post('/v3/token', { access_key: 'k', secret: 'sandbox' })).status).toBe(400);
      expect(
        (await post('/v2/token', { realm: 'any', username: 'one', password: 'not-the-default' })).status,
      ).toBe(200);
      expect((await post('/v3/token', { access_key: 'k', secret: 'not-the-default' })).status).toBe(200);
    } finally {
      await custom.close();
    }
  });

  it('announces the configured token lifetime in expires_in', async () => {
    const client = new SandboxClient(sandbox);
    await client.control('PATCH', '/settings', { tokenExpiresInSeconds: 120 });
    try {
      const res = await postJson('/v3/token', { access_key: 'key-1', secret: 'sandbox' });
      expect(await res.json()).toMatchObject({ expires_in: 120 });
    } finally {
      await client.control('PATCH', '/settings', { tokenExpiresInSeconds: 86400 });
    }
  });

  it.each([
    ['POST', '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING'],
    ['POST', '/v2/workflows/create-and-screen'],
    ['GET', '/v2/workflows/wf_x'],
    ['GET', '/v2/customers/cust_x'],
    ['GET', '/v2/customers/external/CUST-1'],
    ['GET', '/v2/customers/cust_x/monitor'],
    ['PATCH', '/v2/customers/cust_x/monitor'],
    ['POST', '/v2/customers/cust_x/workflows/sync/update-and-rescore'],
    ['PATCH', '/v2/customers/cust_x/workflows/sync/update-and-rescore'],
    ['GET', '/v2/customers/cust_x/cases'],
    ['GET', '/v2/cases/case_x'],
    ['GET', '/v2/cases/case_x/alerts'],
    ['POST', '/v2/notifications/configurations/webhook'],
    ['GET', '/v2/notifications/configurations/webhook'],
    ['PATCH', '/v2/notifications/configurations/webhook/webhook_x'],
    ['POST', '/v2/notifications/configurations/webhook/test'],
  ])('answers 401 to %s %s without a bearer token', async (method, path) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    // The route exists: with a token it gets past auth and is not the "no such route" 404.
    const withToken = await new SandboxClient(sandbox).request(
      method,
      path,
      method === 'GET' ? undefined : {},
    );
    expect(withToken.status).not.toBe(401);
    expect(String(at(withToken.body, 'detail'))).not.toContain('No route');
  });

  describe('a credentials outage (refuseTokensForMs)', () => {
    const control = () => new SandboxClient(sandbox);
    afterEach(async () => {
      await control().settings({ refuseTokensForMs: 0, tokenRefusalStatus: 401 });
    });

    it('refuses both token routes with 401 invalid_client for the window, then accepts again', async () => {
      const started = Date.now();
      const settings = await control().settings({ refuseTokensForMs: 600 });
      const until = Date.parse(String(at(settings.body, 'refuseTokensUntil')));
      expect(until).toBeGreaterThanOrEqual(started + 600);
      for (const [path, body] of [
        ['/v2/token', { realm: 'r', username: 'u', password: 'sandbox' }],
        ['/v3/token', { access_key: 'key-1', secret: 'sandbox' }],
      ] as const) {
        const refused = await postJson(path, body);
        expect(refused.status).toBe(401);
        expect(await refused.json()).toEqual({
          error: 'invalid_client',
          error_description: expect.any(String),
        });
      }
      const accepted = await eventually(
        async () => {
          const res = await postJson('/v3/token', { access_key: 'key-1', secret: 'sandbox' });
          return res.status === 200 ? Date.now() : undefined;
        },
        'tokens to be accepted again',
        5_000,
      );
      expect(accepted).toBeGreaterThanOrEqual(until);
    });

    it('answers 400 when tokenRefusalStatus says so, and refuses nothing once the window is set to 0', async () => {
      await control().settings({ refuseTokensForMs: 60_000, tokenRefusalStatus: 400 });
      const refused = await postJson('/v3/token', { access_key: 'key-1', secret: 'sandbox' });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_client' });
      const cleared = await control().settings({ refuseTokensForMs: 0 });
      expect(at(cleared.body, 'refuseTokensUntil')).toBeNull();
      expect((await postJson('/v3/token', { access_key: 'key-1', secret: 'sandbox' })).status).toBe(200);
    });

    it('keeps accepting tokens issued before the window', async () => {
      const client = new SandboxClient(sandbox);
      await client.bearer();
      await control().settings({ refuseTokensForMs: 60_000 });
      expect((await client.get('/v2/customers/cust_missing')).status).toBe(404);
    });

    it('ends with a reset', async () => {
      await control().settings({ refuseTokensForMs: 60_000 });
      sandbox.reset();
      expect(sandbox.settings().refuseTokensUntil).toBeNull();
      expect((await postJson('/v3/token', { access_key: 'key-1', secret: 'sandbox' })).status).toBe(200);
    });
  });

  it('lets a token expire after expires_in seconds', async () => {
    const shortLived = await startSandbox({ tokenExpiresInSeconds: 1 });
    try {
      const client = new SandboxClient(shortLived);
      const token = await client.bearer();
      const first = await client.get('/v2/customers/cust_missing');
      expect(first.status).toBe(404);
      const expired = await eventually(
        async () => {
          const res = await fetch(`${shortLived.url}/v2/customers/cust_missing`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return res.status === 401 ? await res.json() : undefined;
        },
        'the token to expire',
        5_000,
      );
      expect(expired).toMatchObject({ status: 401, detail: expect.stringContaining('expired') });
    } finally {
      await shortLived.close();
    }
  });
});
