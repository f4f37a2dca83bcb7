import type { FastifyInstance } from 'fastify';
import { applySettingsPatch, type SettingsPatchOf } from './settings';

interface ControlContext<S, I> {
  /** Replaced (never mutated in place) by the settings patch and by reset. */
  settings: S;
  faults: { add(input: I): { id: string }; list(): unknown; clear(): void };
  stats: { clear(): void };
}

/** What a sandbox gives the control routes they all share: its own reset, validation and stats. */
export interface CommonControl<S, I> {
  /** Back to the start: nothing held, no faults, no stats, the start settings. */
  reset(): void;
  /** A settings patch body validated, refused in the sandbox's own error envelope. */
  parseSettingsPatch(body: unknown): SettingsPatchOf<S>;
  /** A fault body validated, refused in the sandbox's own error envelope. */
  parseFault(body: unknown): I;
  /** The stats, with what the sandbox holds. */
  statsSnapshot(): unknown;
}

/**
 * The control routes every sandbox (but Mesh) has under its prefix: reset, the settings (read and patch),
 * the faults (add, list and clear) and the stats (read and reset).
 */
export function registerCommonControlRoutes<S extends { latencyMs: { min: number; max: number } }, I>(
  app: FastifyInstance,
  prefix: string,
  ctx: ControlContext<S, I>,
  sandbox: CommonControl<S, I>,
): void {
  app.post(`${prefix}/reset`, () => {
    sandbox.reset();
    return { reset: true, settings: ctx.settings };
  });

  app.get(`${prefix}/settings`, () => ctx.settings);

  app.patch(`${prefix}/settings`, (request) => {
    ctx.settings = applySettingsPatch(ctx.settings, sandbox.parseSettingsPatch(request.body));
    return ctx.settings;
  });

  app.post(`${prefix}/faults`, (request, reply) => {
    const fault = ctx.faults.add(sandbox.parseFault(request.body));
    return reply.code(201).send({ id: fault.id });
  });

  app.get(`${prefix}/faults`, () => ctx.faults.list());

  app.delete(`${prefix}/faults`, () => {
    ctx.faults.clear();
    return { cleared: true };
  });

  app.get(`${prefix}/stats`, () => sandbox.statsSnapshot());

  app.post(`${prefix}/stats/reset`, () => {
    ctx.stats.clear();
    return sandbox.statsSnapshot();
  });
}
