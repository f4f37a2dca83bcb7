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
import { SandboxControlBase } from './sandbox-http';

export class RiskSandboxControl extends SandboxControlBase<
  RiskSandboxSettings,
  RiskSettingsPatchBody,
  RiskFaultBody,
  RiskFaultView,
  RiskStatsSnapshot
> {
  /**
   * `url`: the sandbox's origin (`sandbox.url`, what RISK_API_BASE_URL takes). `reset()` forgets every
   * customer, fault, logged request and counter; `settings()` changes latency, down, the 425 window.
   */
  constructor(url: string, timeoutMs = 10_000) {
    super(url, '/_sandbox/risk', timeoutMs);
  }

  /** The API is down (every request 503) until `down(false)`. */
  down(down = true): Promise<RiskSandboxSettings> {
    return this.settings({ down });
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
}
