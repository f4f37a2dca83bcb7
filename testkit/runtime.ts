/**
 * The Temporal Runtime of a test, benchmark or drill process: one logger for the SDK and for Core,
 * at one level. WARN for benchmarks and drills (a warning there is worth seeing); tests default to
 * ERROR, since their expected failures (an activity that must fail, a replay that must diverge) would
 * otherwise print a warning with a stack trace each: TEST_LOG_LEVEL=WARN shows them when debugging.
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Runtime once per process (per test file under jest). A Runtime already created by
 * something else (e.g. a test that installs its own to read metrics) is kept.
 */
export function installRuntime(level: LogLevel = 'WARN'): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      // Core's own log lines (e.g. "Failing workflow task ... Nondeterminism") at the same level.
      telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' } } },
    });
  } catch {
    // Already instantiated (a Worker or connection created first, or another Runtime): keep that one.
  }
}

/** The level tests run at: TEST_LOG_LEVEL, else ERROR. */
export function testLogLevel(): LogLevel {
  const level = process.env['TEST_LOG_LEVEL']?.toUpperCase();
  return level === 'TRACE' || level === 'DEBUG' || level === 'INFO' || level === 'WARN' || level === 'ERROR'
    ? level
    : 'ERROR';
}
