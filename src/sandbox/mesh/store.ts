import type { CustomerKind, JsonObject } from './customer-input';

/** The sandbox's in-memory state. Every lookup is a Map hit, so benchmarks of thousands of customers stay flat. */

export type StepStatus = 'NOT-STARTED' | 'IN-PROGRESS' | 'COMPLETED' | 'SKIPPED' | 'ERRORED';

export interface StepRecord {
  identifier: string;
  status: StepStatus;
  output?: JsonObject;
  errorMessage?: string;
}

export interface WorkflowRecord {
  identifier: string;
  kind: 'create-and-screen' | 'update-and-rescore';
  /** Insertion order is the order the steps run and are rendered in. */
  steps: Map<string, StepRecord>;
  customerIdentifier?: string;
  createdAt: string;
}

export interface CustomerRecord {
  identifier: string;
  externalIdentifier: string;
  kind: CustomerKind;
  /** The customer object as last sent (create, or a replacing update). */
  data: JsonObject;
  version: number;
  createdAt: string;
  updatedAt: string;
  riskLevel: string;
  riskValue: number;
  screeningResult?: string;
  monitoringEnabled: boolean;
  /** The screening configuration the customer was created with (what the extensive route is checked by). */
  screeningConfigurationIdentifier?: string;
  monitoringUpdatedAt: string;
  /** Canonical JSON of the create request, to recognise an identical retry. */
  createFingerprint: string;
  createWorkflowIdentifier: string;
  caseIdentifiers: string[];
}

export type StageType = 'INITIAL' | 'REVIEW' | 'DECISION';

export interface CaseStage {
  identifier: string;
  displayName: string;
  displayOrder: number;
  stageType: StageType;
  decisionType: string | null;
  /** The deprecated `case_state` that goes with this stage. */
  caseState: string;
}

export interface CaseRecord {
  identifier: string;
  type: 'CUSTOMER_ONBOARDING' | 'CUSTOMER_MONITORING';
  customerIdentifier: string;
  stage: CaseStage;
  alertIdentifiers: string[];
  createdAt: string;
  updatedAt: string;
  note?: string;
}

export interface AlertRecord {
  identifier: string;
  caseIdentifier: string;
  customerIdentifier: string;
  amlTypes: string[];
  profileIdentifier: string;
  createdAt: string;
}

export interface WebhookConfigRecord {
  identifier: string;
  name: string;
  type: string;
  url: string;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export class SandboxStore {
  readonly customers = new Map<string, CustomerRecord>();
  readonly customersByExternalId = new Map<string, CustomerRecord>();
  readonly workflows = new Map<string, WorkflowRecord>();
  readonly cases = new Map<string, CaseRecord>();
  readonly alerts = new Map<string, AlertRecord>();
  readonly webhooks = new Map<string, WebhookConfigRecord>();

  addCustomer(customer: CustomerRecord): void {
    this.customers.set(customer.identifier, customer);
    this.customersByExternalId.set(customer.externalIdentifier, customer);
  }

  clear(): void {
    this.customers.clear();
    this.customersByExternalId.clear();
    this.workflows.clear();
    this.cases.clear();
    this.alerts.clear();
    this.webhooks.clear();
  }
}

/**
 * Timers for work that finishes "shortly after" a response (later workflow steps, webhook retries).
 * Tracked so reset and close cancel them instead of letting them touch cleared state.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  get pending(): number {
    return this.timers.size;
  }
}

export const nowIso = (): string => new Date().toISOString();

/** JSON with object keys sorted, so two bodies that differ only in key order count as identical. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
