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

export class ComplyCubeSandboxControl {
  private readonly origin: string;

  /** `url`: the sandbox's origin or its API base (`sandbox.url`, ending in /v1): either works. */
  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.origin = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.origin}/_sandbox/complycube${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /_sandbox/complycube${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Forgets every client, check, webhook, fault and delivery; settings back to the start options. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset', {});
  }

  /** Changes some settings; answers all of them. */
  settings(patch: ComplyCubeSettingsPatchBody): Promise<ComplyCubeSettings> {
    return this.request('PATCH', '/settings', patch);
  }

  getSettings(): Promise<ComplyCubeSettings> {
    return this.request('GET', '/settings');
  }

  async addFault(fault: ComplyCubeFaultBody): Promise<string> {
    return (await this.request<{ id: string }>('POST', '/faults', fault)).id;
  }

  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  /** The faults in force, each with how often it was applied so far. */
  faults(): Promise<ComplyCubeSandboxFault[]> {
    return this.request('GET', '/faults');
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

  stats(): Promise<ComplyCubeStatsSnapshot> {
    return this.request('GET', '/stats');
  }

  /** Zeroes the counters (what the sandbox holds stays). */
  async resetStats(): Promise<void> {
    await this.request('POST', '/stats/reset', {});
  }

  /** Every webhook delivery attempt so far, oldest first (filtered by event type, webhook or resource). */
  deliveries(
    filter: { type?: string; webhookId?: string; resourceId?: string } = {},
  ): Promise<DeliveryLogEntry[]> {
    const query = new URLSearchParams(
      Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString();
    return this.request('GET', `/deliveries${query === '' ? '' : `?${query}`}`);
  }
}
