import { z } from 'zod';
import { responseProblems, statusLine, transportFailure } from '../common/http-status';
import { ComplyCubeError, type ComplyCubeErrorKind } from './api';

/**
 * Every ComplyCube failure is classified here, once (docs/providers/complycube.md, "Errors"). ComplyCube
 * answers errors as `{type, message, param?}`; the status and the `type` decide, never the `message`,
 * which may echo identifiers or the customer's data and so never reaches a failure or a log line.
 *
 * Refusals of our request or of the customer's data are final (400, 404, 413, 422). Refused credentials
 * (401, 403) and an unpaid account (402) are retried: an operator's fix must let the onboardings resume,
 * not fail them. 429 waits COMPLYCUBE_RETRY_BACKOFF (ComplyCube sends no rate-limit headers); 5xx,
 * timeouts and network failures are retried. `pending_check_unmodifiable` (422) is retried too: the
 * check leaves `pending` by itself.
 */

const errorBodySchema = z.looseObject({
  type: z.string().optional().catch(undefined),
  param: z.string().optional().catch(undefined),
});

/** An error code such as `invalid_request` or `resource_not_found`; anything else may be prose. */
const ERROR_TYPE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** A field path such as `personDetails.dob`; anything else may be prose. */
const PARAM = /^[A-Za-z0-9_$.[\]-]{1,128}$/;

/** The `type` and `param` of an error body, each only when it is a plain code or field path. */
export function errorFieldsOf(body: unknown): { errorType?: string; param?: string } {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const { type, param } = parsed.data;
  return {
    ...(type !== undefined && ERROR_TYPE.test(type) && { errorType: type }),
    ...(param !== undefined && PARAM.test(param) && { param }),
  };
}

/** The error type ComplyCube uses while a check is still running and so cannot be changed. */
const PENDING_CHECK_UNMODIFIABLE = 'pending_check_unmodifiable';

const FINAL: Record<number, ComplyCubeErrorKind> = {
  400: 'ComplyCubeInvalidRequest',
  404: 'ComplyCubeNotFound',
  413: 'ComplyCubeInvalidRequest',
  422: 'ComplyCubeUnprocessable',
};

function describe(operation: string, status: number, fields: { errorType?: string; param?: string }) {
  return [
    `ComplyCube ${operation} failed: ${statusLine(status)}`,
    fields.errorType !== undefined ? ` (type ${fields.errorType})` : '',
    fields.param !== undefined ? ` — rejected field: ${fields.param}` : '',
  ].join('');
}

/** A non-2xx answer as a ComplyCubeError. `retryBackoffMs` is the wait after a 429. */
export function errorFromStatus(
  operation: string,
  status: number,
  body: unknown,
  retryBackoffMs: number,
): ComplyCubeError {
  const fields = errorFieldsOf(body);
  const message = describe(operation, status, fields);
  const base = { status, operation, ...fields };

  if (status === 422 && fields.errorType === PENDING_CHECK_UNMODIFIABLE) {
    return new ComplyCubeError('ComplyCubeCheckPending', `${message}; the check is still pending, retrying`, {
      ...base,
      retryable: true,
    });
  }
  const final = FINAL[status];
  if (final !== undefined) return new ComplyCubeError(final, message, { ...base, retryable: false });
  if (status === 401) {
    return new ComplyCubeError('ComplyCubeUnauthorized', `${message}; check COMPLYCUBE_API_KEY`, {
      ...base,
      retryable: true,
      credentials: true,
    });
  }
  if (status === 403) {
    return new ComplyCubeError('ComplyCubeForbidden', message, {
      ...base,
      retryable: true,
      credentials: true,
    });
  }
  if (status === 402) {
    return new ComplyCubeError('ComplyCubePaymentRequired', message, {
      ...base,
      retryable: true,
      payment: true,
    });
  }
  if (status === 429) {
    return new ComplyCubeError('ComplyCubeRateLimited', message, {
      ...base,
      retryable: true,
      retryAfterMs: retryBackoffMs,
    });
  }
  if (status >= 500 && status <= 599) {
    return new ComplyCubeError('ComplyCubeServerError', message, { ...base, retryable: true });
  }
  if (status >= 400 && status <= 499) {
    return new ComplyCubeError('ComplyCubeClientError', message, { ...base, retryable: true });
  }
  // 1xx/3xx: ComplyCube documents none; a redirect is not followed, so the key stays where it was sent.
  return new ComplyCubeError(
    'ComplyCubeInvalidResponse',
    `ComplyCube ${operation}: unexpected status ${status}`,
    {
      status,
      retryable: false,
      operation,
    },
  );
}

/** A 2xx whose body lacks what we use: a schema mismatch does not fix itself, so final. */
export function invalidResponse(
  operation: string,
  error: z.ZodError,
  status: number,
  pathPrefix: readonly PropertyKey[] = [],
): ComplyCubeError {
  return new ComplyCubeError(
    'ComplyCubeInvalidResponse',
    `ComplyCube ${operation} answered ${status} with an unexpected body — ${responseProblems(error, pathPrefix)}`,
    { status, retryable: false, operation },
  );
}

/** A request that got no answer: timeout or a broken connection, both retried. */
export function errorFromTransport(operation: string, error: unknown, timeoutMs: number): ComplyCubeError {
  const { timeout, message } = transportFailure('ComplyCube', operation, error, timeoutMs);
  return new ComplyCubeError(timeout ? 'ComplyCubeTimeout' : 'ComplyCubeNetwork', message, {
    retryable: true,
    operation,
  });
}
