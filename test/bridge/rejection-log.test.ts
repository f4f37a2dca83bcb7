import type { FastifyBaseLogger } from 'fastify';
import { createRejectionLog, REJECTION_LOG_INTERVAL_MS } from '../../src/bridge/rejection-log';

function capturingLogger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const log = {
    warn: (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message }),
  } as unknown as FastifyBaseLogger;
  return { log, lines };
}

describe('signature rejection log', () => {
  it('logs the first forged request at once and then one line per reason per window, with what it left out', () => {
    let now = 1_000_000;
    const logRejection = createRejectionLog(() => now);
    const { log, lines } = capturingLogger();

    logRejection(log, 'no-matching-signature');
    for (let i = 0; i < 999; i++) logRejection(log, 'no-matching-signature');
    expect(lines).toEqual([
      { fields: { reason: 'no-matching-signature' }, message: 'webhook signature rejected' },
    ]);

    now += REJECTION_LOG_INTERVAL_MS;
    logRejection(log, 'no-matching-signature');
    expect(lines[1]).toEqual({
      fields: {
        reason: 'no-matching-signature',
        suppressed: 999,
        suppressedOverMs: REJECTION_LOG_INTERVAL_MS,
      },
      message: 'webhook signature rejected',
    });
  });

  it('keeps a separate window per reason, so a stale timestamp is not hidden behind forged signatures', () => {
    const logRejection = createRejectionLog(() => 5);
    const { log, lines } = capturingLogger();
    logRejection(log, 'no-matching-signature');
    logRejection(log, 'no-matching-signature');
    logRejection(log, 'stale-timestamp');
    expect(lines.map((l) => l.fields['reason'])).toEqual(['no-matching-signature', 'stale-timestamp']);
  });
});
