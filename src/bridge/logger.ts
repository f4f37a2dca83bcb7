import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that must never be written, whatever a future log call passes: signatures and secrets, and
 * request bodies (names, dates of birth and notes travel in webhook payloads). Identifiers (external
 * identifier, case identifier, webhook id) are not personal data here and are logged on purpose.
 */
export const REDACT_PATHS = [
  'req.headers["webhook-signature"]',
  'req.headers["x-complyadvantage-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'body',
  'payload',
  '*.secret',
  '*.secrets',
  '*.webhookSecrets',
  '*.legacySecret',
];

export function bridgeLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    name: 'bridge',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

export function createBridgeLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return destination === undefined
    ? pino(bridgeLoggerOptions(level))
    : pino(bridgeLoggerOptions(level), destination);
}
