import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import {
  headerValue,
  responseProblems,
  retryAfterHeaderMs,
  statusLine,
  transportFailure,
} from '../common/http-status';
import { CaClassicError, type CaClassicErrorKind } from './api';

/**
 * Every ComplyAdvantage classic failure is classified here, once (docs/providers/ca-classic.md, "Errors").
 * A failure answers a non-200 status with `{code, message, status: "failure"}`; the status decides, and
 * the message carries the envelope's numeric `code` at most, never its `message`, which may echo the
 * search term (a person's name).
 *
 * Refusals of our request are final (400, 404, 413, 422). Refused credentials (401, 403) are retried, as
 * for ComplyCube: a key can be rotated, and an operator's fix must let the onboardings resume rather than
 * fail them; the run's outage logic sees a provider that stays unavailable. 429, 5xx, timeouts and network
 * failures are retried, after `Retry-After` when the answer sends one.
 */

const failureBodySchema = z.looseObject({
  code: z.coerce.number().int().optional().catch(undefined),
});

/** The envelope's `code`, when it is a plain number (the samples use the HTTP status). */
export function failureCodeOf(body: unknown): number | undefined {
  const parsed = failureBodySchema.safeParse(body);
  const code = parsed.success ? parsed.data.code : undefined;
  return code !== undefined && code >= 0 && code <= 99_999 ? code : undefined;
}

const FINAL: Record<number, CaClassicErrorKind> = {
  400: 'CaClassicInvalidRequest',
  404: 'CaClassicNotFound',
  413: 'CaClassicInvalidRequest',
  422: 'CaClassicUnprocessable',
};

function describe(operation: string, status: number, code: number | undefined): string {
  return [
    `ComplyAdvantage classic ${operation} failed: ${statusLine(status)}`,
    code !== undefined && code !== status ? ` (code ${code})` : '',
  ].join('');
}

/**
 * A non-200 answer (or a 200 whose envelope says `failure`, classified by its `code`) as a CaClassicError.
 * `headers` give the `Retry-After` wait, `nowMs` reads its date form.
 */
export function errorFromStatus(
  operation: string,
  status: number,
  body: unknown,
  headers: IncomingHttpHeaders = {},
  nowMs = Date.now(),
): CaClassicError {
  const code = failureCodeOf(body);
  const message = describe(operation, status, code);
  const retryAfterMs = retryAfterHeaderMs(headerValue(headers, 'retry-after'), nowMs);
  const base = { status, operation, ...(code !== undefined && { code }) };
  const wait = retryAfterMs !== undefined ? { retryAfterMs } : {};

  const final = FINAL[status];
  if (final !== undefined) return new CaClassicError(final, message, { ...base, retryable: false });
  if (status === 401) {
    return new CaClassicError('CaClassicUnauthorized', `${message}; check CA_CLASSIC_API_KEY`, {
      ...base,
      retryable: true,
      credentials: true,
    });
  }
  if (status === 403) {
    return new CaClassicError(
      'CaClassicForbidden',
      `${message}; check the permissions of CA_CLASSIC_API_KEY's user`,
      {
        ...base,
        retryable: true,
        credentials: true,
      },
    );
  }
  if (status === 429) {
    return new CaClassicError('CaClassicRateLimited', message, { ...base, ...wait, retryable: true });
  }
  if (status >= 500 && status <= 599) {
    return new CaClassicError('CaClassicServerError', message, { ...base, ...wait, retryable: true });
  }
  if (status >= 400 && status <= 499) {
    return new CaClassicError('CaClassicClientError', message, { ...base, retryable: true });
  }
  // 1xx/2xx other than 200, 3xx: none documented; a redirect is not followed, so the key stays where it was sent.
  return new CaClassicError(
    'CaClassicInvalidResponse',
    `ComplyAdvantage classic ${operation}: unexpected status ${status}`,
    { status, retryable: false, operation },
  );
}

/** A 200 whose body lacks what we use: a schema mismatch does not fix itself, so final. */
export function invalidResponse(
  operation: string,
  error: z.ZodError,
  status: number,
  pathPrefix: readonly PropertyKey[] = [],
): CaClassicError {
  return new CaClassicError(
    'CaClassicInvalidResponse',
    `ComplyAdvantage classic ${operation} answered ${status} with an unexpected body — ${responseProblems(error, pathPrefix)}`,
    { status, retryable: false, operation },
  );
}

/** A request that got no answer: timeout or a broken connection, both retried. */
export function errorFromTransport(operation: string, error: unknown, timeoutMs: number): CaClassicError {
  const { timeout, message } = transportFailure('ComplyAdvantage classic', operation, error, timeoutMs);
  return new CaClassicError(timeout ? 'CaClassicTimeout' : 'CaClassicNetwork', message, {
    retryable: true,
    operation,
  });
}

/** A 200 whose shape is wrong in a way a schema does not name (e.g. several searches where one was asked). */
export function unexpectedBody(operation: string, status: number, what: string): CaClassicError {
  return new CaClassicError(
    'CaClassicInvalidResponse',
    `ComplyAdvantage classic ${operation} answered ${status} with an unexpected body — ${what}`,
    { status, retryable: false, operation },
  );
}
