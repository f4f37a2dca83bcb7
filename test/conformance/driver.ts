/**
 * What the screening-provider conformance suite (screening-providers.test.ts) needs from one provider:
 * only what differs between providers. The scenario table, the workers, the bridge and the Temporal
 * side are the same for every provider (stack.ts); a driver starts the provider's sandbox, builds the
 * provider's real adapter against it, plays its analyst, injects its faults and reads what the
 * sandbox holds.
 *
 * A new provider passes the suite by adding a driver here (drivers/<name>.ts) and to DRIVERS in the
 * test file; the table does not change (docs/providers/README.md, "Adding a provider").
 */
import type { DecisionSource } from '../../src/contracts/case-decision';
import type { MeshCustomer } from '../../src/contracts/customer';
import type { ScreeningProviderName } from '../../src/contracts/screening-provider';

/**
 * The customer of a scenario, by what the provider's sandbox finds:
 * - `clean`: nothing;
 * - `hits`: possible matches, a case for the provider's analyst;
 * - `prohibited`: the provider's worst answer short of a match: Mesh's PROHIBITED risk level,
 *   ComplyCube's `not_processed` outcome (a result the adapter cannot read as a decision).
 */
export type CustomerKind = 'clean' | 'hits' | 'prohibited';

export type AnalystDecision = 'approve' | 'reject';

/**
 * Ongoing monitoring of the customer at the provider: `on` or `off` everywhere it can be set (Mesh:
 * the customer; ComplyCube: every screening check of the client), `mixed` when it differs between them,
 * `none` when the provider holds no subject.
 */
export type Monitoring = 'on' | 'off' | 'mixed' | 'none';

/** What the provider's sandbox holds for one external identifier. */
export interface Holdings {
  /** Mesh customers, ComplyCube clients. */
  subjects: number;
  /** Mesh screenings (create-and-screen and re-scores that ran), ComplyCube screening checks. */
  screenings: number;
}

/** How often the sandbox applied each kind of fault injected so far. */
export interface FaultsApplied {
  lostResponses: number;
  rateLimited: number;
  serverErrors: number;
  droppedWebhooks: number;
}

/** Where the in-process bridge of a scenario receives each provider's webhooks. */
export interface BridgeEndpoints {
  /** `POST /webhooks/complyadvantage` (Mesh). */
  meshUrl: string;
  /** `POST /webhooks/complycube`. */
  complyCubeUrl: string;
  /** `POST /webhooks/complyadvantage-classic/<token>` for the driver's token. */
  caClassicUrl: string;
}

export interface ProviderDriver {
  readonly provider: ScreeningProviderName;
  /** The signing secrets the bridge verifies this provider's sandbox deliveries with. */
  readonly bridgeSecrets: { secrets: string[]; complyCubeSecrets?: string[]; caClassicTokens?: string[] };
  /**
   * The `decision.source` of a decision the provider's webhook brought: Mesh's webhook carries the
   * decision (`webhook`, confirmed by a case read); ComplyCube's names only the check, so its event
   * workflow reads the check and hands the run what it read (`provider-read`).
   */
  readonly webhookDecisionSource: DecisionSource;

  /** Starts the sandbox, delivering signed webhooks to the bridge. One sandbox per scenario. */
  start(bridge: BridgeEndpoints): Promise<void>;
  stop(): Promise<void>;

  /** The provider's real adapter against the sandbox: what its activity worker registers. */
  activities(): object;

  /** A customer the sandbox screens as `kind` says, under `externalIdentifier`. */
  customer(kind: CustomerKind, externalIdentifier: string): MeshCustomer;

  /** The provider's analyst decides the run's case (Mesh: a case; ComplyCube: the check's matches). */
  analystDecides(caseIdentifier: string, decision: AnalystDecision): Promise<void>;

  // Faults: each applies to the sandbox from now on.
  /** The next creation call is processed, then its answer is lost (the socket closes). */
  loseNextCreateResponse(): Promise<void>;
  /**
   * The next calls answer 429 (`rateLimited` of them) and 5xx (`serverErrors`), placed on the calls of
   * a clean screening so that no single call fails more than twice in a row (the retries stay seconds).
   */
  failNextCalls(faults: { rateLimited: number; serverErrors: number }): Promise<void>;
  /** Every webhook from now on is dropped at the sandbox. */
  dropEveryWebhook(): Promise<void>;
  faultsApplied(): Promise<FaultsApplied>;

  holdings(externalIdentifier: string): Promise<Holdings>;
  monitoring(externalIdentifier: string): Promise<Monitoring>;
}

/** Aggregates `monitoring_enabled`-style flags into a `Monitoring`. */
export function monitoringOf(flags: readonly boolean[]): Monitoring {
  if (flags.length === 0) return 'none';
  if (flags.every((on) => on)) return 'on';
  if (flags.every((on) => !on)) return 'off';
  return 'mixed';
}

/** Tallies a sandbox's fault listing (its control route's `GET …/faults`) into FaultsApplied, by kind. */
export function faultsAppliedOf(faults: readonly { kind: string; applied: number }[]): FaultsApplied {
  const applied: FaultsApplied = {
    lostResponses: 0,
    rateLimited: 0,
    serverErrors: 0,
    droppedWebhooks: 0,
  };
  for (const fault of faults) {
    if (fault.kind === 'lost-response') applied.lostResponses += fault.applied;
    if (fault.kind === 'rate-limit') applied.rateLimited += fault.applied;
    if (fault.kind === 'server-error') applied.serverErrors += fault.applied;
    if (fault.kind === 'drop-webhook') applied.droppedWebhooks += fault.applied;
  }
  return applied;
}
