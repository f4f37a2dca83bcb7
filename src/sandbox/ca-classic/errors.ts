import type { z } from 'zod';

/**
 * ComplyAdvantage classic's failure envelope: a non-200 status with `{code, message, status: "failure"}`
 * (the reference's only sample is a 500). Clients classify by the HTTP status and `code`; `message` carries
 * details for a person and names fields, never values (bodies hold names). Thrown by handlers; the one error
 * handler in server.ts renders it.
 */
export interface CaClassicFailureBody {
  code: number;
  message: string;
  status: 'failure';
}

export class CaClassicError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaClassicError';
  }

  body(): CaClassicFailureBody {
    return failureBody(this.status, this.message);
  }
}

export function failureBody(code: number, message: string): CaClassicFailureBody {
  return { code, message, status: 'failure' };
}

/** The message a status gets when nothing more specific is said. */
export function messageForStatus(status: number): string {
  const messages: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Request Entity Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return messages[status] ?? (status >= 500 ? 'Server Error' : 'Bad Request');
}

export function badRequest(message: string): CaClassicError {
  return new CaClassicError(400, message);
}

export function searchNotFound(id: string): CaClassicError {
  return new CaClassicError(404, `Search ${id} not found`);
}

/** The dotted path of a zod issue (`search_term.last_name`); an unknown key is named itself. */
function pathOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  return path.join('.');
}

/** Parses a request body; the first problem becomes a 400 naming its field. Values are never echoed. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = pathOf(issue);
  if (field === '') throw badRequest(`Invalid request body: ${issue.message}`);
  if (issue.code === 'invalid_type' && issue.input === undefined) throw badRequest(`${field} is required`);
  if (issue.code === 'unrecognized_keys') throw badRequest(`${field} is not a known parameter`);
  throw badRequest(`${field} is invalid: ${issue.message}`);
}
