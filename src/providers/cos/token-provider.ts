import { z } from 'zod';
import { statusLine } from '../common/http-status';
import { silentLogger, systemClock, type Clock } from '../common/logger';
import type { CosConnectionConfig } from './config';
import { CosError, retryAfterMsOf } from './errors';
import { alert, createCosHttp, type CosHttp, type CosLogger } from './http';

/**
 * The COS bearer token (docs/providers/cos.md, "Access token"): OAuth2 client credentials against the
 * identity server (COS_TOKEN_URL, a host of its own), a form body, no refresh token. One provider per
 * process, shared by every call: the token is cached for its lifetime less a safety margin, concurrent
 * callers share one token request, and a 401 from the API drops it (`invalidate`) so the one retry gets a
 * new one. The token and the client secret never leave this module except in the request that needs them,
 * and are never logged.
 */
export interface CosTokenProvider {
  /** A token valid now; concurrent callers share one in-flight token request. */
  getToken(): Promise<string>;
  /** The API answered 401 with `rejectedToken`: drop it, unless a newer one replaced it already. */
  invalidate(rejectedToken: string): void;
}

/** Stop using a token this long before it expires (clock skew, a request in flight), or a tenth of a short lifetime. */
export const TOKEN_SAFETY_MARGIN_MS = 5 * 60_000;
/** COS documents 86400; used only if an answer omits expires_in (a 401 still refreshes it early). */
const DEFAULT_EXPIRES_IN_SECONDS = 86_400;

/** The variables an operator checks when the identity server refuses: named in the alert, never their values. */
export const COS_TOKEN_VARIABLES =
  'COS_TOKEN_URL, COS_CLIENT_ID, COS_CLIENT_SECRET, COS_SCOPE and COS_AUDIENCE';

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional().catch(undefined),
});

/** OAuth error codes (`invalid_client`, `invalid_scope`, …): plain words, never prose or a value. */
const OAUTH_ERROR_CODE = /^[a-z]+(?:_[a-z]+)*$/;
const oauthErrorSchema = z.looseObject({ error: z.string().optional().catch(undefined) });

function oauthErrorCodeOf(body: unknown): string | undefined {
  const parsed = oauthErrorSchema.safeParse(body);
  const code = parsed.success ? parsed.data.error : undefined;
  return code !== undefined && code.length <= 64 && OAUTH_ERROR_CODE.test(code) ? code : undefined;
}

/** When the cached token stops being used, measured from when its request was sent. */
export function tokenUsableUntil(requestedAtMs: number, expiresInSeconds: number): number {
  const lifetimeMs = expiresInSeconds * 1000;
  return requestedAtMs + lifetimeMs - Math.min(TOKEN_SAFETY_MARGIN_MS, lifetimeMs / 10);
}

/** `grant_type=client_credentials&client_id=…&client_secret=…[&scope=…][&audience=…]`, form-encoded. */
export function tokenRequestBody(
  config: Pick<CosConnectionConfig, 'clientId' | 'clientSecret' | 'scope' | 'audience'>,
): string {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: config.clientId,
    client_secret: config.clientSecret.reveal(),
  });
  if (config.scope !== undefined) form.set('scope', config.scope);
  if (config.audience !== undefined) form.set('audience', config.audience);
  return form.toString();
}

export function createCosTokenProvider(options: {
  config: Pick<CosConnectionConfig, 'tokenUrl' | 'clientId' | 'clientSecret' | 'scope' | 'audience'>;
  http?: CosHttp;
  requestTimeoutMs?: number;
  clock?: Clock;
  logger?: CosLogger;
}): CosTokenProvider {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const http =
    options.http ??
    createCosHttp({
      logger,
      clock,
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    });
  let current: { token: string; usableUntilMs: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const operation = 'token';
    const requestedAtMs = clock.now();
    const response = await http.send({
      operation,
      method: 'POST',
      route: 'COS_TOKEN_URL',
      url: options.config.tokenUrl,
      body: tokenRequestBody(options.config),
      contentType: 'application/x-www-form-urlencoded',
    });
    if (response.status === 400 || response.status === 401) {
      // The identity server refused the credentials (or a scope or audience): an operator's fix.
      // Retryable, and nothing is cached, so runs resume by themselves once it is made.
      const code = oauthErrorCodeOf(response.body);
      alert(logger, 'cos token request refused; check the credentials', {
        status: response.status,
        ...(code !== undefined && { oauthError: code }),
        check: COS_TOKEN_VARIABLES,
      });
      throw new CosError(
        'CosTokenRefused',
        `COS token request refused: ${statusLine(response.status)}${code !== undefined ? ` (${code})` : ''}; check ${COS_TOKEN_VARIABLES}`,
        { status: response.status, retryable: true, operation, credentials: true },
      );
    }
    if (response.status < 200 || response.status > 299) {
      // Whatever the status, a token problem is never the customer's: retried, never CoreRequestRefused.
      const retryAfterMs = retryAfterMsOf(response.headers, clock.now());
      throw new CosError('CosTokenFailed', `COS token request failed: ${statusLine(response.status)}`, {
        status: response.status,
        retryable: true,
        operation,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    const parsed = tokenResponseSchema.safeParse(response.body);
    if (!parsed.success) {
      throw new CosError(
        'CosTokenFailed',
        `COS token request answered ${response.status} without an access_token; check COS_TOKEN_URL`,
        { status: response.status, retryable: true, operation },
      );
    }
    const expiresIn = parsed.data.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS;
    current = { token: parsed.data.access_token, usableUntilMs: tokenUsableUntil(requestedAtMs, expiresIn) };
    logger.info('cos token fetched', { expiresInSeconds: expiresIn });
    return current.token;
  }

  return {
    getToken() {
      if (current !== undefined && clock.now() < current.usableUntilMs) return Promise.resolve(current.token);
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(rejectedToken) {
      // Several calls refused with the same token drop it once; a token fetched since is kept.
      if (current?.token === rejectedToken) current = undefined;
    },
  };
}
