import { z } from 'zod';
import type { MeshConfig, MeshCredentials } from './config';
import { authenticationFailed, errorFromStatus, invalidResponse } from './errors';
import {
  createMeshHttp,
  silentLogger,
  systemClock,
  type Clock,
  type MeshHttp,
  type MeshLogger,
} from './http';

/**
 * The bearer token, shared by every call of a worker process (create one client, hence one provider,
 * per process). docs/providers/mesh.md, "Authentication": tokens last 24 h, there is no refresh token, and
 * a token should be refreshed proactively at 23 h. The token value never leaves this module except as
 * the Authorization header, and is never logged.
 */
export interface TokenProvider {
  /** A token valid now; concurrent callers share one in-flight token request. */
  getToken(): Promise<string>;
  /**
   * Mesh answered 401 with `rejectedToken`: drop it so the next getToken fetches a new one. Concurrent
   * 401s for the same token cause one refetch, not one each.
   */
  invalidate(rejectedToken: string): void;
}

/** Refresh once 23/24 of the lifetime has passed: 23 h of a 24 h token, 958 ms of a 1 s one. */
export const REFRESH_AT_FRACTION_OF_LIFETIME = 23 / 24;
/** Mesh documents 86400 for both token endpoints; used only if a response omits expires_in. */
const DEFAULT_EXPIRES_IN_SECONDS = 86_400;
/** After a failed proactive refresh, wait at most this long before asking again (the old token still works). */
const RETRY_REFRESH_AFTER_MS = 60_000;

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
});

interface CachedToken {
  token: string;
  refreshAtMs: number;
  expiresAtMs: number;
}

/** When to refresh and when the token really expires, measured from when the request was sent. */
export function tokenSchedule(requestedAtMs: number, expiresInSeconds: number): Omit<CachedToken, 'token'> {
  const lifetimeMs = expiresInSeconds * 1000;
  return {
    refreshAtMs: requestedAtMs + lifetimeMs * REFRESH_AT_FRACTION_OF_LIFETIME,
    expiresAtMs: requestedAtMs + lifetimeMs,
  };
}

function tokenRequest(credentials: MeshCredentials) {
  return credentials.kind === 'access-key'
    ? {
        route: '/v3/token',
        path: 'v3/token',
        json: { access_key: credentials.accessKey, secret: credentials.secret.reveal() },
        variables: 'MESH_ACCESS_KEY and MESH_SECRET',
      }
    : {
        route: '/v2/token',
        path: 'v2/token',
        json: {
          realm: credentials.realm,
          username: credentials.username,
          password: credentials.password.reveal(),
        },
        variables: 'MESH_REALM, MESH_USERNAME and MESH_PASSWORD',
      };
}

export function createTokenProvider(options: {
  config: Pick<MeshConfig, 'baseUrl' | 'credentials' | 'requestTimeoutMs'>;
  http?: MeshHttp;
  clock?: Clock;
  logger?: MeshLogger;
}): TokenProvider {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const http =
    options.http ??
    createMeshHttp({
      baseUrl: options.config.baseUrl,
      requestTimeoutMs: options.config.requestTimeoutMs,
      logger,
      clock,
    });
  let current: CachedToken | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<CachedToken> {
    const request = tokenRequest(options.config.credentials);
    const operation = 'token';
    const requestedAtMs = clock.now();
    const response = await http.send({
      operation,
      method: 'POST',
      route: request.route,
      path: request.path,
      json: request.json,
    });
    // Refused credentials are retryable (errors.ts): the next attempt asks again, so a run resumes
    // by itself once the account is fixed. Nothing is cached, so no refusal outlives its cause.
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw authenticationFailed(operation, response.status, response.body, request.variables);
    }
    if (response.status < 200 || response.status > 299) {
      throw errorFromStatus(operation, response.status, response.headers, response.body, clock.now());
    }
    const parsed = tokenResponseSchema.safeParse(response.body);
    if (!parsed.success) throw invalidResponse(operation, parsed.error, response.status);
    const expiresIn = parsed.data.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS;
    logger.info('mesh token fetched', { route: request.route, expiresInSeconds: expiresIn });
    return { token: parsed.data.access_token, ...tokenSchedule(requestedAtMs, expiresIn) };
  }

  function refresh(): Promise<string> {
    const previous = current;
    return fetchToken().then(
      (fresh) => {
        current = fresh;
        return fresh.token;
      },
      (error: unknown) => {
        // A proactive refresh failed but the old token has not expired yet: keep using it rather than
        // fail the call, and try again a little later.
        const now = clock.now();
        if (previous !== undefined && current === previous && now < previous.expiresAtMs) {
          logger.warn('mesh token refresh failed; using the current token until it expires', {
            expiresInMs: previous.expiresAtMs - now,
          });
          current = {
            ...previous,
            refreshAtMs: now + Math.min(RETRY_REFRESH_AFTER_MS, (previous.expiresAtMs - now) / 2),
          };
          return previous.token;
        }
        throw error;
      },
    );
  }

  return {
    getToken() {
      if (current !== undefined && clock.now() < current.refreshAtMs) return Promise.resolve(current.token);
      inflight ??= refresh().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(rejectedToken) {
      if (current?.token === rejectedToken) current = undefined;
    },
  };
}

/**
 * Fetches the token before the worker polls, so the first activities find it ready. Otherwise every
 * call dispatched while the first token request is in flight (1-3 s with a burst waiting) waits for it
 * and then reaches Mesh at the same moment as the calls dispatched after it, a pile-up the rate plan does
 * not count (measured: 4 × 429 at 4.76/s, docs/workflow.md). Best effort: if Mesh cannot be reached
 * now, the worker starts anyway and the first activity fetches the token (and retries as usual).
 */
export async function prefetchToken(tokens: TokenProvider, logger: MeshLogger = silentLogger): Promise<void> {
  try {
    await tokens.getToken();
  } catch (err: unknown) {
    logger.warn('mesh token could not be fetched at start; the first Mesh call will try again', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
