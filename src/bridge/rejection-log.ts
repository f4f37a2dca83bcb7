import type { FastifyBaseLogger } from 'fastify';
import type { SignatureFailure } from './signature';

/** At most one line per reason in this window: the first refusal at once, then a count. */
export const REJECTION_LOG_INTERVAL_MS = 10_000;

/**
 * Logs refused signatures without letting a flood of forged requests flood the log: the first refusal
 * of each reason is logged at once, later ones within REJECTION_LOG_INTERVAL_MS only counted, and the
 * next line after the window says how many were left out (`suppressed`). The bridge's metrics count every
 * refusal by status code. One line per forged request also cost a fifth of the bridge's CPU
 * (bench/bridge-throughput.ts).
 */
export function createRejectionLog(now: () => number = Date.now) {
  const windows = new Map<SignatureFailure, { loggedAt: number; suppressed: number }>();
  return (log: FastifyBaseLogger, reason: SignatureFailure): void => {
    const at = now();
    const window = windows.get(reason);
    if (window !== undefined && at - window.loggedAt < REJECTION_LOG_INTERVAL_MS) {
      window.suppressed += 1;
      return;
    }
    windows.set(reason, { loggedAt: at, suppressed: 0 });
    const left = window !== undefined && window.suppressed > 0;
    log.warn(
      { reason, ...(left && { suppressed: window.suppressed, suppressedOverMs: at - window.loggedAt }) },
      'webhook signature rejected',
    );
  };
}
