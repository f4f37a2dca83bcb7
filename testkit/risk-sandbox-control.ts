/**
 * The risk sandbox's control routes (docs/providers/risk.md, "Sandbox"), typed: what a test, benchmark or
 * drill does to the sandbox that the customer-checks API cannot: play the analyst on a customer's case,
 * inject faults, take the API down, read the request log and counters. Bodies are the ones the sandbox
 * validates, so a misspelt knob fails to compile instead of answering 400. Every call throws on a non-2xx
 * answer.
 */
import type {
  RiskCaseBody,
  RiskFaultBody,
  RiskFaultView,
  RiskRequestLogEntry,
  RiskSandboxCustomer,
  RiskSandboxSettings,
  RiskSettingsPatchBody,
  RiskStatsSnapshot,
} from '../src/sandbox/risk';

export class RiskSandboxControl {
  private readonly origin: string;

  /** `url`: the sandbox's origin (`sandbox.url`, what RISK_API_BASE_URL takes). */
  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.origin = url.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.origin}/_sandbox/risk${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /_sandbox/risk${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Forgets every customer, fault, logged request and counter; settings back to the start options. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset', {});
  }

  /** Changes some settings (latency, down, the 425 window); answers all of them. */
  settings(patch: RiskSettingsPatchBody): Promise<RiskSandboxSettings> {
    return this.request('PATCH', '/settings', patch);
  }

  getSettings(): Promise<RiskSandboxSettings> {
    return this.request('GET', '/settings');
  }

  /** The API is down (every request 503) until `down(false)`. */
  down(down = true): Promise<RiskSandboxSettings> {
    return this.settings({ down });
  }

  async addFault(fault: RiskFaultBody): Promise<string> {
    return (await this.request<{ id: string }>('POST', '/faults', fault)).id;
  }

  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  /** The faults in force, each with how often it was applied so far. */
  faults(): Promise<RiskFaultView[]> {
    return this.request('GET', '/faults');
  }

  /**
   * The analyst acts on the customer's case: its status (any value; `not-opened` removes the case) and
   * optionally the level and points later checks answer (null clears them). Later checks of the customer
   * answer this state.
   */
  setCase(externalId: string, body: RiskCaseBody): Promise<RiskSandboxCustomer> {
    return this.request('POST', `/customers/${encodeURIComponent(externalId)}/case`, body);
  }

  /** What the sandbox holds for the customer, the last body received included. */
  customer(externalId: string): Promise<RiskSandboxCustomer> {
    return this.request('GET', `/customers/${encodeURIComponent(externalId)}`);
  }

  /** Every API request so far, oldest first (optionally one customer's). */
  requests(filter: { externalId?: string } = {}): Promise<RiskRequestLogEntry[]> {
    const query =
      filter.externalId === undefined ? '' : `?externalId=${encodeURIComponent(filter.externalId)}`;
    return this.request('GET', `/requests${query}`);
  }

  stats(): Promise<RiskStatsSnapshot> {
    return this.request('GET', '/stats');
  }

  /** Zeroes the counters (what the sandbox holds stays). */
  async resetStats(): Promise<void> {
    await this.request('POST', '/stats/reset', {});
  }
}
