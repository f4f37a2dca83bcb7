import { Secret } from '../../../src/providers/mesh/config';
import type { MeshHttp, MeshHttpRequest, MeshHttpResponse } from '../../../src/providers/mesh/http';
import { MeshError } from '../../../src/providers/mesh/api';
import {
  createTokenProvider,
  prefetchToken,
  tokenSchedule,
} from '../../../src/providers/mesh/token-provider';

/** A token endpoint that answers from a script and counts requests; the clock is moved by hand. */
function fakeTokenEndpoint(expiresIn = 86_400) {
  const requests: MeshHttpRequest[] = [];
  let issued = 0;
  let nextAnswer: (() => Promise<MeshHttpResponse>) | undefined;
  const http: MeshHttp = {
    timeoutMs: 1000,
    send(request) {
      requests.push(request);
      if (nextAnswer) return nextAnswer();
      issued += 1;
      return Promise.resolve({
        status: 200,
        headers: {},
        body: { access_token: `token-${issued}`, token_type: 'Bearer', expires_in: expiresIn },
      });
    },
  };
  return {
    http,
    requests,
    answerWith(fn: (() => Promise<MeshHttpResponse>) | undefined) {
      nextAnswer = fn;
    },
  };
}

const v3Config = {
  baseUrl: 'http://mesh.invalid',
  requestTimeoutMs: 1000,
  credentials: { kind: 'access-key' as const, accessKey: 'key-1', secret: new Secret('s3cret') },
};

function setup(expiresIn = 86_400) {
  const endpoint = fakeTokenEndpoint(expiresIn);
  const clock = { t: 1_000_000, now: () => clock.t };
  const provider = createTokenProvider({ config: v3Config, http: endpoint.http, clock });
  return { ...endpoint, clock, provider };
}

describe('token provider', () => {
  it('fetches a token once and reuses it for later calls', async () => {
    const { provider, requests } = setup();
    expect(await provider.getToken()).toBe('token-1');
    expect(await provider.getToken()).toBe('token-1');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: 'v3/token',
      json: { access_key: 'key-1', secret: 's3cret' },
    });
  });

  it('asks /v2/token with realm, username and password when configured that way', async () => {
    const endpoint = fakeTokenEndpoint();
    const provider = createTokenProvider({
      config: {
        ...v3Config,
        credentials: {
          kind: 'password',
          realm: 'acme',
          username: 'api@acme.test',
          password: new Secret('pw'),
        },
      },
      http: endpoint.http,
    });
    await provider.getToken();
    expect(endpoint.requests[0]).toMatchObject({
      path: 'v2/token',
      json: { realm: 'acme', username: 'api@acme.test', password: 'pw' },
    });
  });

  it('refreshes a 24 h token after 23 h, not before', async () => {
    const { provider, requests, clock } = setup(86_400);
    await provider.getToken();
    clock.t += 23 * 3_600_000 - 1;
    expect(await provider.getToken()).toBe('token-1');
    clock.t += 1;
    expect(await provider.getToken()).toBe('token-2');
    expect(requests).toHaveLength(2);
  });

  it('refreshes a 1 s token at 23/24 of its lifetime', async () => {
    const { provider, clock } = setup(1);
    await provider.getToken();
    clock.t += 950;
    expect(await provider.getToken()).toBe('token-1');
    clock.t += 10;
    expect(await provider.getToken()).toBe('token-2');
  });

  it('measures the lifetime from when the token was requested', () => {
    expect(tokenSchedule(0, 86_400)).toEqual({ refreshAtMs: 23 * 3_600_000, expiresAtMs: 24 * 3_600_000 });
  });

  it('shares one in-flight token request between concurrent callers', async () => {
    const { provider, requests, answerWith } = setup();
    let release!: () => void;
    answerWith(
      () =>
        new Promise((resolve) => {
          release = () =>
            resolve({ status: 200, headers: {}, body: { access_token: 'shared', expires_in: 86_400 } });
        }),
    );
    const callers = Array.from({ length: 20 }, () => provider.getToken());
    release();
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['shared']));
    expect(requests).toHaveLength(1);
  });

  it('fetches a new token after a 401, once however many calls saw the old one refused', async () => {
    const { provider, requests } = setup();
    const old = await provider.getToken();
    for (let i = 0; i < 5; i++) provider.invalidate(old);
    const fresh = await Promise.all([provider.getToken(), provider.getToken()]);
    expect(fresh).toEqual(['token-2', 'token-2']);
    // A late 401 for the old token must not throw the fresh one away.
    provider.invalidate(old);
    expect(await provider.getToken()).toBe('token-2');
    expect(requests).toHaveLength(2);
  });

  it.each([
    [400, { error: 'invalid_grant', error_description: 'Invalid user credentials for key-1' }],
    [401, { error: 'invalid_client', error_description: 'Client key-1 unknown' }],
    [403, { message: 'API user key-1 lacks a permission' }],
  ])(
    'reports a %i from the token endpoint as retryable AUTHENTICATION_FAILED (credentials), without echoing anything',
    async (status, body) => {
      const { provider, answerWith, requests } = setup();
      answerWith(() => Promise.resolve({ status, headers: {}, body }));
      const error = (await provider.getToken().catch((e: unknown) => e)) as MeshError;
      expect(error).toBeInstanceOf(MeshError);
      expect(error).toMatchObject({
        kind: 'AUTHENTICATION_FAILED',
        retryable: true,
        details: { status, credentials: true },
      });
      expect(error.message).toContain('MESH_ACCESS_KEY and MESH_SECRET');
      for (const secretOrProse of ['s3cret', 'key-1', 'Invalid user', 'unknown', 'permission']) {
        expect(error.message).not.toContain(secretOrProse);
      }
      // Nothing is cached: the next attempt (a Temporal retry) asks again and resumes once accepted.
      answerWith(undefined);
      expect(await provider.getToken()).toBe('token-1');
      expect(requests).toHaveLength(2);
    },
  );

  it('keeps using the current token when a proactive refresh fails before it expires', async () => {
    const { provider, clock, answerWith } = setup(86_400);
    await provider.getToken();
    clock.t += 23.5 * 3_600_000;
    answerWith(() => Promise.resolve({ status: 503, headers: {}, body: undefined }));
    expect(await provider.getToken()).toBe('token-1');
    // Once it has expired, the failure surfaces.
    clock.t += 3_600_000;
    const error = (await provider.getToken().catch((e: unknown) => e)) as MeshError;
    expect(error.kind).toBe('SERVER_ERROR');
  });

  it('lets the next call try again after a failed first fetch', async () => {
    const { provider, answerWith } = setup();
    answerWith(() => Promise.resolve({ status: 500, headers: {}, body: undefined }));
    await expect(provider.getToken()).rejects.toMatchObject({ kind: 'SERVER_ERROR', retryable: true });
    answerWith(undefined);
    expect(await provider.getToken()).toBe('token-1');
  });
});

describe('prefetchToken (worker start)', () => {
  it('leaves a token ready, so the first Mesh calls need no token request of their own', async () => {
    const { provider, requests } = setup();
    await prefetchToken(provider);
    expect(requests).toHaveLength(1);
    expect(await provider.getToken()).toBe('token-1');
    expect(requests).toHaveLength(1);
  });

  it('lets the worker start when Mesh is unreachable, warns without the credentials, and fetches on first use', async () => {
    const { provider, requests, answerWith } = setup();
    answerWith(() =>
      Promise.reject(
        new MeshError('NETWORK', 'Mesh token: connection failed (ECONNREFUSED)', {
          retryable: true,
          operation: 'token',
        }),
      ),
    );
    const warnings: string[] = [];
    await prefetchToken(provider, {
      info() {},
      warn: (message, attributes) => void warnings.push(`${message} ${JSON.stringify(attributes)}`),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ECONNREFUSED');
    expect(warnings[0]).not.toContain('s3cret');
    answerWith(undefined);
    expect(await provider.getToken()).toBe('token-1');
    expect(requests).toHaveLength(2);
  });
});
