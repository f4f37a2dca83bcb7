import { setTimeout as sleep } from 'node:timers/promises';
import { CLIENT_ID, CLIENT_SECRET, CosApi, personal, useCosSandbox } from './cos-client';

describe('COS sandbox: token and bearer auth', () => {
  const { api, control, sandbox } = useCosSandbox();

  it('issues a Bearer token for client credentials sent as a form, scope and audience accepted', async () => {
    const fresh = new CosApi(sandbox().url);
    const answer = await fresh.requestToken({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      audience: 'https://api.crbcos.com/',
      scope: 'core webhooks',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^\S{20,}$/),
      expires_in: 86_400,
      token_type: 'Bearer',
      scope: 'core webhooks',
    });
    expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    fresh.token = answer.body.access_token as string;
    expect((await fresh.post('/core/v1/cm/customers', personal())).status).toBe(201);
  });

  it('refuses a JSON body, another grant type, and wrong or missing credentials', async () => {
    await control().resetStats();
    const fresh = new CosApi(sandbox().url);
    const json = await fresh.requestToken(
      {},
      {
        contentType: 'application/json',
        raw: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
        }),
      },
    );
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ error: 'invalid_request' });

    const grant = await fresh.requestToken({
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(grant.status).toBe(400);
    expect(grant.body).toMatchObject({ error: 'unsupported_grant_type' });

    const wrong = await fresh.requestToken({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: 'not-the-secret',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });

    const missing = await fresh.requestToken({ grant_type: 'client_credentials' });
    expect(missing.status).toBe(401);
    expect((await control().stats()).tokensIssued).toBe(0);
  });

  it('takes the credentials from HTTP Basic too (client_secret_basic)', async () => {
    const response = await fetch(`${sandbox().url}/connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(200);
  });

  it('answers 401 to an API call without a token, with an unknown one, and with a Basic header', async () => {
    const anonymous = new CosApi(sandbox().url);
    const none = await anonymous.get('/core/v1/cm/customers/00000000-0000-0000-0000-000000000001');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    anonymous.token = 'made-up';
    expect((await anonymous.post('/core/v1/cm/customers', personal())).status).toBe(401);
    const basic = await anonymous.request('GET', '/webhooks/v1/registrations', undefined, {
      authorization: 'Basic abc',
    });
    expect(basic.status).toBe(401);
    expect((await control().customers()).length).toBe(0);
  });

  it('stops a token at its expiry, and all tokens at once on the control route', async () => {
    await control().settings({ tokenExpiresInSeconds: 1 });
    const shortLived = new CosApi(sandbox().url);
    const answer = await shortLived.requestToken();
    expect(answer.body.expires_in).toBe(1);
    shortLived.token = answer.body.access_token as string;
    expect((await shortLived.get('/webhooks/v1/registrations')).status).toBe(200);
    await sleep(1_100);
    const expired = await shortLived.get('/webhooks/v1/registrations');
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ status: 401, detail: 'The access token has expired' });

    expect((await api().get('/webhooks/v1/registrations')).status).toBe(200);
    expect(await control().expireTokens()).toBeGreaterThanOrEqual(1);
    expect((await api().get('/webhooks/v1/registrations')).status).toBe(401);
    await api().login();
    expect((await api().get('/webhooks/v1/registrations')).status).toBe(200);
  });

  it('refuses tokens while a token-refused fault lasts (401 invalid_client, or a 5xx)', async () => {
    await control().addFault({ kind: 'token-refused', count: 1 });
    await control().addFault({ kind: 'token-refused', status: 503, count: 1 });
    const fresh = new CosApi(sandbox().url);
    const first = await fresh.requestToken();
    expect(first.status).toBe(401);
    expect(first.body).toMatchObject({ error: 'invalid_client' });
    const second = await fresh.requestToken();
    expect(second.status).toBe(503);
    expect((await fresh.requestToken()).status).toBe(200);
    expect((await control().stats()).faultsInjected).toEqual({ 'token-refused': 2 });
  });
});
