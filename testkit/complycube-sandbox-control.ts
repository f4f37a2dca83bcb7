/**
 * The ComplyCube sandbox's control routes (docs/sandbox.md, "ComplyCube sandbox"), typed: what a test,
 * benchmark or drill does to the sandbox that ComplyCube's API cannot: play the analyst, raise a
 * monitoring finding, inject faults, change settings, read counters and the delivery log. Bodies are
 * the ones the sandbox validates, so a misspelt knob fails to compile instead of answering 400. Every
 * call throws on a non-2xx answer.
 */
import type {
  ComplyCubeFaultBody,
  ComplyCubeFaultKind,
  ComplyCubeSettings,
  ComplyCubeSettingsPatchBody,
  ComplyCubeStatsSnapshot,
  DeliveryLogEntry,
} from '../src/sandbox/complycube';
import { queryOf, SandboxControlBase } from './sandbox-http';

/** A fault as `GET /_sandbox/complycube/faults` lists it. */
export interface ComplyCubeSandboxFault {
  id: string;
  kind: ComplyCubeFaultKind;
  method: string | null;
  path: string | null;
  webhookType: string | null;
  remaining: number | null;
  applied: number;
}

/** A check as the control routes answer it (the same shape as `GET /v1/checks/{id}`). */
export interface ComplyCubeSandboxCheck {
  id: string;
  clientId: string;
  type: string;
  status: string;
  enableMonitoring: boolean;
  result?: { outcome: string; breakdown?: { matches: { id: string; status: string }[] } };
  [field: string]: unknown;
}

export class ComplyCubeSandboxControl extends SandboxControlBase<
  ComplyCubeSettings,
  ComplyCubeSettingsPatchBody,
  ComplyCubeFaultBody,
  ComplyCubeSandboxFault,
  ComplyCubeStatsSnapshot
> {
  /**
   * `url`: the sandbox's origin or its API base (`sandbox.url`, ending in /v1): either works. `reset()`
   * forgets every client, check, webhook, fault and delivery.
   */
  constructor(url: string, timeoutMs = 10_000) {
    super(url.replace(/\/+$/, '').replace(/\/v1$/, ''), '/_sandbox/complycube', timeoutMs);
  }

  /**
   * The analyst validates every match of a complete check: all rejected (`clear`) or all confirmed
   * (`match_confirmed`), one by one, each raising `check.updated` and `check.completed.<outcome>`.
   */
  decide(
    checkId: string,
    decision: 'clear' | 'match_confirmed',
    comment?: string,
  ): Promise<ComplyCubeSandboxCheck> {
    return this.request('POST', `/checks/${encodeURIComponent(checkId)}/decide`, {
      decision,
      ...(comment !== undefined && { comment }),
    });
  }

  /**
   * Monitoring finds something: raises `check.monitoring.attention` for the check (refused while its
   * monitoring is off, unless `force`); with `newMatch` the check also gets a match needing a decision.
   */
  monitoringAttention(
    checkId: string,
    options: { force?: boolean; newMatch?: boolean } = {},
  ): Promise<ComplyCubeSandboxCheck> {
    return this.request('POST', `/checks/${encodeURIComponent(checkId)}/monitoring-attention`, options);
  }

  /** Every webhook delivery attempt so far, oldest first (filtered by event type, webhook or resource). */
  deliveries(
    filter: { type?: string; webhookId?: string; resourceId?: string } = {},
  ): Promise<DeliveryLogEntry[]> {
    return this.request('GET', `/deliveries${queryOf(filter)}`);
  }
}
