/**
 * The Mesh sandbox's control routes (docs/sandbox.md, "/_sandbox"), typed: what a test, benchmark or
 * drill does to the sandbox that Mesh's API cannot: play the analyst, inject faults, change settings,
 * read what the sandbox holds and delivered. Bodies are the ones the sandbox validates, so a misspelt
 * knob fails to compile instead of answering 400. Every call throws on a non-2xx answer.
 */
import type { DeliveryLogEntry, FaultBody, FaultKind, SettingsPatchBody } from '../src/sandbox/mesh';
import { controlRequest } from './sandbox-http';

export interface SandboxCustomer {
  identifier: string;
  external_identifier: string;
  customer_type: string;
  risk_level: string;
  screening_result: string | null;
  monitoring_enabled: boolean;
  /** The screening configuration of the create-and-screen that created it (standard or extensive). */
  screening_configuration_identifier: string | null;
  version: number;
  case_identifiers: string[];
  created_at: string;
}

export interface SandboxStats {
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  [figure: string]: unknown;
}

/** A fault as `GET /_sandbox/faults` lists it. */
export interface SandboxFault {
  id: string;
  kind: FaultKind;
  method: string | null;
  path: string | null;
  webhookType: string | null;
  remaining: number | null;
  applied: number;
}

export class SandboxControl {
  /** `url`: the sandbox's base URL, e.g. `sandbox.url` (a subclass may supply it later, see `url`). */
  constructor(
    private readonly baseUrl?: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The sandbox's base URL. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('no sandbox URL yet');
    return this.baseUrl;
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return controlRequest(this.url, method, `/_sandbox${path}`, body, this.timeoutMs);
  }

  /** Forgets every customer, case, fault and delivery; settings back to the start options. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset', {});
  }

  async settings(patch: SettingsPatchBody): Promise<void> {
    await this.request('PATCH', '/settings', patch);
  }

  async addFault(fault: FaultBody): Promise<void> {
    await this.request('POST', '/faults', fault);
  }

  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  /** The faults in force, each with how often it was applied so far. */
  faults(): Promise<SandboxFault[]> {
    return this.request('GET', '/faults');
  }

  stats(): Promise<SandboxStats> {
    return this.request('GET', '/stats');
  }

  /** The customers the sandbox holds (those with one external identifier, when given). */
  async customers(externalIdentifier?: string): Promise<SandboxCustomer[]> {
    const query =
      externalIdentifier === undefined
        ? ''
        : `?external_identifier=${encodeURIComponent(externalIdentifier)}`;
    return (await this.request<{ customers: SandboxCustomer[] }>('GET', `/customers${query}`)).customers;
  }

  /** The analyst moves a case to a stage (`IN_REVIEW`), or decides it (`DECISION` with a decision). */
  async transitionCase(
    caseIdentifier: string,
    stage: 'IN_REVIEW' | 'DECISION',
    decision?: string,
    note?: string,
  ): Promise<void> {
    await this.request('POST', `/cases/${encodeURIComponent(caseIdentifier)}/transition`, {
      stage,
      ...(decision !== undefined && { decision }),
      ...(note !== undefined && { note }),
    });
  }

  /** The analyst decides a case (then Mesh webhooks the decision to the registered URLs). */
  decideCase(caseIdentifier: string, decision: string, note?: string): Promise<void> {
    return this.transitionCase(caseIdentifier, 'DECISION', decision, note);
  }

  /**
   * Ongoing monitoring finds something: the sandbox opens a CUSTOMER_MONITORING case for the customer and
   * webhooks CASE_CREATED (the bridge then starts its monitoringCaseReview). Returns the case's identifier.
   */
  async openMonitoringCase(customerIdentifier: string): Promise<string> {
    const opened = await this.request<{ identifier: string }>(
      'POST',
      `/customers/${encodeURIComponent(customerIdentifier)}/monitoring-cases`,
      {},
    );
    return opened.identifier;
  }

  /** Every webhook delivery attempt so far, oldest first. */
  deliveries(): Promise<DeliveryLogEntry[]> {
    return this.request('GET', '/deliveries');
  }
}
