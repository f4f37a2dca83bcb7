import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { isIP, type BlockList } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CodecServerConfig } from './config';

/**
 * The codec server the Temporal Web UI and CLI call to show decrypted payloads (Temporal's "remote
 * data encoding" protocol): POST /decode and POST /encode take and return `{ payloads: [...] }` in
 * proto3 JSON (metadata values and data in base64). Browsers reach it only from the configured UI
 * origins; every caller needs the bearer token, or, when no token is configured, must be on this machine.
 */

/** The UI sends a page of history events at a time; 2 MiB is Temporal's own limit for one payload. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'expected base64' });
const bodySchema = z.object({
  payloads: z.array(
    z.looseObject({
      metadata: z.record(z.string(), base64).nullish(),
      data: base64.nullish(),
    }),
    { error: 'expected { "payloads": [ { "metadata": {...}, "data": "<base64>" } ] }' },
  ),
});

type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]): [string, Uint8Array] => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

function toJson({ metadata, data }: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]): [string, string] => [
        k,
        Buffer.from(v).toString('base64'),
      ]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}

class HttpError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const reply = (statusCode: number, message: string) => ({
  statusCode,
  error: STATUS_CODES[statusCode] ?? 'Error',
  message,
});

/** Loopback as Node reports it, including IPv4 addresses mapped into IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Loopback, or an address the operator listed in CODEC_SERVER_TRUSTED_CLIENTS. */
export function isTrustedClient(address: string | undefined, trusted?: BlockList): boolean {
  if (isLoopback(address)) return true;
  if (address === undefined || trusted === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return trusted.check(v4, isIP(v4) === 6 ? 'ipv6' : 'ipv4');
}

/** Hashing first gives equal lengths, so the comparison takes the same time whatever the token. */
function sameToken(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export interface CodecServerDeps {
  config: Pick<CodecServerConfig, 'corsOrigins' | 'authToken'> &
    Partial<Pick<CodecServerConfig, 'trustedClients'>>;
  codec: PayloadCodec;
  /** The namespace whose keys this server holds; requests naming another one in X-Namespace are refused. */
  namespace: string;
  logger?: FastifyBaseLogger | boolean;
}

export function buildCodecServer({
  config,
  codec,
  namespace,
  logger = false,
}: CodecServerDeps): FastifyInstance {
  const app = Fastify({
    ...(typeof logger === 'boolean' ? { logger } : { loggerInstance: logger }),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    exposeHeadRoutes: false,
    return503OnClosing: true,
  });
  const allowedOrigins = new Set(config.corsOrigins);
  const token = config.authToken?.reveal();

  app.setNotFoundHandler((_request, res) => res.code(404).send(reply(404, 'no such route')));
  app.setErrorHandler((err: Error, request, res) => {
    if (err instanceof HttpError) return res.code(err.statusCode).send(reply(err.statusCode, err.message));
    const statusCode =
      'statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500
        ? err.statusCode
        : 500;
    if (statusCode < 500) return res.code(statusCode).send(reply(statusCode, err.message));
    request.log.error({ err }, 'request failed');
    return res.code(500).send(reply(500, 'internal error'));
  });

  // CORS first: a browser's preflight carries no Authorization header, and a page from any other
  // origin must get nothing it could read, not even an auth error it could probe with.
  app.addHook('onRequest', async (request, res) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!allowedOrigins.has(origin)) {
        throw new HttpError(403, 'origin not allowed: add it to CODEC_SERVER_CORS_ORIGINS');
      }
      res.header('access-control-allow-origin', origin);
      res.header('access-control-allow-credentials', 'true');
      res.header('vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      return res
        .code(204)
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .send();
    }
    if (request.url === '/healthz') return;
    if (token !== undefined) {
      const presented = bearerToken(request);
      if (presented === undefined || !sameToken(presented, token)) {
        throw new HttpError(401, 'expected Authorization: Bearer <CODEC_SERVER_AUTH_TOKEN>');
      }
    } else if (!isTrustedClient(request.socket.remoteAddress, config.trustedClients)) {
      throw new HttpError(
        403,
        'without CODEC_SERVER_AUTH_TOKEN only clients on this machine or in CODEC_SERVER_TRUSTED_CLIENTS are served',
      );
    }
  });

  // Every route answers OPTIONS through the hook above; this route only exists so the hook runs.
  app.options('*', (_request, res) => res.code(204).send());

  app.get('/healthz', () => ({ status: 'ok' }));

  const convert = (operation: 'encode' | 'decode') => async (request: FastifyRequest) => {
    const requested = request.headers['x-namespace'];
    if (typeof requested === 'string' && requested !== '' && requested !== namespace) {
      throw new HttpError(403, `this codec server holds the keys of namespace "${namespace}" only`);
    }
    const body = bodySchema.safeParse(request.body);
    if (!body.success) {
      const issue = body.error.issues[0];
      const where = issue === undefined ? 'body' : ['body', ...issue.path].join('.');
      throw new HttpError(400, `${where}: ${issue?.message ?? 'invalid'}`);
    }
    const payloads = body.data.payloads.map(fromJson);
    let converted: Payload[];
    try {
      converted = await codec[operation](payloads);
    } catch (err) {
      // The codec's messages name key ids and what to configure, never payload contents.
      throw new HttpError(400, err instanceof Error ? err.message : `cannot ${operation}`);
    }
    return { payloads: converted.map(toJson) };
  };
  app.post('/decode', convert('decode'));
  app.post('/encode', convert('encode'));

  return app;
}
