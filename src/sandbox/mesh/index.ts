import type { AddressInfo } from 'node:net';
import type { SandboxContext } from './context';
import { resetSandbox } from './control-routes';
import { buildSandboxServer } from './server';
import type { SandboxOptions, SandboxSettings } from './settings';

export type {
  SandboxOptions,
  SandboxSettings,
  DuplicateShape,
  IdenticalRetry,
  LatencyRange,
  SettingsPatchBody,
  TokenRefusalStatus,
} from './settings';
export {
  DEFAULT_SETTINGS,
  DEFAULT_PASSWORD,
  PUBLISHED_DUPLICATE_MESSAGE,
  SANDBOX_DEV_WEBHOOK_SECRET,
} from './settings';
export type { DeliveryLogEntry } from './webhook-delivery';
export type { FaultKind, FaultInput, FaultBody } from './faults';
export { SCREENING_RULES, DEFAULT_RULE, type ScreeningRule } from './screening-rules';
export { buildSandboxServer } from './server';

/** A running sandbox (docs/sandbox.md). */
export interface Sandbox {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** In-process shortcuts for what the /_sandbox routes do. */
  reset(): void;
  settings(): SandboxSettings;
  close(): Promise<void>;
  /** The internals, for tests that need to look closer. */
  readonly context: SandboxContext;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { app, ctx } = buildSandboxServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    reset: () => resetSandbox(ctx),
    settings: () => ctx.settings,
    close: () => app.close(),
    context: ctx,
  };
}
