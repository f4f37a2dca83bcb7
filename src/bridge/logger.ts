import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { LogLevelName } from '../platform/config/logging';
import { createLogger, loggerOptions } from '../platform/logging/logger';

/**
 * The bridge's logger: the shared JSON logger (src/platform/logging/logger.ts) named `bridge`. Its
 * redaction covers signatures, secrets and request bodies (names, dates of birth and notes travel in
 * webhook payloads); identifiers (external identifier, case identifier, webhook id) are logged on purpose.
 */
export { REDACT_PATHS } from '../platform/logging/logger';

export function bridgeLoggerOptions(level: LogLevelName): LoggerOptions {
  return loggerOptions({ name: 'bridge', level });
}

export function createBridgeLogger(level: LogLevelName = 'info', destination?: DestinationStream): Logger {
  return createLogger({ name: 'bridge', level, ...(destination !== undefined && { destination }) });
}
