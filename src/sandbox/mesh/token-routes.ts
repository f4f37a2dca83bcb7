import type { FastifyInstance } from 'fastify';
import { checkCredentials } from './auth';
import type { SandboxContext } from './context';
import { tokensRefused } from './settings';

/**
 * POST /v2/token (the guide's, deprecated) and POST /v3/token (access key/secret): docs/providers/mesh.md,
 * "Authentication".
 */
export const TOKEN_ROUTES = new Set(['/v2/token', '/v3/token']);

export function registerTokenRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  for (const version of ['v2', 'v3'] as const) {
    app.post(`/${version}/token`, (request, reply) => {
      // A credentials outage (a rotated secret, a locked API user) for a while, then back to normal.
      if (tokensRefused(ctx.settings, Date.now())) {
        return reply.code(ctx.settings.tokenRefusalStatus).send({
          error: 'invalid_client',
          error_description: 'Client authentication failed (sandbox: tokens refused for a while)',
        });
      }
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
