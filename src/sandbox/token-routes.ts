import type { FastifyInstance } from 'fastify';
import { checkCredentials } from './auth';
import type { SandboxContext } from './context';

/** POST /v2/token (guide, Step 1; deprecated in the reference) and POST /v3/token (access key/secret). */
export const TOKEN_ROUTES = new Set(['/v2/token', '/v3/token']);

export function registerTokenRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  for (const version of ['v2', 'v3'] as const) {
    app.post(`/${version}/token`, (request, reply) => {
      const verdict = checkCredentials(version, request.body, ctx.password);
      if ('error' in verdict) return reply.code(400).send(verdict);
      const expiresIn = ctx.settings.tokenExpiresInSeconds;
      return {
        access_token: ctx.tokens.issue(verdict.subject, expiresIn),
        token_type: 'Bearer',
        expires_in: expiresIn,
        scope: 'openid profile email',
      };
    });
  }
}
