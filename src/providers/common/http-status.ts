/**
 * HTTP helpers every provider's transport and error classification share. Failure messages carry the
 * status with our own words for it, never the provider's reason phrase or body text.
 */

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
