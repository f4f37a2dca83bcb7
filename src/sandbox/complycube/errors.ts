import type { z } from 'zod';

/**
 * ComplyCube's error body, `{type, message, param?}`: clients classify by status and `type`, never by
 * `message`. Thrown by handlers; the one error handler in server.ts renders it.
 */
export class ComplyCubeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ComplyCubeError';
  }

  body(): { type: string; message: string; param?: string } {
    return {
      type: this.type,
      message: this.message,
      ...(this.param === undefined ? {} : { param: this.param }),
    };
  }
}

export function invalidRequest(message: string, param?: string): ComplyCubeError {
  return new ComplyCubeError(400, 'invalid_request', message, param);
}

export function notFound(what: string, id: string): ComplyCubeError {
  return new ComplyCubeError(404, 'resource_not_found', `${what} '${id}' was not found`);
}

/** The `type` the sandbox gives a status it produces without a more specific one. */
export function typeForStatus(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'resource_not_found',
    413: 'request_too_large',
    429: 'rate_limit_exceeded',
  };
  return types[status] ?? (status >= 500 ? 'internal_server_error' : 'invalid_request');
}

/** The dotted path of a zod issue, as ComplyCube names a field in `param` (`personDetails.firstName`). */
function pathOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  // An unknown key is reported on its parent object; the key itself is the offending field.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  return path.join('.');
}

/** Parses a request body; the first problem becomes a 400 naming its field, as ComplyCube reports one at a time. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = pathOf(issue);
  if (param === '') throw invalidRequest(`The request body is invalid: ${issue.message}`);
  // Values are never echoed: they may be personal data.
  if (issue.code === 'invalid_type' && issue.input === undefined)
    throw invalidRequest(`"${param}" is required`, param);
  if (issue.code === 'unrecognized_keys') throw invalidRequest(`"${param}" is not allowed`, param);
  throw invalidRequest(`"${param}" is invalid: ${issue.message}`, param);
}
