/**
 * The real Mesh sandbox (src/sandbox) in this jest process, its control routes (testkit/sandbox-control.ts)
 * and the Mesh client configured against it; the real activities on it, run by the onboarding workers.
 */
import { randomUUID } from 'node:crypto';
import { createActivities, type Activities } from '../../src/activities';
import type { CreateAndScreenInput, ScreeningOutcome } from '../../src/contracts/screening-activities';
import type { MeshCustomer } from '../../src/contracts/customer';
import { Secret, type MeshConfig } from '../../src/providers/mesh/config';
import { createMeshClient, type MeshClientOptions } from '../../src/providers/mesh/client';
import type { MeshLogger } from '../../src/providers/mesh/http';
import type { MeshApi } from '../../src/providers/mesh/api';
import { createMeshWebhooks, type MeshWebhooks } from '../../src/providers/mesh/webhooks';
import { createTokenProvider } from '../../src/providers/mesh/token-provider';
import {
  startSandbox,
  type Sandbox,
  type SandboxOptions,
  type SettingsPatchBody,
} from '../../src/sandbox/mesh';
import { SandboxControl } from '../../testkit/sandbox-control';
import { withOnboardingWorkers } from './onboarding';

/**
 * One sandbox, started by `start()` (or the hooks of `useSandboxHarness`); its control routes are this
 * object's methods (settings, addFault, decideCase, stats, ...).
 */
export class SandboxHarness extends SandboxControl {
  private started: Sandbox | undefined;

  constructor(private readonly options: SandboxOptions = {}) {
    super();
  }

  async start(): Promise<this> {
    // Unlimited unless a test sets a limit: the account limit is exercised by injected 429s here.
    this.started = await startSandbox({
      port: 0,
      rateLimitPerMinute: 0,
      logLevel: 'silent',
      ...this.options,
    });
    return this;
  }

  async close(): Promise<void> {
    await this.started?.close();
  }

  get sandbox(): Sandbox {
    if (this.started === undefined)
      throw new Error('the sandbox starts in beforeAll: use it in tests and hooks');
    return this.started;
  }

  override get url(): string {
    return this.sandbox.url;
  }

  get config(): MeshConfig {
    return {
      baseUrl: this.url,
      screeningConfigurationId: 'sandbox-default',
      credentials: { kind: 'access-key', accessKey: 'mesh-client-tests', secret: new Secret('sandbox') },
      rateLimitPerMinute: 300,
      requestTimeoutMs: 2_000,
    };
  }

  /** The screening client and the webhook administration, sharing one token (as one process would). */
  client(
    overrides: Partial<Omit<MeshClientOptions, 'config'>> & { config?: Partial<MeshConfig> } = {},
  ): MeshApi & MeshWebhooks {
    const options = { ...overrides, config: { ...this.config, ...overrides.config } };
    const tokenProvider = options.tokenProvider ?? createTokenProvider(options);
    return {
      ...createMeshClient({ ...options, tokenProvider }),
      ...createMeshWebhooks({ ...options, tokenProvider }),
    };
  }

  /**
   * The next create-and-screen reaches Mesh (the customer is created) but its answer is lost; a retry
   * meets that customer as a duplicate (`identicalRetry: 'duplicate'`), answered as `settings` say.
   */
  async loseNextScreeningAnswer(settings: SettingsPatchBody = {}): Promise<void> {
    await this.settings({ identicalRetry: 'duplicate', ...settings });
    await this.addFault({
      match: { method: 'POST', path: 'create-and-screen' },
      kind: 'lost-response',
      count: 1,
    });
  }

  async customerCount(externalIdentifier: string): Promise<number> {
    return (await this.customers(externalIdentifier)).length;
  }
}

export function startHarness(options: SandboxOptions = {}): Promise<SandboxHarness> {
  return new SandboxHarness(options).start();
}

/**
 * Registers a describe block's (or file's) hooks for one sandbox: started before all its tests, reset
 * before each, closed after all. The harness can be declared where the tests are.
 */
export function useSandboxHarness(options: SandboxOptions = {}): SandboxHarness {
  const harness = new SandboxHarness(options);
  beforeAll(() => harness.start());
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());
  return harness;
}

const quiet = { info: () => undefined, warn: () => undefined };

/** The real activities, talking to the sandbox of `h`. */
export function sandboxActivities(h: SandboxHarness): Activities {
  return createActivities({ mesh: h.client(), logger: quiet });
}

/** Workflow and Mesh workers as src/worker/main.ts runs them, with the real activities against the sandbox. */
export function withSandboxWorkers<R>(h: SandboxHarness, fn: (taskQueue: string) => Promise<R>): Promise<R> {
  return withOnboardingWorkers(sandboxActivities(h), fn);
}

/** The createAndScreen input the tests send: the sandbox's screening configuration, monitoring on. */
export function screenInput(
  customer: MeshCustomer = guidePerson('Test CleanUser'),
  monitoringEnabled = true,
): CreateAndScreenInput {
  return { customer, screeningConfigurationIdentifier: 'sandbox-default', monitoringEnabled };
}

export function externalId(prefix = 'CUST'): string {
  return `${prefix}-${randomUUID()}`;
}

/** The guide's sample individuals (Testing Your Integration), in the guide's layout (Appendix B). */
export function guidePerson(name: string, externalIdentifier = externalId()): MeshCustomer {
  const [first_name, ...rest] = name.split(' ');
  return {
    external_identifier: externalIdentifier,
    person: { ...(first_name === undefined ? {} : { first_name }), last_name: rest.join(' ') },
    date_of_birth:
      name === 'Victor Bout' ? { day: 13, month: 1, year: 1967 } : { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    email_address: 'applicant@example.com',
    address: { address_line_1: '123 Main Street', postal_code: '10001', country: 'US' },
  };
}

/**
 * What a screening of the guide's Victor Bout recovered from a duplicate must claim: the customer the
 * first screening created (`first`), its match and its case.
 */
export function recoveredMatch(first: ScreeningOutcome, externalIdentifier: string) {
  return {
    customerIdentifier: first.customerIdentifier,
    externalIdentifier,
    riskLevel: 'MEDIUM-RISK',
    screeningResult: 'HAS_PROFILES',
    caseIdentifier: first.caseIdentifier,
    recoveredFromDuplicate: true,
  };
}

/** The same person in the API reference's layout: details under `person`, `address[]`, `address_line1`. */
export function referencePerson(fullName: string, externalIdentifier = externalId()): MeshCustomer {
  return {
    external_identifier: externalIdentifier,
    person: {
      full_name: fullName,
      date_of_birth: '1967-01-13',
      nationality: ['RU'],
      address: [{ address_line1: '1 High Street', country: 'GB' }],
    },
  };
}

export function company(legalName: string, externalIdentifier = externalId('COMP')): MeshCustomer {
  return {
    external_identifier: externalIdentifier,
    company: { legal_name: legalName },
    registration_number: '12345678',
    address: { address_line_1: '123 Main Street', country: 'US' },
  };
}

/** A logger that keeps every line, message and attributes, as one string each. */
export function capturingLogger(): MeshLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, attributes?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn') };
}

/** An individual with only a name, under a fresh external identifier. */
export function person(firstName: string, lastName: string, prefix = 'CUST'): MeshCustomer {
  return { external_identifier: externalId(prefix), person: { first_name: firstName, last_name: lastName } };
}

/** How many create-and-screen requests the sandbox of `h` has answered. */
export async function screeningRequests(h: SandboxHarness): Promise<number> {
  return (await h.stats()).byRoute['POST /v2/workflows/sync/create-and-screen'] ?? 0;
}
