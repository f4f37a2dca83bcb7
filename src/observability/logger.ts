import pino, { type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type { LogLevelName } from '../config/logging';

/**
 * Field names whose values never reach a log line, at any depth and in arrays, whatever a future log
 * call passes: secrets and credentials, and the customer's personal data (names, dates of birth,
 * addresses, contact details, identity documents) including whole customer objects and the request
 * bodies and payloads that carry them. Matching ignores case, `_` and `-` (`date_of_birth`,
 * `dateOfBirth`). Identifiers are not personal data here and are logged on purpose: the external
 * identifier, Mesh's customer and case identifiers, webhook ids, workflow ids.
 */
export const REDACT_KEYS: readonly string[] = [
  // secrets and credentials
  'secret',
  'secrets',
  'webhookSecret',
  'webhookSecrets',
  'legacySecret',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'accessKey',
  'clientSecret',
  'authorization',
  'proxyAuthorization',
  'cookie',
  'setCookie',
  'signature',
  'webhookSignature',
  'xComplyadvantageSignature',
  // whole documents that hold personal data
  'customer',
  'person',
  'company',
  'body',
  'payload',
  'rawBody',
  // personal data fields (guide Appendix B)
  'name',
  'names',
  'firstName',
  'middleName',
  'lastName',
  'fullName',
  'legalName',
  'alias',
  'aliases',
  'dateOfBirth',
  'dob',
  'birthDate',
  'placeOfBirth',
  'address',
  'addresses',
  'addressLine1',
  'addressLine2',
  'email',
  'emailAddress',
  'emailAddresses',
  'phone',
  'phoneNumber',
  'phoneNumbers',
  'contactInformation',
  'nationality',
  'personalIdentification',
  'identityDocuments',
  'passportNumber',
  'nationalId',
];

/**
 * pino `redact` paths for what the key walk below does not see: child-logger bindings and values written
 * by serializers (Fastify's `req`). Exact top-level paths only: a `*.key` wildcard per key made every line
 * cost ~220 µs instead of ~5 µs and the bridge spend a third of its CPU in redaction
 * (bench/bridge-throughput.ts); nested keys are the key walk's job.
 */
export const REDACT_PATHS: readonly string[] = [
  ...[...new Set(REDACT_KEYS.flatMap((key) => [key, snakeCase(key)]))].filter(
    // Top-level `name` is pino's own logger name (worker, bridge, starter).
    (key) => key !== 'name',
  ),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'req.headers["x-complyadvantage-signature"]',
  'req.body',
];

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export const REDACTED = '[redacted]';

const normalise = (key: string) => key.replace(/[-_]/g, '').toLowerCase();
const REDACTED_KEYS: ReadonlySet<string> = new Set(REDACT_KEYS.map(normalise));
/** Deeper than any log object here; bounds the walk (and cycles). */
const MAX_DEPTH = 12;

export function isRedactedKey(key: string): boolean {
  return REDACTED_KEYS.has(normalise(key));
}

/** A copy of `value` with every redacted key censored; plain objects and arrays only (errors, dates stay). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isRedactedKey(key) && item !== undefined ? REDACTED : redact(item, depth + 1);
  }
  return out;
}

export interface CreateLoggerOptions {
  /** The process: worker, bridge, starter. */
  name: string;
  level: LogLevelName;
  /** Defaults to stdout; the starter writes to stderr so its stdout stays the human-readable result. */
  destination?: DestinationStream;
}

export function loggerOptions({ name, level }: Pick<CreateLoggerOptions, 'name' | 'level'>): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    // The Temporal SDK passes errors as `error`; both keys get pino's error serializer.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    formatters: { log: (object) => redact(object) as Record<string, unknown> },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/**
 * Where a process's JSON lines go (stdout unless told otherwise), written asynchronously: lines logged
 * while a write is in flight go out together in the next one. A synchronous write per line cost the bridge
 * about a tenth of its CPU, one write(2) per webhook (bench/bridge-throughput.ts). pino flushes what is
 * pending when the process exits, process.exit() included; only a SIGKILL can lose the last lines.
 */
export function logDestination(dest: number | string = 1): DestinationStream {
  return pino.destination({ dest, sync: false });
}

/** The one JSON logger of every process, with the shared redaction. */
export function createLogger(options: CreateLoggerOptions): PinoLogger {
  return pino(loggerOptions(options), options.destination ?? logDestination());
}

export type { PinoLogger };
