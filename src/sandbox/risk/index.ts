import type { AddressInfo } from 'node:net';
import type { RiskSandboxContext } from './context';
import { resetRiskSandbox } from './control-routes';
import { buildRiskSandboxServer } from './server';
import type { RiskSandboxOptions, RiskSandboxSettings } from './settings';

export {
  DEFAULT_RISK_API_KEY,
  DEFAULT_RISK_SANDBOX_SETTINGS,
  TOO_EARLY_WINDOW_MS,
  type LatencyRange,
  type RiskSandboxOptions,
  type RiskSandboxSettings,
  type RiskSettingsPatchBody,
} from './settings';
export { RISK_FAULT_KINDS, type RiskFaultBody, type RiskFaultKind, type RiskFaultView } from './faults';
export { RISK_CONTROL_PREFIX, type RiskCaseBody, type RiskSandboxCustomer } from './control-routes';
export { RISK_CHECK_ROUTE, type RiskCheckAnswer } from './checks';
export { RISK_DEFAULT_RULE, RISK_NAME_RULES, DECLARED_PEP_POINTS, type RiskNameRule } from './scoring';
export { customerIdFor, caseIdFor, type RiskRequestLogEntry, type RiskStatsSnapshot } from './state';
export { riskCheckRequestSchema, type RiskCheckBody } from './request-schema';
export type { RiskErrorBody } from './errors';
export { buildRiskSandboxServer } from './server';

/** A running risk sandbox (docs/providers/risk.md, "Sandbox"). */
export interface RiskSandbox {
  /** What RISK_API_BASE_URL takes: scheme, host and port, e.g. http://127.0.0.1:4012 (the control routes live there too). */
  url: string;
  port: number;
  /** In-process shortcuts for what the control routes do. */
  reset(): void;
  settings(): RiskSandboxSettings;
  close(): Promise<void>;
  /** The internals, for tests that need to look closer. */
  readonly context: RiskSandboxContext;
}

export async function startRiskSandbox(options: RiskSandboxOptions = {}): Promise<RiskSandbox> {
  const { app, ctx } = buildRiskSandboxServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    reset: () => resetRiskSandbox(ctx),
    settings: () => ctx.settings,
    close: () => app.close(),
    context: ctx,
  };
}
