import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { CORE_REQUEST_REFUSED } from '../../contracts/core-banking';
import {
  headerValue,
  responseProblems,
  retryAfterHeaderMs,
  statusLine,
  transportFailure,
} from '../common/http-status';

/**
 * Every COS failure is classified here, once (docs/providers/cos.md, "Errors"), by the HTTP status alone:
 * the tutorial documents no error body, and a message may echo the customer's data, so no message text
 * ever reaches a failure or a log line. From a body, only the names of the fields COS complained about.
 *
 * - 400, 404, 422: COS refused the request or its data; resending the same bytes cannot help
 *   (`CoreRequestRefused`, not retryable).
 * - 401 after the one token refresh, 403 (the token lacks a scope), a refused token request: the
 *   credentials are an operator's to fix; retried, so the runs resume once they are.
 * - 408, 409 (the same key still in flight), 424 (a dependency of COS failed), 429, 5xx, other 4xx,
 *   timeouts and broken connections: retried with the same key and body, no sooner than `Retry-After`.
 */

export type CosErrorKind =
  | typeof CORE_REQUEST_REFUSED
  | 'CosUnauthorized'
  | 'CosForbidden'
  | 'CosTokenRefused'
  | 'CosTokenFailed'
  | 'CosRequestTimeout'
  | 'CosConflict'
  | 'CosDependencyFailed'
  | 'CosRateLimited'
  | 'CosServerError'
  | 'CosClientError'
  | 'CosUnexpectedStatus'
  | 'CosInvalidResponse'
  | 'CosTimeout'
  | 'CosNetwork';

export interface CosErrorDetails {
  status?: number;
  retryable: boolean;
  operation: string;
  /** The names of the fields a refusal named, when its body had any; never their values or messages. */
  fields?: string[];
  /** `Retry-After`, in ms, when COS sent one. */
  retryAfterMs?: number;
  /** Refused credentials or a missing scope: an operator must act (an alert). */
  credentials?: boolean;
}

export class CosError extends Error {
  constructor(
    readonly kind: CosErrorKind,
    message: string,
    readonly details: CosErrorDetails,
  ) {
    super(message);
    this.name = 'CosError';
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}

/** A field path such as `profile.birthDate` or `name.firstName`; anything else may be prose. */
const FIELD_NAME = /^[A-Za-z0-9_$.[\]-]{1,128}$/;
const MAX_FIELDS = 10;

const fieldEntrySchema = z.looseObject({
  field: z.string().optional().catch(undefined),
  propertyName: z.string().optional().catch(undefined),
  memberNames: z.array(z.string()).optional().catch(undefined),
});

const errorBodySchema = z.looseObject({
  errors: z
    .union([z.array(z.unknown()), z.record(z.string(), z.unknown())])
    .optional()
    .catch(undefined),
});

/**
 * The names of the fields an error body complains about, in either common shape: `errors` as a map from
 * field to messages (ASP.NET's validation problem) or as a list of `{field | propertyName | memberNames}`.
 * Only names that look like field paths, at most ten; never a value or a message.
 */
export function fieldNamesOf(body: unknown): string[] {
  const parsed = errorBodySchema.safeParse(body);
  const errors = parsed.success ? parsed.data.errors : undefined;
  if (errors === undefined) return [];
  const names = new Set<string>();
  if (Array.isArray(errors)) {
    for (const entry of errors) {
      const e = fieldEntrySchema.safeParse(entry);
      if (!e.success) continue;
      for (const name of [e.data.field, e.data.propertyName, ...(e.data.memberNames ?? [])]) {
        if (name !== undefined) names.add(name);
      }
    }
  } else {
    for (const name of Object.keys(errors)) names.add(name);
  }
  return [...names].filter((name) => FIELD_NAME.test(name)).slice(0, MAX_FIELDS);
}

/** `Retry-After`: delta seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMsOf(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  return retryAfterHeaderMs(headerValue(headers, 'retry-after'), nowMs);
}

/** Statuses that refuse the request itself: the same bytes will be refused again. */
const REFUSED = new Set([400, 404, 422]);

const RETRYABLE: Record<number, CosErrorKind> = {
  401: 'CosUnauthorized',
  403: 'CosForbidden',
  408: 'CosRequestTimeout',
  409: 'CosConflict',
  424: 'CosDependencyFailed',
  429: 'CosRateLimited',
};

/**
 * A non-2xx answer as a CosError. A 401 reaches here only after the client fetched a new token and was
 * refused again.
 */
export function errorFromStatus(
  operation: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: unknown,
  nowMs: number,
): CosError {
  if (REFUSED.has(status)) {
    const fields = fieldNamesOf(body);
    return new CosError(
      CORE_REQUEST_REFUSED,
      `COS ${operation} refused: ${statusLine(status)}${fields.length > 0 ? ` — fields: ${fields.join(', ')}` : ''}`,
      { status, retryable: false, operation, ...(fields.length > 0 && { fields }) },
    );
  }
  const retryAfterMs = retryAfterMsOf(headers, nowMs);
  const kind: CosErrorKind =
    RETRYABLE[status] ??
    (status >= 500 && status <= 599
      ? 'CosServerError'
      : status >= 400 && status <= 499
        ? 'CosClientError'
        : 'CosUnexpectedStatus');
  const hint =
    status === 401
      ? '; a new token was refused too: check COS_CLIENT_ID and COS_CLIENT_SECRET'
      : status === 403
        ? '; the token lacks a scope this call needs: check COS_SCOPE and the credentials’ permissions'
        : '';
  return new CosError(kind, `COS ${operation} failed: ${statusLine(status)}${hint}`, {
    status,
    // A 3xx is not followed (the token stays with COS_BASE_URL) and a 1xx never ends a request: both are
    // the deployment's to fix, so retried like any other answer that is not about the data.
    retryable: true,
    operation,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...((status === 401 || status === 403) && { credentials: true }),
  });
}

/**
 * A 2xx whose body lacks what we use. Retried, not final: for a write the effect may have happened, and
 * a later attempt with the same key replays it; failing the run would leave a customer at COS the
 * workflow knows nothing of. The alert is the retry count.
 */
export function invalidResponse(
  operation: string,
  error: z.ZodError,
  status: number,
  pathPrefix: readonly PropertyKey[] = [],
): CosError {
  return new CosError(
    'CosInvalidResponse',
    `COS ${operation} answered ${status} with an unexpected body — ${responseProblems(error, pathPrefix)}`,
    { status, retryable: true, operation },
  );
}

/** A request that got no answer: timeout or a broken connection, both retried with the same key. */
export function errorFromTransport(operation: string, error: unknown, timeoutMs: number): CosError {
  const { timeout, message } = transportFailure('COS', operation, error, timeoutMs);
  return new CosError(timeout ? 'CosTimeout' : 'CosNetwork', message, { retryable: true, operation });
}
