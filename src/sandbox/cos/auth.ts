import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CosContext } from './context';

/**
 * The identity server's client-credentials grant (docs/providers/cos-sandbox.md, "Token"). Real COS has
 * it on a separate host; the sandbox serves it on the API's port. The body must be a form, as the OAuth2
 * spec and COS require; `scope` and `audience` are accepted and not checked. Errors use OAuth2's
 * `{error, error_description}`.
 */
export const TOKEN_PATH = '/connect/token';
const FORM = 'application/x-www-form-urlencoded';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="cos-sandbox"');
  return reply.code(status).send({ error, error_description: description });
}

/** Client credentials from the form, or from HTTP Basic (client_secret_basic) when the form has none. */
function credentialsOf(
  form: Record<string, string>,
  authorization: string | undefined,
): { id?: string | undefined; secret?: string | undefined } {
  if (form.client_id !== undefined || form.client_secret !== undefined) {
    return { id: form.client_id, secret: form.client_secret };
  }
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!basic) return {};
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return {};
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

export function registerTokenRoute(app: FastifyInstance, ctx: CosContext): void {
  app.post(TOKEN_PATH, (request, reply) => {
    const refused = ctx.faults.take('token-refused', request.method, request.url);
    if (refused) {
      ctx.stats.faultInjected('token-refused');
      return refused.status >= 500
        ? oauthError(reply, refused.status, 'server_error', 'The identity server failed (sandbox fault)')
        : oauthError(reply, refused.status, 'invalid_client', 'Client authentication failed (sandbox fault)');
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== FORM) {
      return oauthError(reply, 400, 'invalid_request', `The body must be ${FORM}`);
    }
    const form = (request.body ?? {}) as Record<string, string>;
    if (form.grant_type === undefined || form.grant_type === '') {
      return oauthError(reply, 400, 'invalid_request', 'grant_type is missing');
    }
    if (form.grant_type !== 'client_credentials') {
      return oauthError(reply, 400, 'unsupported_grant_type', 'Only client_credentials is supported');
    }
    const { id, secret } = credentialsOf(form, request.headers.authorization);
    if (
      id === undefined ||
      secret === undefined ||
      !same(id, ctx.clientId) ||
      !same(secret, ctx.clientSecret)
    ) {
      return oauthError(reply, 401, 'invalid_client', 'Client authentication failed');
    }
    const expiresIn = ctx.settings.tokenExpiresInSeconds;
    const token = randomBytes(32).toString('base64url');
    ctx.store.tokens.set(token, { clientId: id, expiresAt: Date.now() + expiresIn * 1000 });
    ctx.stats.tokensIssued += 1;
    return reply.header('cache-control', 'no-store').send({
      access_token: token,
      expires_in: expiresIn,
      token_type: 'Bearer',
      ...(form.scope === undefined ? {} : { scope: form.scope }),
    });
  });
}

/** The verdict on an API request's `Authorization`; a 401 answer names which. */
export function checkBearer(ctx: CosContext, authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return 'The Authorization header must be "Bearer <access token>"';
  const token = ctx.store.tokens.get(m[1]!);
  if (!token) return 'The access token is not valid';
  if (token.expiresAt <= Date.now()) {
    ctx.store.tokens.delete(m[1]!);
    return 'The access token has expired';
  }
  return undefined;
}

/** Every token issued so far stops working now (a key rotation, or a test of the 401 path). */
export function expireAllTokens(ctx: CosContext): number {
  const count = ctx.store.tokens.size;
  ctx.store.tokens.clear();
  return count;
}
