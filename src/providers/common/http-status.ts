/**
 * HTTP helpers every provider's transport and error classification share. Failure messages carry the
 * status with our own words for it, never the provider's reason phrase or body text.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { formatIssuePath } from '../../contracts/customer-schema';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  425: 'Too Early',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** `401 Unauthorized`: the status and our own words for it. */
export function statusLine(status: number): string {
  const text = STATUS_TEXT[status];
  return text === undefined ? String(status) : `${status} ${text}`;
}

/** A response body as JSON, or undefined for an empty or non-JSON body. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** got's TimeoutError (code ETIMEDOUT) vs. everything else that broke the connection. */
export function transportFailureOf(error: unknown): { timeout: boolean; code: string } {
  const name = error instanceof Error ? error.name : '';
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return {
    timeout: name === 'TimeoutError' || code === 'ETIMEDOUT',
    code: code || name || 'unknown error',
  };
}

/**
 * `<provider> <operation>: no answer within … ms` or `…: connection failed (<code>)`, and which of the
 * two it was (a transport failure is retried by every provider).
 */
export function transportFailure(
  provider: string,
  operation: string,
  error: unknown,
  timeoutMs: number,
): { timeout: boolean; message: string } {
  const { timeout, code } = transportFailureOf(error);
  return {
    timeout,
    message: timeout
      ? `${provider} ${operation}: no answer within ${timeoutMs} ms`
      : `${provider} ${operation}: connection failed (${code})`,
  };
}

/** A header's first value (`name` as Node keys them, in lower case). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After`: delta seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterHeaderMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What a 2xx body lacked, for an invalid-response failure: the first five issues, by path (`a; b`). */
export function responseProblems(error: z.ZodError, pathPrefix: readonly PropertyKey[]): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${formatIssuePath([...pathPrefix, ...issue.path], 'response')}: ${issue.message}`)
    .join('; ');
}
