import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { AesGcmCodec } from '../../src/platform/codec/aes-gcm-codec';
import { buildCodecServer } from '../../src/codec-server/app';
import { loadCodecServerConfig } from '../../src/codec-server/config';
import { Secret } from '../../src/providers/mesh/config';
import { keyConfig } from '../codec/support';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only: jest on Node 20 cannot load
// it; only inject's `cookies` option uses it (same workaround as test/bridge/app.test.ts).
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const UI_ORIGIN = 'http://localhost:8233';
const TOKEN = 'codec-server-test-token-0123456789';
const customer = { external_identifier: 'CUST-1', person: { first_name: 'Victor', last_name: 'Bout' } };

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

const codec = new AesGcmCodec(keyConfig('ui-key'));

function server(authToken?: string): FastifyInstance {
  return buildCodecServer({
    config: {
      corsOrigins: [UI_ORIGIN, 'http://127.0.0.1:8233'],
      authToken: authToken === undefined ? undefined : new Secret(authToken),
    },
    codec,
    namespace: 'default',
  });
}

const post = (url: string, payloads: JsonPayload[], extra: Partial<InjectOptions> = {}): InjectOptions => ({
  method: 'POST',
  url,
  payload: { payloads },
  remoteAddress: '127.0.0.1',
  ...extra,
  headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...extra.headers },
});

describe('codec server', () => {
  it('decodes what the worker encrypted into the payloads the Web UI shows', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(customer)]);
    const res = await server().inject(post('/decode', [toJson(encrypted!)]));
    expect(res.statusCode).toBe(200);
    const { payloads } = res.json<{ payloads: JsonPayload[] }>();
    expect(defaultPayloadConverter.fromPayload(fromJson(payloads[0]!))).toEqual(customer);
  });

  it('encodes payloads (e.g. a signal sent from the UI) so the worker can decrypt them', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload(customer));
    const res = await server().inject(post('/encode', [plain]));
    expect(res.statusCode).toBe(200);
    const [encoded] = res.json<{ payloads: JsonPayload[] }>().payloads;
    expect(Buffer.from(encoded!.metadata['encoding']!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded!.data, 'base64').toString('latin1')).not.toContain('Victor');
    const [decoded] = await codec.decode([fromJson(encoded!)]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(customer);
  });

  it('answers 400 naming the key id when a payload was encrypted with a key it does not hold', async () => {
    const [foreign] = await new AesGcmCodec(keyConfig('retired')).encode([
      defaultPayloadConverter.toPayload(1),
    ]);
    const res = await server().inject(post('/decode', [toJson(foreign!)]));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain('key "retired", which is not configured');
  });

  it('refuses a body that is not the codec protocol, saying what it expects', async () => {
    const res = await server().inject({ ...post('/decode', []), payload: { payload: [] } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain('body.payloads');
  });

  it('refuses a namespace whose keys it does not hold', async () => {
    const res = await server().inject(post('/decode', [], { headers: { 'x-namespace': 'other' } }));
    expect(res.statusCode).toBe(403);
    expect(res.json<{ message: string }>().message).toBe(
      'this codec server holds the keys of namespace "default" only',
    );
  });

  describe('CORS', () => {
    it('lets the configured Web UI origin preflight with credentials and the UI headers', async () => {
      const res = await server(TOKEN).inject({
        method: 'OPTIONS',
        url: '/decode',
        remoteAddress: '10.1.2.3',
        headers: {
          origin: UI_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toBe(
        'authorization, content-type, x-namespace',
      );
      expect(res.headers['access-control-allow-methods']).toContain('POST');
    });

    it('answers the UI origin’s decode with its CORS headers', async () => {
      const res = await server().inject(post('/decode', [], { headers: { origin: UI_ORIGIN } }));
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    });

    it('refuses any other origin, preflight or not, without CORS headers', async () => {
      const preflight = await server().inject({
        method: 'OPTIONS',
        url: '/decode',
        remoteAddress: '127.0.0.1',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

      const decode = await server().inject(
        post('/decode', [], { headers: { origin: 'https://evil.example' } }),
      );
      expect(decode.statusCode).toBe(403);
      expect(decode.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('with CODEC_SERVER_AUTH_TOKEN', () => {
    it('answers 401 without a token and with a wrong one', async () => {
      const app = server(TOKEN);
      const none = await app.inject(post('/decode', []));
      const wrong = await app.inject(post('/decode', [], { headers: { authorization: `Bearer ${TOKEN}x` } }));
      const basic = await app.inject(post('/decode', [], { headers: { authorization: `Basic ${TOKEN}` } }));
      for (const res of [none, wrong, basic]) {
        expect(res.statusCode).toBe(401);
        expect(res.json<{ message: string }>().message).toBe(
          'expected Authorization: Bearer <CODEC_SERVER_AUTH_TOKEN>',
        );
      }
    });

    it('serves a remote client (the Web UI of a colleague) that presents the token', async () => {
      const res = await server(TOKEN).inject(
        post('/decode', [], {
          remoteAddress: '10.1.2.3',
          headers: { authorization: `Bearer ${TOKEN}`, origin: UI_ORIGIN },
        }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ payloads: [] });
    });
  });

  describe('without CODEC_SERVER_AUTH_TOKEN', () => {
    it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])(
      'serves a client on this machine (%s)',
      async (address) => {
        const res = await server().inject(post('/decode', [], { remoteAddress: address }));
        expect(res.statusCode).toBe(200);
      },
    );

    it('serves a real loopback connection', async () => {
      const app = server();
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const res = await fetch(`${address}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: UI_ORIGIN },
          body: JSON.stringify({ payloads: [] }),
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ payloads: [] });
      } finally {
        await app.close();
      }
    });

    it('refuses clients on other machines', async () => {
      const res = await server().inject(post('/decode', [], { remoteAddress: '192.168.1.20' }));
      expect(res.statusCode).toBe(403);
      expect(res.json<{ message: string }>().message).toBe(
        'without CODEC_SERVER_AUTH_TOKEN only clients on this machine or in CODEC_SERVER_TRUSTED_CLIENTS are served',
      );
    });

    it('serves the addresses listed in CODEC_SERVER_TRUSTED_CLIENTS (a container network gateway), and only those', async () => {
      const { trustedClients } = loadCodecServerConfig({ CODEC_SERVER_TRUSTED_CLIENTS: '172.31.250.1/32' });
      const app = buildCodecServer({
        config: { corsOrigins: [UI_ORIGIN], authToken: undefined, trustedClients },
        codec,
        namespace: 'default',
      });
      const from = async (remoteAddress: string) =>
        (await app.inject(post('/decode', [], { remoteAddress }))).statusCode;
      expect(await from('172.31.250.1')).toBe(200);
      expect(await from('::ffff:172.31.250.1')).toBe(200);
      expect(await from('172.31.250.7')).toBe(403);
    });
  });

  it('answers /healthz to anyone, for probes', async () => {
    const res = await server(TOKEN).inject({ method: 'GET', url: '/healthz', remoteAddress: '10.1.2.3' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});
