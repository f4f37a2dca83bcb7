import type { AddressInfo } from 'node:net';
import type { CosContext } from './context';
import { resetSandbox } from './control-routes';
import { buildCosServer } from './server';
import type { CosSandboxOptions, CosSettings } from './settings';

export type { CosSandboxOptions, CosSettings, CosSettingsPatchBody, CosStartRegistration } from './settings';
export { DEFAULT_COS_SETTINGS, ZERO_PARTNER_ID } from './settings';
export { COS_FAULT_KINDS, type CosFaultBody, type CosFaultKind, type CosFaultView } from './faults';
export {
  CUSTOMER_ONBOARDED,
  DELIVERY_RETRIES,
  type CosDeliveryLogEntry,
  type CosEventLogEntry,
} from './events';
export type { CosEventEnvelope, RequestLogEntry, ScanStatus } from './store';
export { SCAN_STATUSES } from './store';
export type { CosStatsSnapshot } from './stats';
export type { CosErrorBody } from './errors';
export { IDEMPOTENCY_HEADER, MAX_KEY_LENGTH, ORIGINAL_REQUEST_ID_HEADER } from './idempotency';
export { COS_CONTROL_PREFIX } from './control-routes';
export { TOKEN_PATH } from './auth';
export { buildCosServer, REQUEST_ID_HEADER } from './server';
export { normaliseName, scanRule, type ScanRule } from './scans';

/** A running COS sandbox (docs/providers/cos-sandbox.md). */
export interface CosSandbox {
  /**
   * Scheme, host and port: the API (`/core/v1/…`, `/webhooks/v1/…`), the token route (`/connect/token`)
   * and the control routes (`/_sandbox/cos/…`) all live here, e.g. http://127.0.0.1:41234
   */
  url: string;
  port: number;
  /** Same as `POST /_sandbox/cos/reset`. */
  reset(): void;
  settings(): CosSettings;
  close(): Promise<void>;
  /** The internals, for tests that need to look closer. */
  readonly context: CosContext;
}

export async function startCosSandbox(options: CosSandboxOptions): Promise<CosSandbox> {
  const { app, ctx } = buildCosServer(options);
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
