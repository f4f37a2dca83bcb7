import { randomUUID } from 'node:crypto';

/** One entry of `properties.errors`, as the reference's problem details list them. */
export interface FieldError {
  field: string;
  reasons: string[];
  rejected: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Thrown by handlers; the one error handler renders it. Keeps every 4xx the sandbox produces in the
 * reference's problem-details shape (docs/providers/mesh.md, "Errors and rate limits").
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export function problemBody(
  status: number,
  title: string,
  detail: string,
  instance: string,
  errors: FieldError[] = [],
): Record<string, unknown> {
  return {
    type: `https://api.mesh.complyadvantage.com/problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    title,
    status,
    detail,
    instance,
    properties: { errors },
    identifier: randomUUID(),
    timestamp: new Date().toISOString(),
  };
}

export function badRequest(errors: FieldError[], detail = 'The request is invalid'): ProblemError {
  const named = errors.map((e) => e.field).join(', ');
  return new ProblemError(400, 'Bad Request', errors.length > 0 ? `${detail}: ${named}` : detail, errors);
}

export function notFound(what: string, identifier: string): ProblemError {
  return new ProblemError(404, 'Not Found', `${what} '${identifier}' was not found`);
}

/** The titles the sandbox uses for statuses it renders without a more specific one. */
export function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return titles[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
