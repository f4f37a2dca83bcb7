import type { z } from 'zod';

/**
 * The sandbox's error body, `{error, message, fields?}` (the vendor documents none; this one is ours).
 * Messages and field errors name fields, never values: bodies hold personal data.
 */
export interface RiskErrorBody {
  error: string;
  message: string;
  fields?: { field: string; message: string }[];
}

export class RiskSandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'RiskSandboxError';
  }

  body(): RiskErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.fields !== undefined && { fields: this.fields }),
    };
  }
}

export function codeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized',
    404: 'not_found',
    413: 'request_too_large',
    415: 'unsupported_media_type',
    425: 'too_early',
    429: 'rate_limited',
    503: 'service_unavailable',
  };
  return codes[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
}

/** Parses a body; every problem becomes one field error (an unknown key is named as the field). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'is not allowed' }));
    }
    return [{ field: path.length > 0 ? path.join('.') : 'body', message: issue.message }];
  });
  throw new RiskSandboxError(400, 'invalid_request', 'The request body is invalid', fields);
}
