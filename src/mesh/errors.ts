import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { formatIssuePath } from './customer-schema';
import { MeshError } from './mesh-api';

/**
 * Every Mesh failure is classified here, once (guide, "Error Handling Best Practices";
 * mesh-api-notes.md "Errors and rate limits"). Messages name the operation, the status and the fields
 * Mesh complained about, never the values it rejected: those are often personal data, and these
 * messages end up in Temporal histories and logs.
 */

const problemDetailsSchema = z.looseObject({
  title: z.string().optional().catch(undefined),
  detail: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  properties: z
    .looseObject({ errors: z.array(z.unknown()).optional().catch(undefined) })
    .optional()
    .catch(undefined),
  errors: z.array(z.unknown()).optional().catch(undefined),
});

const fieldErrorSchema = z.looseObject({
  field: z.string().optional().catch(undefined),
  reasons: z
    .union([z.array(z.unknown()), z.string()])
    .optional()
    .catch(undefined),
  reason: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
});

/** `customer.person.last_name: must not be blank` per field error; `rejected` values are dropped on purpose. */
export function fieldErrorsOf(body: unknown): string[] {
  const problem = problemDetailsSchema.safeParse(body);
  if (!problem.success) return [];
  const errors = problem.data.properties?.errors ?? problem.data.errors ?? [];
  const lines: string[] = [];
  for (const entry of errors) {
    const parsed = fieldErrorSchema.safeParse(entry);
    if (!parsed.success) continue;
    const { field, reasons, reason, message } = parsed.data;
    const why =
      (Array.isArray(reasons) ? reasons.filter((r) => typeof r === 'string').join('; ') : reasons) ??
      reason ??
      message ??
      'rejected';
    lines.push(`${field ?? '(request)'}: ${why === '' ? 'rejected' : why}`);
  }
  return lines;
}

/**
 * A one-line summary of an error body: the field errors when Mesh lists them, else its title and
 * detail (the provider's own prose describing the problem). Raw non-JSON bodies are never included.
 */
export function summariseErrorBody(body: unknown): string {
  const fields = fieldErrorsOf(body);
  const problem = problemDetailsSchema.safeParse(body);
  const title = problem.success ? problem.data.title : undefined;
  if (fields.length > 0) return [title, fields.join(', ')].filter(Boolean).join(': ');
  if (!problem.success) return '';
  const { detail, message, error } = problem.data;
  return [title ?? error, detail ?? message].filter(Boolean).join(': ');
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After`: delta seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterHeaderMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * `Ratelimit-Reset`: seconds until the window resets (mesh-api-notes.md). Some gateways send an epoch
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

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function describe(operation: string, status: number, body: unknown): string {
  const statusText = STATUS_TEXT[status] ?? '';
  const summary = summariseErrorBody(body)
    .replace(new RegExp(`^${statusText}(: |$)`), '')
    .trim();
  return `Mesh ${operation} failed: ${status}${statusText ? ` ${statusText}` : ''}${summary ? ` — ${summary}` : ''}`;
}

/**
 * A non-2xx answer as a MeshError. 401 reaches this only after the client re-authenticated once and
 * was refused again (see client.ts); 409 only when it is not a recoverable duplicate.
 */
export function errorFromStatus(
  operation: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: unknown,
  nowMs: number,
): MeshError {
  const message = describe(operation, status, body);
  if (status === 429) {
    const retryAfterMs = retryAfterMsOf(status, headers, nowMs);
    return new MeshError('RATE_LIMITED', message, {
      status,
      retryable: true,
      operation,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }
  if (status >= 500 && status <= 599) {
    const retryAfterMs = retryAfterMsOf(status, headers, nowMs);
    return new MeshError('SERVER_ERROR', message, {
      status,
      retryable: true,
      operation,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }
  // A fresh token refused straight after it was issued is a provider-side hiccup (token propagation,
  // clock skew), not a configuration problem: the token endpoint accepted the credentials moments ago.
  // Retrying later with yet another token may succeed; refused credentials are AUTHENTICATION_FAILED.
  if (status === 401) return new MeshError('UNAUTHORIZED', message, { status, retryable: true, operation });
  if (status === 403) return new MeshError('FORBIDDEN', message, { status, retryable: false, operation });
  if (status === 404) return new MeshError('NOT_FOUND', message, { status, retryable: false, operation });
  if (status === 409) return new MeshError('CONFLICT', message, { status, retryable: false, operation });
  if (status >= 400 && status <= 499) {
    return new MeshError('BAD_REQUEST', message, { status, retryable: false, operation });
  }
  // 1xx/3xx that got did not resolve: Mesh answered something this client does not understand.
  return new MeshError('INVALID_RESPONSE', `Mesh ${operation}: unexpected status ${status}`, {
    status,
    retryable: false,
    operation,
  });
}

/** The token endpoint refusing the credentials (400 `{error, error_description}`, 401, 403). */
export function authenticationFailed(
  operation: string,
  status: number,
  body: unknown,
  credentialVariables: string,
): MeshError {
  const parsed = z.looseObject({ error: z.string().optional().catch(undefined) }).safeParse(body);
  const code = parsed.success && parsed.data.error ? ` (${parsed.data.error})` : '';
  return new MeshError(
    'AUTHENTICATION_FAILED',
    `Mesh ${operation} refused the credentials: ${status}${code}; check ${credentialVariables}`,
    { status, retryable: false, operation },
  );
}

/** A 2xx whose body lacks what we use: a schema mismatch does not fix itself, so not retryable. */
export function invalidResponse(
  operation: string,
  error: z.ZodError,
  status: number,
  pathPrefix: readonly PropertyKey[] = [],
): MeshError {
  const problems = error.issues
    .slice(0, 5)
    .map((issue) => `${formatIssuePath([...pathPrefix, ...issue.path], 'response')}: ${issue.message}`);
  return new MeshError(
    'INVALID_RESPONSE',
    `Mesh ${operation} answered ${status} with an unexpected body — ${problems.join('; ')}`,
    {
      status,
      retryable: false,
      operation,
    },
  );
}

/** got's TimeoutError (code ETIMEDOUT) vs. everything else that broke the connection. */
export function errorFromTransport(operation: string, error: unknown, timeoutMs: number): MeshError {
  const name = error instanceof Error ? error.name : '';
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new MeshError('TIMEOUT', `Mesh ${operation}: no answer within ${timeoutMs} ms`, {
      retryable: true,
      operation,
    });
  }
  return new MeshError(
    'NETWORK',
    `Mesh ${operation}: connection failed (${code || name || 'unknown error'})`,
    {
      retryable: true,
      operation,
    },
  );
}
