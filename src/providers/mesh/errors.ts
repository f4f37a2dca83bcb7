import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import {
  headerValue as header,
  responseProblems,
  retryAfterHeaderMs,
  statusLine,
  transportFailure,
} from '../common/http-status';
import { MeshError, type MeshErrorKind } from './api';

/**
 * Every Mesh failure is classified here, once (docs/providers/mesh.md,
 * "Errors and rate limits"). Messages become Temporal failure messages and log lines,
 * so they carry the operation, the status, our own status text, the problem `type`, a plain OAuth error
 * code and the names of the fields Mesh complained about: never the provider's prose (`detail`,
 * `message`, `title`, `error_description`, field `reasons`), which may quote the rejected personal data.
 *
 * Only refusals of the customer's data are permanent (400, 404, 410, 413, 422, and 409 outside
 * create-and-screen). Refused credentials or permissions (401, 403, a refused token request) are
 * retryable and marked `credentials`: a rotated secret must pause the onboardings, not fail them.
 */

const problemDetailsSchema = z.looseObject({
  type: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  properties: z
    .looseObject({ errors: z.array(z.unknown()).optional().catch(undefined) })
    .optional()
    .catch(undefined),
  errors: z.array(z.unknown()).optional().catch(undefined),
});

const fieldErrorSchema = z.looseObject({ field: z.string().optional().catch(undefined) });

/** A field path such as `customer.person.address[0].address_line1`; anything else may be prose. */
const FIELD_NAME = /^[A-Za-z0-9_$.[\]-]{1,128}$/;
/** A problem `type` is a URI reference; spaces would mean prose. */
const PROBLEM_TYPE = /^(?:https?:\/\/|urn:|about:|\/)[\x21-\x7e]{0,200}$/;
/** OAuth error codes (`invalid_client`, `invalid_grant`, …): words joined by underscores, never a name. */
const OAUTH_ERROR_CODE = /^[a-z]+(?:_[a-z]+)+$/;
const MAX_FIELDS = 10;

/** The names of the fields Mesh rejected, from `properties.errors[]` or `errors[]`; never reasons or values. */
export function fieldNamesOf(body: unknown): string[] {
  const problem = problemDetailsSchema.safeParse(body);
  if (!problem.success) return [];
  const names = new Set<string>();
  for (const entry of problem.data.properties?.errors ?? problem.data.errors ?? []) {
    const field = fieldErrorSchema.safeParse(entry);
    if (field.success && field.data.field !== undefined && FIELD_NAME.test(field.data.field)) {
      names.add(field.data.field);
    }
  }
  return [...names].slice(0, MAX_FIELDS);
}

/** The problem's `type` URI, when it is one. */
export function problemTypeOf(body: unknown): string | undefined {
  const problem = problemDetailsSchema.safeParse(body);
  const type = problem.success ? problem.data.type : undefined;
  return type !== undefined && type.length <= 200 && PROBLEM_TYPE.test(type) ? type : undefined;
}

/** The OAuth `error` code of a token refusal, when it is a plain code. */
export function oauthErrorCodeOf(body: unknown): string | undefined {
  const problem = problemDetailsSchema.safeParse(body);
  const code = problem.success ? problem.data.error : undefined;
  return code !== undefined && code.length <= 64 && OAUTH_ERROR_CODE.test(code) ? code : undefined;
}

export { retryAfterHeaderMs };

/**
 * `Ratelimit-Reset`: seconds until the window resets (docs/providers/mesh.md). Some gateways send an epoch
 * timestamp in the same header instead; a value that large cannot be a delta, so it is read as one.
 */
export function ratelimitResetMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  const seconds = Number(value);
  if (seconds > 1_000_000_000) return Math.max(0, Math.ceil(seconds * 1000 - nowMs));
  return Math.ceil(seconds * 1000);
}

/**
 * The provider's wait hint: the longer of `Ratelimit-Reset` and `Retry-After`, whichever apply.
 * `Retry-After` always does. `Ratelimit-Reset` comes on every answer and says when the account's window
 * turns over, so it is a reason to wait only when the budget is spent: a 429, or `Ratelimit-Remaining: 0`.
 * Taking it on an ordinary 503 held retries back up to a minute while the budget sat unused
 * (bench/mesh-rate-limit.ts with 10 % injected 5xx, docs/workflow.md).
 */
export function retryAfterMsOf(
  status: number,
  headers: IncomingHttpHeaders,
  nowMs: number,
): number | undefined {
  const budgetSpent = status === 429 || header(headers, 'ratelimit-remaining')?.trim() === '0';
  const hints = [
    budgetSpent ? ratelimitResetMs(header(headers, 'ratelimit-reset'), nowMs) : undefined,
    retryAfterHeaderMs(header(headers, 'retry-after'), nowMs),
  ].filter((ms): ms is number => ms !== undefined);
  return hints.length > 0 ? Math.max(...hints) : undefined;
}

export { statusLine };

function describe(operation: string, status: number, body: unknown): string {
  const type = problemTypeOf(body);
  const code = oauthErrorCodeOf(body);
  const fields = fieldNamesOf(body);
  return [
    `Mesh ${operation} failed: ${statusLine(status)}`,
    type !== undefined ? ` (type ${type})` : '',
    code !== undefined ? ` (error ${code})` : '',
    fields.length > 0 ? ` — rejected fields: ${fields.join(', ')}` : '',
  ].join('');
}

/** Statuses that say the customer's data (or the customer itself) was refused: retrying cannot help. */
const PERMANENT: Record<number, 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT'> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'NOT_FOUND',
  413: 'BAD_REQUEST',
  422: 'BAD_REQUEST',
};

function retryableKind(status: number): MeshErrorKind | undefined {
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500 && status <= 599) return 'SERVER_ERROR';
  // 401 reaches here only after the client re-authenticated once and was refused again.
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status >= 400 && status <= 499 && PERMANENT[status] === undefined) return 'CLIENT_ERROR';
  return undefined;
}

/**
 * A non-2xx answer as a MeshError. 409 reaches this only when it is not a recoverable duplicate
 * (create-and-screen recovers every 409 itself).
 */
export function errorFromStatus(
  operation: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: unknown,
  nowMs: number,
): MeshError {
  const message = describe(operation, status, body);
  const permanent = PERMANENT[status];
  if (permanent !== undefined) {
    return new MeshError(permanent, message, { status, retryable: false, operation });
  }
  const kind = retryableKind(status);
  if (kind === undefined) {
    // 1xx/3xx that were not resolved: Mesh answered something this client does not understand.
    return new MeshError('INVALID_RESPONSE', `Mesh ${operation}: unexpected status ${status}`, {
      status,
      retryable: false,
      operation,
    });
  }
  const retryAfterMs = retryAfterMsOf(status, headers, nowMs);
  return new MeshError(kind, message, {
    status,
    retryable: true,
    operation,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...((status === 401 || status === 403) && { credentials: true }),
  });
}

/**
 * The token endpoint refusing the credentials (400 `{error, error_description}`, 401, 403). Retryable:
 * the fix is an operator's (rotate the secret, restore a permission), and runs should resume by
 * themselves once it is done rather than fail for a problem that is not the customer's.
 */
export function authenticationFailed(
  operation: string,
  status: number,
  body: unknown,
  credentialVariables: string,
): MeshError {
  const code = oauthErrorCodeOf(body);
  return new MeshError(
    'AUTHENTICATION_FAILED',
    `Mesh ${operation} refused the credentials: ${statusLine(status)}${code !== undefined ? ` (${code})` : ''}; check ${credentialVariables}`,
    { status, retryable: true, operation, credentials: true },
  );
}

/** A 2xx whose body lacks what we use: a schema mismatch does not fix itself, so not retryable. */
export function invalidResponse(
  operation: string,
  error: z.ZodError,
  status: number,
  pathPrefix: readonly PropertyKey[] = [],
): MeshError {
  return new MeshError(
    'INVALID_RESPONSE',
    `Mesh ${operation} answered ${status} with an unexpected body — ${responseProblems(error, pathPrefix)}`,
    {
      status,
      retryable: false,
      operation,
    },
  );
}

/** got's TimeoutError (code ETIMEDOUT) vs. everything else that broke the connection. */
export function errorFromTransport(operation: string, error: unknown, timeoutMs: number): MeshError {
  const { timeout, message } = transportFailure('Mesh', operation, error, timeoutMs);
  return new MeshError(timeout ? 'TIMEOUT' : 'NETWORK', message, { retryable: true, operation });
}
