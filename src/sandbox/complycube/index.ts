import type { AddressInfo } from 'node:net';
import type { ComplyCubeContext } from './context';
import { resetSandbox } from './control-routes';
import { buildComplyCubeServer } from './server';
import type { ComplyCubeSandboxOptions, ComplyCubeSettings } from './settings';

export type {
  ComplyCubeSandboxOptions,
  ComplyCubeSettings,
  ComplyCubeSettingsPatchBody,
  ExternalIdFilter,
} from './settings';
export {
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  DEFAULT_COMPLYCUBE_API_KEY,
  DEFAULT_COMPLYCUBE_SETTINGS,
  EXTERNAL_ID_FILTERS,
  WEBHOOK_RETRY_GAPS_SECONDS,
} from './settings';
export { COMPLYCUBE_FAULT_KINDS, type ComplyCubeFaultBody, type ComplyCubeFaultKind } from './faults';
export { SIGNATURE_HEADER, type DeliveryLogEntry } from './webhook-delivery';
export type { EventEnvelope } from './events';
export type { ComplyCubeStatsSnapshot } from './stats';
export { buildComplyCubeServer } from './server';

/** A running ComplyCube sandbox (docs/sandbox.md, "ComplyCube sandbox"). */
export interface ComplyCubeSandbox {
  /** The API base, what COMPLYCUBE_BASE_URL takes: e.g. http://127.0.0.1:41234/v1 */
  url: string;
  /** Scheme, host and port, where the control routes live: e.g. http://127.0.0.1:41234 */
  origin: string;
  port: number;
  /** In-process shortcuts for what the control routes do. */
  reset(): void;
  settings(): ComplyCubeSettings;
  close(): Promise<void>;
  /** The internals, for tests that need to look closer. */
  readonly context: ComplyCubeContext;
}

export async function startComplyCubeSandbox(
  options: ComplyCubeSandboxOptions = {},
): Promise<ComplyCubeSandbox> {
  const { app, ctx } = buildComplyCubeServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const origin = `http://${shownHost}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    reset: () => resetSandbox(ctx),
    settings: () => ctx.settings,
    close: () => app.close(),
    context: ctx,
  };
}
