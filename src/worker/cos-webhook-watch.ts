import type { Logger } from '@temporalio/common';
import type { CosApi } from '../providers/cos/client';
import { restartSuspendedCosRegistrations } from '../providers/cos/webhooks';

/**
 * COS suspends a registration after a delivery failed four times (a bridge or Temporal outage of a few
 * minutes) and sends nothing more until it is restarted. Waiting runs still read their customer every
 * CORE_POLL_INTERVAL, but a customer already CORE_READY has no run reading it: its nightly rescan reaches
 * us only as an event. So every worker with COS on restarts our suspended registrations at start and then
 * every `intervalMs` (a restart is idempotent; several workers doing it do no harm), and says so loudly.
 */
export function watchCosWebhooks(o: {
  api: Pick<CosApi, 'listRegistrations' | 'restartRegistration'>;
  intervalMs: number;
  logger: Pick<Logger, 'warn'>;
  callbackUrl?: string | undefined;
}): { stop(): void; checked: Promise<void> } {
  const check = async (): Promise<void> => {
    try {
      const result = await restartSuspendedCosRegistrations(o.api, { callbackUrl: o.callbackUrl });
      if (result.restarted.length > 0) {
        o.logger.warn(
          'COS webhook registrations were suspended: restarted (COS now delivers what it queued)',
          {
            restarted: result.restarted,
            registrations: result.registrations,
          },
        );
      } else if (result.registrations === 0) {
        o.logger.warn(
          'no COS webhook registration of ours: run npm run register-webhooks (runs fall back to polling)',
        );
      }
    } catch (err) {
      o.logger.warn('could not check the COS webhook registrations; the next check tries again', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const checked = check();
  const timer = setInterval(() => void check(), o.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), checked };
}
