import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger as PinoLogger } from 'pino';
import type { LogLevelName } from '../config/logging';

const PINO_METHOD = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const satisfies Record<LogLevel, LogLevelName>;

/**
 * The Temporal SDK's `Logger` on top of pino, for `Runtime.install({ logger })`: the SDK's own lines,
 * Core's forwarded lines and the workflow and activity `log` calls all end up in the process's JSON log,
 * with the same redaction. The SDK's meta (`sdkComponent`, `workflowId`, `activityType`, ...) become
 * fields; its symbol-keyed timestamp is dropped in favour of pino's `time`.
 */
export class PinoTemporalLogger implements Logger {
  constructor(private readonly pino: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = PINO_METHOD[level] ?? 'info';
    if (!this.pino.isLevelEnabled(method)) return;
    // Object.entries skips symbol keys (the SDK's LogTimestamp, a bigint pino cannot serialize).
    this.pino[method](meta === undefined ? {} : Object.fromEntries(Object.entries(meta)), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** The Temporal log level that matches a pino level: what Core is told to forward at all. */
export function temporalLogLevel(level: LogLevelName): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    case 'error':
    case 'fatal':
    case 'silent':
      return 'ERROR';
  }
}
