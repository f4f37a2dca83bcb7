/**
 * The logging and time interfaces every provider module shares. Provider code logs identifiers, route
 * templates, statuses and error kinds only: never personal data and never a provider's prose.
 */

/** The transport's logger. Compatible with Temporal's activity/runtime `Logger` (message first); pino needs a thin adapter. */
export interface ProviderLogger {
  debug?(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
}

export const silentLogger: ProviderLogger = { debug() {}, info() {}, warn() {} };

/** What the activities log through: the activity context's `log` by default, a fake in tests. */
export interface ActivityLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** Where the warn line about a refused account goes (the activity logger by default). */
export interface FailureLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
