import type { z } from 'zod';

/**
 * The tutorial documents no error body, so the sandbox answers the shape an ASP.NET service like COS
 * gives (problem details, `errors` keyed by field): clients must classify by status alone
 * (docs/providers/cos-sandbox.md). Thrown by handlers; the one error handler in server.ts renders it.
 */
export class CosError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: Record<string, string[]>,
  ) {
    super(detail ?? title);
    this.name = 'CosError';
  }

  body(): CosErrorBody {
    return {
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

export interface CosErrorBody {
  title: string;
  status: number;
  detail?: string;
  /** A 400's fields in error, dotted (`profile.birthDate`), each with its reasons. */
  errors?: Record<string, string[]>;
}

const TITLES: Record<number, string> = {
  400: 'One or more validation errors occurred.',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Bad Request');
}

export function errorBody(status: number, detail?: string): CosErrorBody {
  return new CosError(status, titleFor(status), detail).body();
}

export function notFound(what: string, id: string): CosError {
  return new CosError(404, titleFor(404), `${what} '${id}' was not found`);
}

export function badRequest(field: string, reason: string): CosError {
  return new CosError(400, titleFor(400), undefined, { [field]: [reason] });
}

/** Parses a request body; every problem is named by its dotted field, values are never echoed. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
    const field = path.length === 0 ? '$' : path.join('.');
    const reason = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    (errors[field] ??= []).push(reason);
  }
  throw new CosError(400, titleFor(400), undefined, errors);
}
