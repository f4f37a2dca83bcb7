import { startSandbox, type Sandbox } from '../../src/sandbox';
import { eventually, SandboxClient } from './sandbox-client';

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
