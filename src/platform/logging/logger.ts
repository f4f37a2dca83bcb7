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
  // personal data fields of Mesh's customer object (docs/providers/mesh.md, "Create and screen")
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
/**
 * Verdicts per key as written: log objects reuse a few dozen field names, and normalising each of them on
 * every line was most of the walk's cost. Bounded, so keys taken from data cannot grow it without limit.
 */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 1000;

export function isRedactedKey(key: string): boolean {
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = REDACTED_KEYS.has(normalise(key));
    if (verdicts.size < MAX_VERDICTS) verdicts.set(key, verdict);
  }
  return verdict;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with every redacted key censored; plain objects and arrays only (errors, dates stay). One walk,
 * copying an object or array only when something in it changed: most log lines hold nothing to censor
 * and come back as they were given.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const list = value as unknown[];
    let copy: unknown[] | undefined;
    list.forEach((item, i) => {
      const next = redact(item, depth + 1);
      if (next !== item) (copy ??= [...list])[i] = next;
    });
    return copy ?? list;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = value[key];
    const next = isRedactedKey(key) && item !== undefined ? REDACTED : redact(item, depth + 1);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/**
 * pino's `isoTime`, made once per millisecond: at thousands of lines a second most lines share their
 * millisecond with the one before, and formatting the date was a quarter of a line's cost.
 */
export function isoTime(now: () => number = Date.now): () => string {
  let lastMs = Number.NaN;
  let last = '';
  return () => {
    const ms = now();
    if (ms !== lastMs) {
      lastMs = ms;
      last = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return last;
  };
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
    timestamp: isoTime(),
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
